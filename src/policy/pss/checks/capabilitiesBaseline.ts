/**
 * capabilities_baseline (baseline, v1.0+): containers may only add capabilities from
 * the container runtime's default set; NET_RAW and everything else is refused.
 *
 * Upstream: policy/check_capabilities_baseline.go (read at 003effe9): one revision at
 * 1.0 with the set `capabilities_allowed_1_0` below. At restricted level from v1.22 it
 * is replaced by capabilities_restricted (OverrideCheckIDs there), so restricted pods
 * get one "unrestricted capabilities" reason instead of two.
 */
import { BASELINE_CAPABILITY_SET } from '../../../k8s/pss.js';
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { containersPhrase, forEachContainer, joinQuote, nameOf, obj, sortedSet, str } from '../helpers.js';

function capabilitiesBaseline1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let bad: string[] | undefined;
  let caps: string[] | undefined;
  forEachContainer(spec, (c) => {
    const add = obj(obj(c.securityContext)?.capabilities)?.add;
    if (!Array.isArray(add)) return;
    let valid = true;
    for (let j = 0; j < add.length; j++) {
      const cap = str(add[j]);
      if (!BASELINE_CAPABILITY_SET.has(cap)) {
        valid = false;
        (caps ??= []).push(cap);
      }
    }
    if (!valid) (bad ??= []).push(nameOf(c));
  });
  if (!bad) return null;
  return {
    reason: 'non-default capabilities',
    detail: `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(caps!))} in securityContext.capabilities.add`,
  };
}

export const capabilitiesBaseline: CheckDefinition = {
  id: 'capabilities_baseline',
  level: 'baseline',
  versions: [{ minimumMinor: 0, check: capabilitiesBaseline1_0 }],
};
