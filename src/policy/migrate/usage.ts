/**
 * Which namespaces used which PodSecurityPolicy, from the RBAC in the input.
 *
 * Pod Security Standards and ValidatingAdmissionPolicy bindings work per namespace, not
 * per requester, so a grant is carried over as the namespaces whose pods it covered:
 * - a RoleBinding grants in its own namespace;
 * - a ClusterRoleBinding grants a service account in that account's namespace, the group
 *   `system:serviceaccounts:NS` in NS, and `system:serviceaccounts` or
 *   `system:authenticated` in every namespace (`*`).
 * Subjects that are people or other groups (a `User`, `system:nodes`, `admins`) only ever
 * covered the pods those requesters create themselves; they are reported, not carried
 * over (a namespace-wide rule cannot follow a requester).
 *
 * A policy counts as granted by a binding when that binding alone (with every Role and
 * ClusterRole of the input) lets the subject `use` it, exactly as `kubectl auth can-i`
 * would answer (rbac.ts).
 */
import { RbacAuthorizer, serviceAccountUser, type RbacObject, type UserInfo } from '../rbac.js';

/** Every namespace (a cluster-wide grant). */
export const ALL_NAMESPACES = '*';

export interface Grant {
  policy: string;
  /** A namespace, or `*` for every namespace. */
  namespace: string;
  /** `serviceaccount demo/app`, `group system:serviceaccounts:kube-system`, ... */
  subject: string;
  /** `RoleBinding demo/psp:restricted` or `ClusterRoleBinding psp:default`. */
  binding: string;
}

export interface PolicyUsage {
  /** Grants carried over, per policy. */
  grants: Grant[];
  /** Grants to people or other groups, which no namespace-wide rule can carry. */
  notCarried: Grant[];
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

function subjectUser(s: Subject, bindingNamespace: string): UserInfo | undefined {
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace || bindingNamespace;
    return ns && s.name ? serviceAccountUser(ns, s.name) : undefined;
  }
  if (s.kind === 'Group' && s.name) return { name: '', groups: [s.name] };
  if (s.kind === 'User' && s.name) return { name: s.name, groups: [] };
  return undefined;
}

function subjectText(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `serviceaccount ${s.namespace || bindingNamespace}/${s.name}`;
  return `${(s.kind ?? 'subject').toLowerCase()} ${s.name}`;
}

/** The namespace whose pods a cluster-wide grant to this subject covers, `*`, or undefined for people. */
function clusterScope(s: Subject): string | undefined {
  if (s.kind === 'ServiceAccount') return s.namespace || undefined;
  if (s.kind !== 'Group' || !s.name) return undefined;
  if (s.name === 'system:serviceaccounts' || s.name === 'system:authenticated') return ALL_NAMESPACES;
  if (s.name.startsWith('system:serviceaccounts:')) return s.name.slice('system:serviceaccounts:'.length) || undefined;
  return undefined;
}

/** Whether a subject of a RoleBinding stands for the pods of that namespace (accounts and their groups). */
function coversPods(s: Subject): boolean {
  if (s.kind === 'ServiceAccount') return true;
  if (s.kind !== 'Group' || !s.name) return false;
  return (
    s.name === 'system:serviceaccounts' ||
    s.name === 'system:authenticated' ||
    s.name.startsWith('system:serviceaccounts:')
  );
}

export function policyUsage(policies: readonly string[], rbac: readonly RbacObject[]): PolicyUsage {
  const roles = rbac.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
  const bindings = rbac.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
  const grants: Grant[] = [];
  const notCarried: Grant[] = [];
  for (const b of bindings) {
    const authz = new RbacAuthorizer([...roles, b]);
    const cluster = b.kind === 'ClusterRoleBinding';
    const bns = cluster ? '' : b.metadata?.namespace || 'default';
    const bindingText = cluster
      ? `ClusterRoleBinding ${b.metadata?.name ?? ''}`
      : `RoleBinding ${bns}/${b.metadata?.name ?? ''}`;
    for (const s of b.subjects ?? []) {
      const user = subjectUser(s, bns);
      if (!user) continue;
      for (const policy of policies) {
        if (!authz.canUsePolicy(user, bns, policy)) continue;
        const subject = subjectText(s, bns);
        const scope = cluster ? clusterScope(s) : coversPods(s) ? bns : undefined;
        if (scope === undefined)
          notCarried.push({ policy, namespace: cluster ? ALL_NAMESPACES : bns, subject, binding: bindingText });
        else grants.push({ policy, namespace: scope, subject, binding: bindingText });
      }
    }
  }
  return { grants, notCarried };
}

/** Namespace -> the policies usable there (a namespace's set includes the cluster-wide ones). */
export function policiesByNamespace(grants: readonly Grant[]): Map<string, Set<string>> {
  const wide = new Set(grants.filter((g) => g.namespace === ALL_NAMESPACES).map((g) => g.policy));
  const out = new Map<string, Set<string>>();
  if (wide.size > 0) out.set(ALL_NAMESPACES, new Set(wide));
  for (const g of grants) {
    if (g.namespace === ALL_NAMESPACES) continue;
    const set = out.get(g.namespace) ?? new Set(wide);
    set.add(g.policy);
    out.set(g.namespace, set);
  }
  return out;
}
