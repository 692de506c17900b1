/**
 * Offline RBAC: who may do what, from Roles, ClusterRoles, RoleBindings and
 * ClusterRoleBindings, as kube-apiserver's authorizers decide it
 * (plugin/pkg/auth/authorizer/rbac/rbac.go, pkg/apis/rbac/v1/evaluation_helpers.go,
 * pkg/registry/rbac/validation/rule.go), and in particular who may `use` a
 * PodSecurityPolicy (admission.go authorizedForPolicy).
 *
 * - ClusterRoleBindings grant everywhere; a RoleBinding grants only in its own
 *   namespace, whether it refers to a Role there or to a ClusterRole.
 * - Rules match on verb, API group, resource and resourceNames, each with `*`.
 * - Members of `system:masters` are allowed everything (the privileged-group
 *   authorizer runs before RBAC).
 * - Aggregated ClusterRoles get the rules of the ClusterRoles their selectors pick.
 */

export interface UserInfo {
  name: string;
  groups: readonly string[];
}

export interface ResourceAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  /** '' for "any object" (only rules without resourceNames match then). */
  name: string;
  /** '' for a cluster-wide request: only ClusterRoleBindings apply. */
  namespace: string;
}

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

interface RoleRef {
  kind?: string;
  name?: string;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The RBAC objects as they appear in manifests (only the fields RBAC reads). */
export interface RbacObject {
  kind: 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  rules?: PolicyRule[] | null;
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] } | null;
  subjects?: Subject[] | null;
  roleRef?: RoleRef;
}

export const RBAC_KINDS: ReadonlySet<string> = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

const SA_PREFIX = 'system:serviceaccount:';
export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS = 'system:anonymous';

/**
 * The user a service account authenticates as, as the PodSecurityPolicy plugin
 * builds it for the pod (serviceaccount.UserInfo): only the two service-account
 * groups, not system:authenticated.
 */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: `${SA_PREFIX}${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
  };
}

/**
 * The user `--as NAME [--as-group G ...]` impersonates, with the groups the
 * API server's impersonation filter gives it: a service account gets its two
 * service-account groups unless groups are given; everyone but system:anonymous
 * also gets system:authenticated (unless a group already says authenticated or
 * unauthenticated); system:anonymous gets system:unauthenticated.
 */
export function impersonatedUser(name: string, asGroups: readonly string[] = []): UserInfo {
  const groups = [...asGroups];
  const sa = splitServiceAccount(name);
  if (sa && groups.length === 0) groups.push('system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`);
  if (name === ANONYMOUS) {
    if (!groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_UNAUTHENTICATED);
  } else if (!groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_AUTHENTICATED);
  }
  return { name, groups };
}

/** `system:serviceaccount:ns:name` -> {namespace, name}. */
export function splitServiceAccount(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SA_PREFIX)) return undefined;
  const parts = user.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

