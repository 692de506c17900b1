/**
 * allowPrivilegeEscalation (restricted): every container must set
 * `securityContext.allowPrivilegeEscalation: false` explicitly (unset defaults to true).
 *
 * Upstream: policy/check_allowPrivilegeEscalation.go:
 * - 1.8: the field exists from Kubernetes 1.8, so policy versions v1.0-v1.7 do not
 *   run this check (read at 422c8fc5);
 * - 1.25: pods with `spec.os.name: windows` are exempt (the field is invalid on
 *   Windows pods); test TestAllowPrivilegeEscalation_1_25 (object 448108273:
 *   "windows pod, admit without checking privilegeEscalation").
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { containersPhrase, containersWhere, isWindowsPod, obj } from '../helpers.js';

function allowPrivilegeEscalation1_8(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  const bad = containersWhere(spec, (c) => obj(c.securityContext)?.allowPrivilegeEscalation !== false);
  if (!bad) return null;
  return {
    reason: 'allowPrivilegeEscalation != false',
    detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  };
}

function allowPrivilegeEscalation1_25(meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  if (isWindowsPod(spec)) return null;
  return allowPrivilegeEscalation1_8(meta, spec);
}

export const allowPrivilegeEscalation: CheckDefinition = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  versions: [
    { minimumMinor: 8, check: allowPrivilegeEscalation1_8 },
    { minimumMinor: 25, check: allowPrivilegeEscalation1_25 },
  ],
};
