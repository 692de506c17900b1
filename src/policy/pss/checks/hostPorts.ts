/**
 * hostPorts (baseline, v1.0+): containers must not set ports[*].hostPort (0 or unset
 * is fine).
 *
 * Upstream: policy/check_hostPorts.go (read at 45485bb7 / f5a2724d). One revision at
 * 1.0. The ports are a string set, so they print in string order ("10250" before
 * "443"), as the plugin prints them (e.g. `uses hostPorts 8443, 8888, 9090`,
 * gatekeeper#2633 in REAL-OUTPUTS §9). Probe and lifecycle hosts are a separate check
 * (hostProbesAndHostLifecycle, v1.34+).
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { containersPhrase, forEachContainer, nameOf, obj, pluralize, sortedSet } from '../helpers.js';

function hostPorts1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let bad: string[] | undefined;
  let ports: string[] | undefined;
  forEachContainer(spec, (c) => {
    const cps = c.ports;
    if (!Array.isArray(cps)) return;
    let valid = true;
    for (let j = 0; j < cps.length; j++) {
      const hp = obj(cps[j] as { hostPort?: unknown } | null)?.hostPort;
      if (typeof hp === 'number' && hp !== 0) {
        valid = false;
        (ports ??= []).push(String(Math.trunc(hp)));
      }
    }
    if (!valid) (bad ??= []).push(nameOf(c));
  });
  if (!bad) return null;
  const set = sortedSet(ports!);
  return {
    reason: 'hostPort',
    detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', set.length)} ${set.join(', ')}`,
  };
}

export const hostPorts: CheckDefinition = {
  id: 'hostPorts',
  level: 'baseline',
  versions: [{ minimumMinor: 0, check: hostPorts1_0 }],
};