function ruleAllows(rule: PolicyRule, a: ResourceAttributes): boolean {
  const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));
  if (!has(rule.verbs, a.verb)) return false;
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  if (!has(rule.resources, a.resource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

function appliesTo(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return subject.name !== undefined && user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A RoleBinding may leave the namespace out: the binding's own namespace is meant.
      const ns = subject.namespace || bindingNamespace;
      return !!ns && user.name === `${SA_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export class RbacAuthorizer {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly roleBindings = new Map<string, RbacObject[]>();
  private readonly clusterRoleBindings: RbacObject[] = [];

  constructor(objects: Iterable<RbacObject> = []) {
    const clusterRoleObjects: RbacObject[] = [];
    for (const o of objects) {
      const name = o.metadata?.name ?? '';
      const ns = o.metadata?.namespace || 'default';
      switch (o.kind) {
        case 'Role':
          this.roles.set(`${ns}/${name}`, o.rules ?? []);
          break;
        case 'ClusterRole':
          clusterRoleObjects.push(o);
          this.clusterRoles.set(name, o.rules ?? []);
          break;
        case 'RoleBinding': {
          const list = this.roleBindings.get(ns) ?? [];
          list.push(o);
          this.roleBindings.set(ns, list);
          break;
        }
        case 'ClusterRoleBinding':
          this.clusterRoleBindings.push(o);
          break;
      }
    }
    // The aggregation controller replaces an aggregated role's rules with the union
    // of the rules of the ClusterRoles its selectors match (which may be aggregated
    // themselves, as `edit` is inside `admin`).
    const resolving = new Set<RbacObject>();
    const resolved = new Map<RbacObject, PolicyRule[]>();
    const rulesOf = (o: RbacObject): PolicyRule[] => {
      const selectors = o.aggregationRule?.clusterRoleSelectors;
      if (!selectors) return o.rules ?? [];
      const done = resolved.get(o);
      if (done) return done;
      if (resolving.has(o)) return [];
      resolving.add(o);
      const rules: PolicyRule[] = [];
      for (const other of clusterRoleObjects) {
        if (other === o) continue;
        const labels = other.metadata?.labels ?? {};
        if (selectors.some((s) => selectorMatches(s, labels))) rules.push(...rulesOf(other));
      }
      resolving.delete(o);
      resolved.set(o, rules);
      return rules;
    };
    for (const o of clusterRoleObjects) {
      if (o.aggregationRule?.clusterRoleSelectors) this.clusterRoles.set(o.metadata?.name ?? '', rulesOf(o));
    }
  }

  /** Whether `user` may perform the request. */
  allows(user: UserInfo, a: ResourceAttributes): boolean {
    if (user.groups.includes(SYSTEM_MASTERS)) return true;
    for (const b of this.clusterRoleBindings) {
      if (b.roleRef?.kind !== 'ClusterRole') continue;
      if (!(b.subjects ?? []).some((s) => appliesTo(s, user, ''))) continue;
      if ((this.clusterRoles.get(b.roleRef.name ?? '') ?? []).some((r) => ruleAllows(r, a))) return true;
    }
    if (a.namespace === '') return false;
    for (const b of this.roleBindings.get(a.namespace) ?? []) {
      if (!(b.subjects ?? []).some((s) => appliesTo(s, user, a.namespace))) continue;
      const ref = b.roleRef;
      const rules =
        ref?.kind === 'ClusterRole'
          ? this.clusterRoles.get(ref.name ?? '')
          : ref?.kind === 'Role'
            ? this.roles.get(`${a.namespace}/${ref.name ?? ''}`)
            : undefined;
      if ((rules ?? []).some((r) => ruleAllows(r, a))) return true;
    }
    return false;
  }

  /**
   * Whether `user` may use the policy in `namespace`: `use` on podsecuritypolicies,
   * granted in the `policy` group or, for compatibility, the legacy `extensions` group.
   */
  canUsePolicy(user: UserInfo, namespace: string, policy: string): boolean {
    const a = { verb: 'use', resource: 'podsecuritypolicies', name: policy, namespace };
    return this.allows(user, { ...a, apiGroup: 'policy' }) || this.allows(user, { ...a, apiGroup: 'extensions' });
  }
}

export interface PolicyUseOptions {
  rbac: RbacAuthorizer;
  /** The user creating the pod; undefined when only the pod's service account counts. */
  requester?: UserInfo;
  /** Policies usable regardless of RBAC (`--allow`). */
  allow?: Iterable<string>;
}

/**
 * isAuthorized for a pod (admission.go isAuthorizedForPolicy): a policy is usable when
 * the pod's service account or the requester may use it in the pod's namespace, or
 * it is explicitly allowed. Answers are cached per namespace, service account and policy.
 */
export function policyUseAuthorizer(
  opts: PolicyUseOptions,
): (namespace: string, serviceAccount: string) => (policy: string) => boolean {
  const allow = new Set(opts.allow ?? []);
  const cache = new Map<string, boolean>();
  const requesterCache = new Map<string, boolean>();
  return (namespace, serviceAccount) => {
    // '' is a pod with no service account (a mirror pod): only the requester counts.
    const sa = serviceAccount ? serviceAccountUser(namespace, serviceAccount) : undefined;
    return (policy) => {
      if (allow.has(policy)) return true;
      const key = `${namespace}\u0000${serviceAccount}\u0000${policy}`;
      let v = cache.get(key);
      if (v === undefined) {
        v = sa ? opts.rbac.canUsePolicy(sa, namespace, policy) : false;
        if (!v && opts.requester) {
          const rk = `${namespace}\u0000${policy}`;
          let r = requesterCache.get(rk);
          if (r === undefined) {
            r = opts.rbac.canUsePolicy(opts.requester, namespace, policy);
            requesterCache.set(rk, r);
          }
          v = r;
        }
        cache.set(key, v);
      }
      return v;
    };
  };
}
