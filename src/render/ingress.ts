/**
 * What ingress-nginx needs before its own manifest is applied: its namespace
 * and, in PSP mode, the ingress-nginx policy with a Role and RoleBinding for
 * the controller's, the admission jobs' and the default service accounts.
 */
import type { ClusterConfig } from '../config/load.js';
import type { KubeObject } from '../k8s/objects.js';
import { buildPolicy } from '../policy/psp/library.js';
import { levelForPolicy } from '../policy/pss/level-of-policy.js';
import { pspRbacGroups } from '../versions.js';
import { namespaceObject, pspUseRole, roleBinding, serviceAccountSubject } from './objects.js';
import { pssLabels } from './pss-labels.js';

export const INGRESS_POLICY = 'ingress-nginx';
/** Service accounts of the upstream ingress-nginx manifest: the controller and the admission webhook jobs. */
export const INGRESS_SERVICE_ACCOUNTS = ['ingress-nginx', 'ingress-nginx-admission'];

export function ingressObjects(cfg: ClusterConfig): KubeObject[] {
  const ns = cfg.ingress.namespace;
  const minor = cfg.version.minor;
  if (cfg.mode === 'pss') return [namespaceObject(ns, pssLabels(levelForPolicy(INGRESS_POLICY, cfg.policies), minor))];
  return [
    buildPolicy(INGRESS_POLICY, minor, cfg.policies),
    namespaceObject(ns),
    pspUseRole({
      kind: 'Role',
      name: `psp:${INGRESS_POLICY}`,
      namespace: ns,
      policy: INGRESS_POLICY,
      apiGroups: pspRbacGroups(minor),
    }),
    roleBinding({
      kind: 'RoleBinding',
      name: `psp:${INGRESS_POLICY}`,
      namespace: ns,
      roleKind: 'Role',
      roleName: `psp:${INGRESS_POLICY}`,
      subjects: [...INGRESS_SERVICE_ACCOUNTS, 'default'].map((sa) => serviceAccountSubject(ns, sa)),
    }),
  ];
}
