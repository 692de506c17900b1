/**
 * hostPathVolumes (baseline, v1.0+): hostPath volumes are refused.
 *
 * Upstream: policy/check_hostPathVolumes.go (read at 003effe9 and b15a9909). One
 * revision at 1.0. At restricted level restrictedVolumes overrides it (every version),
 * reporting hostPath among the other restricted volume types.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { joinQuote, nameOf, obj, pluralize } from '../helpers.js';

function hostPathVolumes1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  const volumes = spec.volumes;
  if (!Array.isArray(volumes)) return null;
  let bad: string[] | undefined;
  for (let i = 0; i < volumes.length; i++) {
    const v = obj(volumes[i] as Record<string, unknown> | null);
    if (v && v.hostPath !== null && v.hostPath !== undefined) (bad ??= []).push(nameOf(v));
  }
  if (!bad) return null;
  return {
    reason: 'hostPath volumes',
    detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`,
  };
}

export const hostPathVolumes: CheckDefinition = {
  id: 'hostPathVolumes',
  level: 'baseline',
  versions: [{ minimumMinor: 0, check: hostPathVolumes1_0 }],
};
