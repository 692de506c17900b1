/**
 * seccompProfile_restricted (restricted, v1.19+): a seccomp profile must be set, to
 * RuntimeDefault or Localhost, on the pod (covering containers that set none) or on
 * every container.
 *
 * Upstream: policy/check_seccompProfile_restricted.go (object 227411062):
 * - 1.19: seccompProfileRestricted_1_19, OverrideCheckIDs ["seccompProfile_baseline"].
 *   Explicit bad values are reported first (`pod and containers "c" must not set
 *   securityContext.seccompProfile.type to "Unconfined"`); otherwise containers not
 *   covered by a valid pod-level profile (`pod or container "c" must set
 *   securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
 * - 1.25: Windows pods (`spec.os.name: windows`) are exempt, same override.
 * Below v1.19 restricted checks only the baseline annotation rule (no requirement).
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
import { validSeccompType } from './seccompProfileBaseline.js';

function seccompProfileRestricted1_19(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let podBad = false;
  let podSet = false;
  let values: string[] | undefined;
  const podProfile = obj(obj(spec.securityContext)?.seccompProfile);
  if (podProfile) {
    if (!validSeccompType(podProfile.type)) {
      podBad = true;
      (values ??= []).push(str(podProfile.type));
    } else {
      podSet = true;
    }
  }
  let explicitBad: string[] | undefined;
  let implicitBad: string[] | undefined;
  forEachContainer(spec, (c) => {
    const p = obj(obj(c.securityContext)?.seccompProfile);
    if (p) {
      if (!validSeccompType(p.type)) {
        (explicitBad ??= []).push(nameOf(c));
        (values ??= []).push(str(p.type));
      }
    } else if (!podSet) {
      (implicitBad ??= []).push(nameOf(c));
    }
  });
  if (podBad || explicitBad) {
    const setters: string[] = [];
    if (podBad) setters.push('pod');
    if (explicitBad) setters.push(containersPhrase(explicitBad));
    return {
      reason: 'seccompProfile',
      detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values!))}`,
    };
  }
  if (implicitBad) {
    return {
      reason: 'seccompProfile',
      detail: `pod or ${containersPhrase(implicitBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
  }
  return null;
}

function seccompProfileRestricted1_25(meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  if (isWindowsPod(spec)) return null;
  return seccompProfileRestricted1_19(meta, spec);
}

export const seccompProfileRestricted: CheckDefinition = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  versions: [
    { minimumMinor: 19, check: seccompProfileRestricted1_19, overrides: ['seccompProfile_baseline'] },
    { minimumMinor: 25, check: seccompProfileRestricted1_25, overrides: ['seccompProfile_baseline'] },
  ],
};
