/**
 * runAsUser (restricted, v1.23+): nothing may set `runAsUser: 0` (unset is fine; the
 * image user is then constrained by runAsNonRoot).
 *
 * Upstream: policy/check_runAsUser.go at e8bd3f62:
 * - 1.23: runAsUser_1_23 (so restricted v1.22 and older admit runAsUser 0 when
 *   runAsNonRoot is satisfied by other means);
 * - 1.35: runAsUser1_35: pods in a user namespace (`hostUsers: false`) pass (KEP-127).
 * Detail: `pod and containers "c", "d" must not set runAsUser=0`.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { containersPhrase, containersWhere, inUserNamespace, obj } from '../helpers.js';

function runAsUser1_23(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  const pod = obj(spec.securityContext)?.runAsUser === 0;
  const bad = containersWhere(spec, (c) => obj(c.securityContext)?.runAsUser === 0);
  if (!pod && !bad) return null;
  const setters: string[] = [];
  if (pod) setters.push('pod');
  if (bad) setters.push(containersPhrase(bad));
  return { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` };
}

function runAsUser1_35(meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  if (inUserNamespace(spec)) return null;
  return runAsUser1_23(meta, spec);
}

export const runAsUser: CheckDefinition = {
  id: 'runAsUser',
  level: 'restricted',
  versions: [
    { minimumMinor: 23, check: runAsUser1_23 },
    { minimumMinor: 35, check: runAsUser1_35 },
  ],
};
