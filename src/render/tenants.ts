/**
 * Tenants: a namespace each, its service accounts, a RoleBinding `<sa>:<role>`
 * to the admin/edit/view ClusterRole, and the tenant's pod security: in PSP
 * mode a Role `psp:<policy>` bound to the tenant's service accounts and to the
 * namespace's `default` account (so pods that controllers create are admitted
 * too); in PSS mode the namespace's level labels.
 */
import type { ClusterConfig } from '../config/load.js';
import type { KubeObject } from '../k8s/objects.js';
import { buildPolicy } from '../policy/psp/library.js';
import { levelForPolicy } from '../policy/pss/level-of-policy.js';
import { pspRbacGroups } from '../versions.js';
import { namespaceObject, pspUseRole, roleBinding, serviceAccountObject, serviceAccountSubject } from './objects.js';
import { pssLabels } from './pss-labels.js';

/** `alreadyDefined`: policies an earlier manifest defines, so each PSP object appears once. */
export function tenantObjects(cfg: ClusterConfig, alreadyDefined: Set<string>): KubeObject[] {
  const minor = cfg.version.minor;
  const objects: KubeObject[] = [];
  if (cfg.mode === 'psp') {
    const needed = [...new Set(cfg.tenants.map((t) => t.policy))].filter((p) => !alreadyDefined.has(p)).sort();
    for (const name of needed) objects.push(buildPolicy(name, minor, cfg.policies));
  }
  for (const t of cfg.tenants) {
    const ns = t.namespace;
    const own = t.serviceAccounts.filter((sa) => sa !== 'default');
    objects.push(
      namespaceObject(ns, cfg.mode === 'pss' ? pssLabels(levelForPolicy(t.policy, cfg.policies), minor) : {}),
    );
    for (const sa of own) objects.push(serviceAccountObject(ns, sa));
    for (const sa of t.serviceAccounts) {
      objects.push(
        roleBinding({
          kind: 'RoleBinding',
          name: `${sa}:${t.role}`,
          namespace: ns,
          roleKind: 'ClusterRole',
          roleName: t.role,
          subjects: [serviceAccountSubject(ns, sa)],
        }),
      );
    }
    if (cfg.mode === 'psp') {
      const role = `psp:${t.policy}`;
      objects.push(
        pspUseRole({ kind: 'Role', name: role, namespace: ns, policy: t.policy, apiGroups: pspRbacGroups(minor) }),
      );
      objects.push(
        roleBinding({
          kind: 'RoleBinding',
          name: role,
          namespace: ns,
          roleKind: 'Role',
          roleName: role,
          subjects: [...own, 'default'].map((sa) => serviceAccountSubject(ns, sa)),
        }),
      );
    }
  }
  return objects;
}
