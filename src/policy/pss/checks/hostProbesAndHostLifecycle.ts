/**
 * hostProbesAndHostLifecycle (baseline, v1.34+): probes and lifecycle handlers must
 * not name a `host` (httpGet.host / tcpSocket.host on liveness, readiness and startup
 * probes and on postStart / preStop). Any non-empty host is refused, 127.0.0.1 and
 * ::1 included.
 *
 * Upstream: policy/check_hostProbesAndhostLifecycle.go (read at 2e94b405; PR #125271,
 * MinimumVersion 1.34) and its test at 5e377f94 (`probe or lifecycle host`, local
 * addresses refused; an intermediate draft at 329dc939 allowed 127.0.0.1/::1 under a
 * different reason and is not what shipped). In 1.34 the check also sat behind the
 * default-on ProbeHostPodSecurityStandards gate; from 1.35 it is purely version-gated.
 * Containers and hosts are both sets here, so both print sorted.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { containersPhrase, forEachContainer, joinQuote, nameOf, obj, pluralize, sortedSet, str } from '../helpers.js';

interface HandlerLike {
  httpGet?: { host?: unknown } | null;
  tcpSocket?: { host?: unknown } | null;
}

/** Whether the handler names a host (no allocation: most containers have probes). */
function hasHost(handler: unknown): boolean {
  const h = obj(handler as HandlerLike | null);
  if (!h) return false;
  return str(obj(h.httpGet)?.host) !== '' || str(obj(h.tcpSocket)?.host) !== '';
}

function collectHosts(handler: unknown, into: string[]): void {
  const h = obj(handler as HandlerLike | null);
  if (!h) return;
  const http = str(obj(h.httpGet)?.host);
  if (http !== '') into.push(http);
  const tcp = str(obj(h.tcpSocket)?.host);
  if (tcp !== '') into.push(tcp);
}

function hostProbesAndHostLifecycle1_34(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let bad: string[] | undefined;
  let hosts: string[] | undefined;
  forEachContainer(spec, (c) => {
    const lc = obj(c.lifecycle);
    const any =
      hasHost(c.livenessProbe) ||
      hasHost(c.readinessProbe) ||
      hasHost(c.startupProbe) ||
      (lc !== undefined && (hasHost(lc.postStart) || hasHost(lc.preStop)));
    if (!any) return;
    (bad ??= []).push(nameOf(c));
    hosts ??= [];
    collectHosts(c.livenessProbe, hosts);
    collectHosts(c.readinessProbe, hosts);
    collectHosts(c.startupProbe, hosts);
    if (lc) {
      collectHosts(lc.postStart, hosts);
      collectHosts(lc.preStop, hosts);
    }
  });
  if (!bad) return null;
  const names = sortedSet(bad);
  const set = sortedSet(hosts!);
  return {
    reason: 'probe or lifecycle host',
    detail:
      `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} ` +
      `${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', set.length)} ${joinQuote(set)}`,
  };
}

export const hostProbesAndHostLifecycle: CheckDefinition = {
  id: 'hostProbesAndHostLifecycle',
  level: 'baseline',
  versions: [{ minimumMinor: 34, check: hostProbesAndHostLifecycle1_34 }],
};
