/**
 * The changes each existing-cluster command makes, computed from a snapshot of
 * the cluster: what `admission enable` applies before it turns the plugin on,
 * what `policy bind|unbind` and `policy default --disassociate|--associate` apply
 * or delete. The objects are the ones `up` renders (same builders, same labels),
 * so a cluster built by kubestrap and one adopted later look alike. `audit --if`
 * builds the same lists, so it shows exactly what a command would do.
 */
import type { ClusterConfig } from '../config/load.js';
import { isPssLevel, type PssLevel } from '../k8s/pss.js';
import { UserError } from '../errors.js';
import { buildPolicy } from '../policy/psp/library.js';
import { levelForPolicy } from '../policy/pss/level-of-policy.js';
import { isBuiltinPolicy } from '../policy/templates.js';
import { ADMISSION_CONFIG_PATH } from '../render/admission-config.js';
import { MANAGED_BY } from '../k8s/labels.js';
import type { Subject } from '../k8s/objects.js';
import { groupSubject, pspUseRole, roleBinding, serviceAccountSubject } from '../render/objects.js';
import { podSecurityObjects } from '../render/pod-security.js';
import { pssLabels } from '../render/pss-labels.js';
import { pspRbacGroups, pssVersionLabel } from '../versions.js';
import { simulate } from './simulate.js';
import type { KubeObject } from '../k8s/objects.js';
import type { ClusterSnapshot } from '../audit/snapshot.js';
import type { Change } from './plan.js';

/** On the ClusterRole psp:<default> while its cluster-wide binding is disassociated, so `admission enable` leaves it out. */
export const DISASSOCIATED_LABEL = 'kubestrap.io/default-binding';
/** On namespaces that `admission enable --scope namespaces` labelled, so `disable` knows which to unlabel. */
export const ADMISSION_LABEL = 'kubestrap.io/pod-security';

const PSS_LABEL_KEYS = ['enforce', 'enforce-version', 'audit', 'audit-version', 'warn', 'warn-version'].map(
  (m) => `pod-security.kubernetes.io/${m}`,
);

export interface PlanInputs {
  snapshot: ClusterSnapshot;
  /** The cluster config, with the cluster's own version and mode. */
  config: ClusterConfig;
}

export function find(s: ClusterSnapshot, kind: string, name: string, namespace?: string): KubeObject | undefined {
  return s.objects.find(
    (o) =>
      o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
  );
}

