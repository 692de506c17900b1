/** The pod's service account as the admission plugins see it. */
import type { Pod, PodSpec } from '../../k8s/pod.js';

export type * from '../../k8s/pod.js';
export { CONTAINER_LISTS, type ContainerList } from '../../k8s/pod.js';

/**
 * The service account the pod runs as. The ServiceAccount admission plugin runs
 * before PodSecurityPolicy and fills in `default`, so that is what PSP sees.
 */
export function podServiceAccount(spec: PodSpec): string {
  return spec.serviceAccountName || spec.serviceAccount || 'default';
}

/**
 * The service account PodSecurityPolicy asks about, '' for none (admission.go only checks
 * one when spec.serviceAccountName is set). ServiceAccount admission fills in `default`
 * for every pod except mirror pods, which it leaves alone (and NodeRestriction lets no
 * mirror pod name one): for those only the requester, the node, can make a policy usable.
 * Seen on a real 1.24 API server (test/real).
 */
export function admissionServiceAccount(pod: Pod): string {
  const named = pod.spec.serviceAccountName || pod.spec.serviceAccount;
  if (named) return named;
  return pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined ? '' : 'default';
}
