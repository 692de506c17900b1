/**
 * runAsNonRoot (restricted): the pod, or else every container, must set
 * `securityContext.runAsNonRoot: true`, and nothing may set it false.
 *
 * Upstream: policy/check_runAsNonRoot.go at e8bd3f62 (PR #132157):
 * - 1.0: runAsNonRoot_1_0. An explicit false (pod or container) is reported first,
 *   as `pod and containers "c" must not set securityContext.runAsNonRoot=false`;
 *   otherwise containers not covered by a pod-level true are reported as
 *   `pod or containers "a" must set securityContext.runAsNonRoot=true`;
 * - 1.35: runAsNonRoot1_35: pods in a user namespace (`hostUsers: false`) pass (KEP-127);
 *   the relaxation was previously behind an alpha gate and is not applied to 1.0.
 * Not Windows-exempt: runAsNonRoot is valid on Windows pods.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { containersPhrase, forEachContainer, inUserNamespace, nameOf, obj } from '../helpers.js';

function runAsNonRoot1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let podBad = false;
  let podNonRoot = false;
  const psc = obj(spec.securityContext);
  if (psc && psc.runAsNonRoot !== undefined && psc.runAsNonRoot !== null) {
    if (psc.runAsNonRoot !== true) podBad = true;
    else podNonRoot = true;
  }
  let explicitBad: string[] | undefined;
  let implicitBad: string[] | undefined;
  forEachContainer(spec, (c) => {
    const v = obj(c.securityContext)?.runAsNonRoot;
    if (v !== undefined && v !== null) {
      if (v !== true) (explicitBad ??= []).push(nameOf(c));
    } else if (!podNonRoot) {
      (implicitBad ??= []).push(nameOf(c));
    }
  });
  if (podBad || explicitBad) {
    const setters: string[] = [];
    if (podBad) setters.push('pod');
    if (explicitBad) setters.push(containersPhrase(explicitBad));
    return {
      reason: 'runAsNonRoot != true',
      detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
    };
  }
  if (implicitBad) {
    return {
      reason: 'runAsNonRoot != true',
      detail: `pod or ${containersPhrase(implicitBad)} must set securityContext.runAsNonRoot=true`,
    };
  }
  return null;
}

function runAsNonRoot1_35(meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  if (inUserNamespace(spec)) return null;
  return runAsNonRoot1_0(meta, spec);
}

export const runAsNonRoot: CheckDefinition = {
  id: 'runAsNonRoot',
  level: 'restricted',
  versions: [
    { minimumMinor: 0, check: runAsNonRoot1_0 },
    { minimumMinor: 35, check: runAsNonRoot1_35 },
  ],
};
