/**
 * Tenants: a namespace each, its service accounts, a RoleBinding `<sa>:<role>`
 * to the admin/edit/view ClusterRole, and the tenant's pod security: in PSP
 * mode a Role `psp:<policy>` bound to the tenant's service accounts and to the
 * namespace's `default` account (so pods that controllers create are admitted
 * too); in PSS mode the namespace's level labels.
 */
import type { ClusterConfig } from '../config/load.js';
import { buildPolicy } from '../policy/psp/library.js';
import { levelForPolicy } from '../policy/pss/level-of-policy.js';
import { pspRbacGroups } from '../versions.js';
import {
  bindingDoc,
  namespaceDoc,
  pspDoc,
  pspUseRoleDoc,
  serviceAccountDoc,
  serviceAccountSubject,
} from './objects.js';
import { pssLabels } from './pss-labels.js';

/** `alreadyDefined`: policies an earlier manifest defines, so each PSP object appears once. */
export function renderTenants(cfg: ClusterConfig, alreadyDefined: Set<string>): string[] {
  const minor = cfg.version.minor;
  const docs: string[] = [];
  if (cfg.mode === 'psp') {
    const needed = [...new Set(cfg.tenants.map((t) => t.policy))].filter((p) => !alreadyDefined.has(p)).sort();
    for (const name of needed) docs.push(pspDoc(buildPolicy(name, minor, cfg.policies)));
  }
  for (const t of cfg.tenants) {
    const ns = t.namespace;
    const own = t.serviceAccounts.filter((sa) => sa !== 'default');
    docs.push(namespaceDoc(ns, cfg.mode === 'pss' ? pssLabels(levelForPolicy(t.policy, cfg.policies), minor) : {}));
    for (const sa of own) docs.push(serviceAccountDoc(ns, sa));
    for (const sa of t.serviceAccounts) {
      docs.push(
        bindingDoc({
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
      docs.push(
        pspUseRoleDoc({ kind: 'Role', name: role, namespace: ns, policy: t.policy, apiGroups: pspRbacGroups(minor) }),
      );
      docs.push(
        bindingDoc({
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
  return docs;
}