function namespaces(s: ClusterSnapshot): Set<string> {
  return new Set(s.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
}

function requireNamespace(s: ClusterSnapshot, ns: string): void {
  if (!namespaces(s).has(ns))
    throw new UserError(`namespace ${ns} does not exist in the cluster`, undefined, '--namespace');
}

/** A policy kubestrap can create: a built-in template or a custom policy of the config. */
function knownPolicy(cfg: ClusterConfig, name: string): boolean {
  return isBuiltinPolicy(name) || cfg.policies.some((p) => p.name === name);
}

function pspChange(inp: PlanInputs, name: string, why: string): Change[] {
  if (find(inp.snapshot, 'PodSecurityPolicy', name)) return [];
  if (!knownPolicy(inp.config, name)) {
    throw new UserError(
      `there is no PodSecurityPolicy ${name} in the cluster, and it is neither a built-in template nor a policy of the config`,
      undefined,
      '--policy',
    );
  }
  return [{ type: 'apply', object: buildPolicy(name, inp.config.version.minor, inp.config.policies), reason: why }];
}

function requirePsp(inp: PlanInputs): void {
  if (inp.snapshot.mode !== 'psp')
    throw new UserError(
      `this is a PodSecurityPolicy operation; the cluster (Kubernetes ${inp.snapshot.version.text}) uses Pod Security Standards`,
    );
}

// ------------------------------------------------------------------ admission

/** PSP mode: the default and privileged policies and their RBAC where missing, then the plugin on. */
export function planEnablePsp(inp: PlanInputs, level: PssLevel): { changes: Change[]; notes: string[] } {
  requirePsp(inp);
  const cfg: ClusterConfig = { ...inp.config, mode: 'psp', podSecurity: { ...inp.config.podSecurity, default: level } };
  const s = inp.snapshot;
  const existing = namespaces(s);
  const notes: string[] = [];
  const changes: Change[] = [];
  const disassociated =
    find(s, 'ClusterRole', `psp:${level}`)?.metadata.labels?.[DISASSOCIATED_LABEL] === 'disassociated';
  for (const o of podSecurityObjects(cfg)) {
    const ns = o.metadata.namespace;
    if (o.kind === 'Namespace') continue;
    if (o.kind === 'RoleBinding' && ns && !existing.has(ns)) continue;
    if (find(s, o.kind, o.metadata.name, ns)) continue;
    if (o.kind === 'ClusterRoleBinding' && disassociated) {
      notes.push(
        `the default policy ${level} is disassociated (kubestrap policy default --disassociate): its cluster-wide binding stays out`,
      );
      continue;
    }
    changes.push({ type: 'apply', object: o, reason: reasonFor(o, level) });
  }
  changes.push({
    type: 'admission',
    psp: true,
    reason: 'the API server restarts with PodSecurityPolicy in --enable-admission-plugins',
  });
  return { changes, notes };
}

function reasonFor(o: KubeObject, level: string): string {
  switch (o.kind) {
    case 'PodSecurityPolicy':
      return o.metadata.name === 'privileged'
        ? 'the privileged policy, for the control plane and the CNI'
        : `the default policy ${o.metadata.name}`;
    case 'ClusterRole':
      return `grants use of the policy ${o.metadata.name.replace(/^psp:/, '')}`;
    case 'ClusterRoleBinding':
      return `every authenticated user and service account may use ${level}: the cluster-wide default`;
    case 'RoleBinding':
      return o.metadata.namespace === 'kube-system'
        ? "the nodes (mirror pods) and kube-system's service accounts may use privileged in kube-system"
        : `the service accounts of ${o.metadata.namespace} may use privileged there`;
    default:
      return 'missing';
  }
}

export function planDisablePsp(): Change[] {
  return [
    {
      type: 'admission',
      psp: false,
      reason: 'the API server restarts without PodSecurityPolicy; the policies and bindings stay, unused',
    },
  ];
}

export function pssSettingsFor(cfg: ClusterConfig, level: PssLevel, exempt: string[]) {
  return {
    defaults: { enforce: level as PssLevel, enforceVersion: pssVersionLabel(cfg.version.minor) },
    exemptions: { namespaces: exempt, usernames: [], runtimeClasses: [] },
    source: ADMISSION_CONFIG_PATH,
  };
}

/** PSS mode, cluster-wide: the admission configuration's default level (the file and flag are the admission flow's). */
export function planEnablePss(inp: PlanInputs, level: PssLevel, exempt: string[]): Change[] {
  return [
    {
      type: 'admission',
      pss: pssSettingsFor(inp.config, level, exempt),
      reason: `the API server restarts with the PodSecurity defaults enforce=${level}:${pssVersionLabel(inp.config.version.minor)}, exempting ${exempt.join(', ')}`,
    },
  ];
}

export function planDisablePss(inp: PlanInputs): Change[] {
  return [
    {
      type: 'admission',
      pss: {
        defaults: { enforce: 'privileged', enforceVersion: 'latest' },
        exemptions: { namespaces: [], usernames: [], runtimeClasses: [] },
        source: 'no admission configuration file',
      },
      reason: `the API server restarts without an admission configuration: namespaces without labels are privileged (${inp.snapshot.version.text})`,
    },
  ];
}

/** PSS mode, per namespace: label every namespace that has no enforce level and is not exempt. */
export function planPssNamespaceLabels(inp: PlanInputs, level: PssLevel, exempt: string[]): Change[] {
  const out: Change[] = [];
  for (const o of inp.snapshot.objects) {
    if (o.kind !== 'Namespace' || exempt.includes(o.metadata.name)) continue;
    if (o.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== undefined) continue;
    out.push({
      type: 'label',
      kind: 'Namespace',
      name: o.metadata.name,
      labels: { ...pssLabels(level, inp.config.version.minor), [ADMISSION_LABEL]: 'admission' },
      reason: `no enforce level yet: ${level}`,
    });
  }
  return out;
}

export function planRemovePssNamespaceLabels(inp: PlanInputs): Change[] {
  return inp.snapshot.objects
    .filter((o) => o.kind === 'Namespace' && o.metadata.labels?.[ADMISSION_LABEL] === 'admission')
    .map((o) => ({
      type: 'label' as const,
      kind: 'Namespace',
      name: o.metadata.name,
      labels: Object.fromEntries([...PSS_LABEL_KEYS, ADMISSION_LABEL].map((k) => [k, null])),
      reason: 'labelled by kubestrap admission enable --scope namespaces',
    }));
}

// ------------------------------------------------------------------ the default policy's cluster-wide binding

/** The privileged policy's objects kube-system (nodes, controllers) needs, where missing. */
function privilegedKeep(inp: PlanInputs): Change[] {
  const cfg: ClusterConfig = {
    ...inp.config,
    mode: 'psp',
    podSecurity: { ...inp.config.podSecurity, default: 'privileged' },
  };
  const out: Change[] = [];
  for (const o of podSecurityObjects(cfg)) {
    if (o.kind === 'Namespace' || o.kind === 'ClusterRoleBinding') continue;
    if (o.kind === 'RoleBinding' && o.metadata.namespace !== 'kube-system') continue;
    if (find(inp.snapshot, o.kind, o.metadata.name, o.metadata.namespace)) continue;
    out.push({
      type: 'apply',
      object: o,
      reason: `kube-system keeps working without the cluster-wide default: ${reasonFor(o, 'privileged')}`,
    });
  }
  return out;
}

export function planDisassociate(inp: PlanInputs, policy: string): { changes: Change[]; already: boolean } {
  requirePsp(inp);
  const name = `psp:${policy}`;
  if (!find(inp.snapshot, 'ClusterRoleBinding', name)) return { changes: [], already: true };
  const changes: Change[] = [...privilegedKeep(inp)];
  changes.push({
    type: 'delete',
    kind: 'ClusterRoleBinding',
    name,
    reason: `the cluster-wide binding of the default policy ${policy}: only the namespace bindings apply`,
  });
  if (find(inp.snapshot, 'ClusterRole', name)) {
    changes.push({
      type: 'label',
      kind: 'ClusterRole',
      name,
      labels: { [DISASSOCIATED_LABEL]: 'disassociated' },
      reason: 'remembers the disassociation (admission enable leaves the binding out)',
    });
  }
  return { changes, already: false };
}

export function planAssociate(inp: PlanInputs, policy: string): { changes: Change[]; already: boolean } {
  requirePsp(inp);
  const name = `psp:${policy}`;
  const role = find(inp.snapshot, 'ClusterRole', name);
  const marked = role?.metadata.labels?.[DISASSOCIATED_LABEL] !== undefined;
  if (find(inp.snapshot, 'ClusterRoleBinding', name) && !marked) return { changes: [], already: true };
  const minor = inp.config.version.minor;
  const changes: Change[] = [...pspChange(inp, policy, `the default policy ${policy}`)];
  if (!role)
    changes.push({
      type: 'apply',
      object: pspUseRole({ kind: 'ClusterRole', name, policy, apiGroups: pspRbacGroups(minor) }),
      reason: `grants use of the policy ${policy}`,
    });
  if (!find(inp.snapshot, 'ClusterRoleBinding', name)) {
    const crb = roleBinding({
      kind: 'ClusterRoleBinding',
      name,
      roleKind: 'ClusterRole',
      roleName: name,
      subjects: [groupSubject('system:authenticated'), groupSubject('system:serviceaccounts')],
    });
    changes.push({
      type: 'apply',
      object: crb,
      reason: `every authenticated user and service account may use ${policy} again: the cluster-wide default`,
    });
  }
  if (marked)
    changes.push({
      type: 'label',
      kind: 'ClusterRole',
      name,
      labels: { [DISASSOCIATED_LABEL]: null },
      reason: 'the default is associated again',
    });
  return { changes, already: false };
}

// ------------------------------------------------------------------ bindings (association rules)

export interface BindTarget {
  namespace: string;
  /** Service account names; empty with `all`. */
  serviceAccounts: string[];
  all: boolean;
  policy: string;
}

function subjectsFor(t: BindTarget): Subject[] {
  return t.all
    ? [groupSubject(`system:serviceaccounts:${t.namespace}`)]
    : t.serviceAccounts.map((sa) => serviceAccountSubject(t.namespace, sa));
}

function sameSubject(
  a: { kind?: string; name?: string; namespace?: string },
  b: { kind?: string; name?: string; namespace?: string },
  ns: string,
): boolean {
  return (
    a.kind === b.kind &&
    a.name === b.name &&
    (a.kind !== 'ServiceAccount' || (a.namespace || ns) === (b.namespace || ns))
  );
}

/** The PSS level a policy name stands for in PSS mode. */
export function levelOf(cfg: ClusterConfig, policy: string): PssLevel {
  if (!knownPolicy(cfg, policy))
    throw new UserError(
      `unknown policy ${policy}: use a level (restricted, baseline, privileged), a built-in template or a policy of the config`,
      undefined,
      '--policy',
    );
  return levelForPolicy(policy, cfg.policies);
}

export function planBind(inp: PlanInputs, t: BindTarget): Change[] {
  requireNamespace(inp.snapshot, t.namespace);
  const s = inp.snapshot;
  if (s.mode === 'pss') {
    if (!t.all)
      throw new UserError(
        'Pod Security Standards levels apply to a whole namespace: use --all-serviceaccounts',
        undefined,
        '--serviceaccount',
      );
    const level = levelOf(inp.config, t.policy);
    const labels = pssLabels(level, inp.config.version.minor);
    const have = find(s, 'Namespace', t.namespace)?.metadata.labels ?? {};
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return [];
    return [
      {
        type: 'label',
        kind: 'Namespace',
        name: t.namespace,
        labels,
        reason: `the namespace's pods must meet ${level} (policy ${t.policy})`,
      },
    ];
  }
  const minor = inp.config.version.minor;
  const name = `psp:${t.policy}`;
  const changes: Change[] = [...pspChange(inp, t.policy, `the policy ${t.policy} does not exist yet`)];
  const existing = find(s, 'RoleBinding', name, t.namespace);
  if (!existing && !find(s, 'Role', name, t.namespace)) {
    const role = pspUseRole({
      kind: 'Role',
      name,
      namespace: t.namespace,
      policy: t.policy,
      apiGroups: pspRbacGroups(minor),
    });
    changes.push({ type: 'apply', object: role, reason: `grants use of ${t.policy} in ${t.namespace}` });
  }
  const have: Subject[] = ((existing?.subjects as Subject[] | undefined) ?? []).map((x) => ({ ...x }));
  const add = subjectsFor(t).filter((n) => !have.some((h) => sameSubject(h, n, t.namespace)));
  if (existing && add.length === 0) return changes;
  // roleRef cannot change: an existing binding keeps the role it refers to.
  const ref = (existing?.roleRef as { kind?: 'Role' | 'ClusterRole'; name?: string } | undefined) ?? {
    kind: 'Role',
    name,
  };
  const rb = roleBinding({
    kind: 'RoleBinding',
    name,
    namespace: t.namespace,
    roleKind: ref.kind ?? 'Role',
    roleName: ref.name ?? name,
    subjects: [...have, ...add],
  });
  if (existing?.metadata.labels) rb.metadata.labels = { ...existing.metadata.labels, ...MANAGED_BY };
  changes.push({ type: 'apply', object: rb, reason: `${describeSubjects(add)} may use ${t.policy} in ${t.namespace}` });
  return changes;
}

export function planUnbind(inp: PlanInputs, t: BindTarget): Change[] {
  requireNamespace(inp.snapshot, t.namespace);
  const s = inp.snapshot;
  if (s.mode === 'pss') {
    if (!t.all)
      throw new UserError(
        'Pod Security Standards levels apply to a whole namespace: use --all-serviceaccounts',
        undefined,
        '--serviceaccount',
      );
    const have = find(s, 'Namespace', t.namespace)?.metadata.labels ?? {};
    const level = levelOf(inp.config, t.policy);
    if (have['pod-security.kubernetes.io/enforce'] !== level) return [];
    return [
      {
        type: 'label',
        kind: 'Namespace',
        name: t.namespace,
        labels: Object.fromEntries(PSS_LABEL_KEYS.map((k) => [k, null])),
        reason: `the namespace falls back to the cluster default (${s.pss.defaults.enforce})`,
      },
    ];
  }
  const name = `psp:${t.policy}`;
  const existing = find(s, 'RoleBinding', name, t.namespace);
  if (!existing) return [];
  const have: Subject[] = (existing.subjects as Subject[] | undefined) ?? [];
  const drop = subjectsFor(t);
  // --all-serviceaccounts: no service account of the namespace keeps it (the group and each one named).
  const ofNamespace = (h: Subject) =>
    t.all && h.kind === 'ServiceAccount' && (h.namespace || t.namespace) === t.namespace;
  const keep = have.filter((h) => !ofNamespace(h) && !drop.some((d) => sameSubject(h, d, t.namespace)));
  if (keep.length === have.length) return [];
  const removed = have.filter((h) => !keep.includes(h));
  if (keep.length > 0) {
    const ref = existing.roleRef as { kind: 'Role' | 'ClusterRole'; name: string };
    const rb = roleBinding({
      kind: 'RoleBinding',
      name,
      namespace: t.namespace,
      roleKind: ref.kind,
      roleName: ref.name,
      subjects: keep,
    });
    if (existing.metadata.labels) rb.metadata.labels = { ...existing.metadata.labels, ...MANAGED_BY };
    return [
      {
        type: 'apply',
        object: rb,
        reason: `${describeSubjects(removed)} may no longer use ${t.policy} in ${t.namespace}`,
      },
    ];
  }
  const changes: Change[] = [
    {
      type: 'delete',
      kind: 'RoleBinding',
      name,
      namespace: t.namespace,
      reason: `nobody is left in it: ${describeSubjects(removed)} may no longer use ${t.policy} in ${t.namespace}`,
    },
  ];
  const role = find(s, 'Role', name, t.namespace);
  const otherRefs = s.objects.some(
    (o) =>
      o.kind === 'RoleBinding' &&
      o.metadata.namespace === t.namespace &&
      o.metadata.name !== name &&
      (o.roleRef as { kind?: string; name?: string })?.name === name,
  );
  if (role && role.metadata.labels?.['app.kubernetes.io/managed-by'] === 'kubestrap' && !otherRefs) {
    changes.push({
      type: 'delete',
      kind: 'Role',
      name,
      namespace: t.namespace,
      reason: 'no binding refers to it any more',
    });
  }
  return changes;
}

function describeSubjects(list: { kind?: string; name?: string }[]): string {
  return list
    .map((x) =>
      x.kind === 'Group' && x.name?.startsWith('system:serviceaccounts:')
        ? `every service account of ${x.name.slice('system:serviceaccounts:'.length)}`
        : x.kind === 'ServiceAccount'
          ? `serviceaccount ${x.name}`
          : `${x.kind} ${x.name}`,
    )
    .join(', ');
}

// ------------------------------------------------------------------ audit --if

export interface IfOptions {
  /** The default level/policy when `enable` names none (the config's podSecurity.default). */
  level: PssLevel;
  /** Namespaces left privileged (the config's podSecurity.privilegedNamespaces). */
  exempt: string[];
}

function parseLevel(text: string, what: string): PssLevel {
  if (!isPssLevel(text))
    throw new UserError(
      `${what}: ${JSON.stringify(text)} is not a level (restricted, baseline, privileged)`,
      undefined,
      '--if',
    );
  return text;
}

/**
 * The changes `audit --if` simulates, each computed on the state the previous ones
 * leave: `enable[=LEVEL]`, `disable`, `disassociate[=POLICY]`, `associate[=POLICY]`,
 * `level=NS:LEVEL` (PSS), `bind=NS:POLICY`, `unbind=NS:POLICY`.
 */
export function changesForIf(inp: PlanInputs, args: readonly string[], opts: IfOptions): Change[] {
  let snapshot = inp.snapshot;
  const all: Change[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const cur: PlanInputs = { ...inp, snapshot };
    const pair = (what: string): [string, string] => {
      const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):(.+)$/.exec(value ?? '');
      if (!m)
        throw new UserError(
          `${what} needs NAMESPACE:${what === 'level' ? 'LEVEL' : 'POLICY'}, got ${JSON.stringify(arg)}`,
          undefined,
          '--if',
        );
      return [m[1], m[3]];
    };
    let changes: Change[];
    switch (name) {
      case 'enable': {
        const level = value ? parseLevel(value, 'enable') : opts.level;
        changes = snapshot.mode === 'psp' ? planEnablePsp(cur, level).changes : planEnablePss(cur, level, opts.exempt);
        break;
      }
      case 'disable':
        if (value) throw new UserError('disable takes no value', undefined, '--if');
        changes = snapshot.mode === 'psp' ? planDisablePsp() : planDisablePss(cur);
        break;
      case 'disassociate':
        changes = planDisassociate(cur, value ?? opts.level).changes;
        break;
      case 'associate':
        changes = planAssociate(cur, value ?? opts.level).changes;
        break;
      case 'level': {
        if (snapshot.mode !== 'pss')
          throw new UserError(
            'level=NS:LEVEL is for Pod Security Standards; with PodSecurityPolicy use bind=NS:POLICY',
            undefined,
            '--if',
          );
        const [ns, lv] = pair('level');
        requireNamespace(snapshot, ns);
        changes = [
          {
            type: 'label',
            kind: 'Namespace',
            name: ns,
            labels: pssLabels(parseLevel(lv, 'level'), inp.config.version.minor),
            reason: `enforce ${lv}`,
          },
        ];
        break;
      }
      case 'bind':
      case 'unbind': {
        const [ns, policy] = pair(name);
        const t = { namespace: ns, serviceAccounts: [], all: true, policy };
        changes = name === 'bind' ? planBind(cur, t) : planUnbind(cur, t);
        break;
      }
      default:
        throw new UserError(
          `unknown change ${JSON.stringify(arg)}: use enable[=LEVEL], disable, disassociate, associate, level=NS:LEVEL, bind=NS:POLICY or unbind=NS:POLICY`,
          undefined,
          '--if',
        );
    }
    all.push(...changes);
    snapshot = simulate(snapshot, changes);
  }
  return all;
}
