/**
 * capabilities_restricted (restricted, v1.22+): every container must drop ALL
 * capabilities and may add back only NET_BIND_SERVICE.
 *
 * Upstream: policy/check_capabilities_restricted.go (object 938324891):
 * - 1.22: capabilitiesRestricted_1_22, OverrideCheckIDs ["capabilities_baseline"].
 *   A container without `securityContext.capabilities` is only reported as missing
 *   drop ALL; otherwise both halves are checked. The two findings are joined with
 *   "; " under one reason, e.g. `container "c" must set
 *   securityContext.capabilities.drop=["ALL"]; container "c" must not include
 *   "SYS_ADMIN" in securityContext.capabilities.add`;
 * - 1.25: Windows pods (`spec.os.name: windows`) pass, same override (so at
 *   restricted v1.25+ a Windows pod's capabilities are not checked at all).
 * Restricted v1.21 and older run capabilities_baseline instead.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import {
  containersPhrase,
  forEachContainer,
  isWindowsPod,
  joinQuote,
  nameOf,
  obj,
  sortedSet,
  str,
} from '../helpers.js';

function capabilitiesRestricted1_22(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let missingDropAll: string[] | undefined;
  let addingForbidden: string[] | undefined;
  let caps: string[] | undefined;
  forEachContainer(spec, (c) => {
    const cap = obj(obj(c.securityContext)?.capabilities);
    if (!cap) {
      (missingDropAll ??= []).push(nameOf(c));
      return;
    }
    let droppedAll = false;
    const drop = cap.drop;
    if (Array.isArray(drop)) {
      for (let j = 0; j < drop.length; j++) {
        if (drop[j] === 'ALL') {
          droppedAll = true;
          break;
        }
      }
    }
    if (!droppedAll) (missingDropAll ??= []).push(nameOf(c));
    const add = cap.add;
    if (Array.isArray(add)) {
      let forbidden = false;
      for (let j = 0; j < add.length; j++) {
        const a = str(add[j]);
        if (a !== 'NET_BIND_SERVICE') {
          forbidden = true;
          (caps ??= []).push(a);
        }
      }
      if (forbidden) (addingForbidden ??= []).push(nameOf(c));
    }
  });
  if (!missingDropAll && !addingForbidden) return null;
  const details: string[] = [];
  if (missingDropAll)
    details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden) {
    details.push(
      `${containersPhrase(addingForbidden)} must not include ${joinQuote(sortedSet(caps!))} in securityContext.capabilities.add`,
    );
  }
  return { reason: 'unrestricted capabilities', detail: details.join('; ') };
}

function capabilitiesRestricted1_25(meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  if (isWindowsPod(spec)) return null;
  return capabilitiesRestricted1_22(meta, spec);
}

export const capabilitiesRestricted: CheckDefinition = {
  id: 'capabilities_restricted',
  level: 'restricted',
  versions: [
    { minimumMinor: 22, check: capabilitiesRestricted1_22, overrides: ['capabilities_baseline'] },
    { minimumMinor: 25, check: capabilitiesRestricted1_25, overrides: ['capabilities_baseline'] },
  ],
};
