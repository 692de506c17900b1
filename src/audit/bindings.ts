/**
 * The association rules of a running cluster (`kubestrap policy bindings`): which
 * PodSecurityPolicy who may use where (PSP), or each namespace's level (PSS), read from
 * a snapshot; printed as a table or one JSON document.
 */
import type { Io } from '../io.js';
import type { KubeObject } from '../k8s/objects.js';
import { namespaceLevels } from './evaluate.js';
import type { ClusterSnapshot } from './snapshot.js';

interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface BindingRow {
  namespace: string | null;
  policy: string;
  binding: { kind: string; name: string };
  role: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
  managedByKubestrap: boolean;
}

/** Which policies a role's rules grant `use` of: explicit podsecuritypolicies rules only (not cluster-admin's `*`). */
function policiesOf(rules: Rule[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    const verbs = r.verbs ?? [];
    const groups = r.apiGroups ?? [];
    if (!(r.resources ?? []).includes('podsecuritypolicies')) continue;
    if (!verbs.includes('use') && !verbs.includes('*')) continue;
    if (!groups.some((g) => g === 'policy' || g === 'extensions' || g === '*')) continue;
    out.push(...((r.resourceNames ?? []).length ? r.resourceNames! : ['*']));
  }
  return [...new Set(out)];
}

export function pspBindings(snapshot: ClusterSnapshot): BindingRow[] {
  const roles = new Map<string, KubeObject>();
  for (const o of snapshot.objects) {
    if (o.kind === 'Role') roles.set(`Role/${o.metadata.namespace}/${o.metadata.name}`, o);
    if (o.kind === 'ClusterRole') roles.set(`ClusterRole//${o.metadata.name}`, o);
  }
  const rows: BindingRow[] = [];
  for (const b of snapshot.objects) {
    if (b.kind !== 'RoleBinding' && b.kind !== 'ClusterRoleBinding') continue;
    const ref = (b.roleRef ?? {}) as { kind?: string; name?: string };
    const ns = b.kind === 'RoleBinding' ? (b.metadata.namespace ?? 'default') : null;
    const role = roles.get(ref.kind === 'Role' ? `Role/${ns}/${ref.name}` : `ClusterRole//${ref.name}`);
    if (!role) continue;
    for (const policy of policiesOf((role.rules as Rule[] | undefined) ?? [])) {
      rows.push({
        namespace: ns,
        policy,
        binding: { kind: b.kind, name: b.metadata.name },
        role: { kind: ref.kind ?? '', name: ref.name ?? '' },
        subjects: ((b.subjects as { kind: string; name: string; namespace?: string }[] | undefined) ?? []).map((s) => ({
          kind: s.kind,
          name: s.name,
          ...(s.namespace ? { namespace: s.namespace } : {}),
        })),
        managedByKubestrap: b.metadata.labels?.['app.kubernetes.io/managed-by'] === 'kubestrap',
      });
    }
  }
  const k = (r: BindingRow) =>
    `${r.namespace === null ? '' : `~${r.namespace}`}\u0000${r.policy}\u0000${r.binding.name}`;
  return rows.sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}

function subjectText(s: { kind: string; name: string; namespace?: string }): string {
  return s.kind === 'ServiceAccount'
    ? `ServiceAccount ${s.namespace ? `${s.namespace}/` : ''}${s.name}`
    : `${s.kind} ${s.name}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 2)))
      .join('')
      .trimEnd(),
  );
}

/** The association rules of the snapshot, only `namespace`'s (and the cluster-wide ones) when given. */
export function printBindings(
  io: Io,
  snapshot: ClusterSnapshot,
  namespace: string | undefined,
  output: 'text' | 'json',
): number {
  const mode = snapshot.mode;
  if (mode === 'psp') {
    const rows = pspBindings(snapshot).filter((r) => !namespace || r.namespace === null || r.namespace === namespace);
    if (output === 'json') {
      io.out(JSON.stringify({ mode: 'psp', bindings: rows }));
      return 0;
    }
    if (rows.length === 0) {
      io.out('No binding grants the use of a PodSecurityPolicy.');
      return 0;
    }
    const lines = table([
      ['NAMESPACE', 'POLICY', 'BINDING', 'SUBJECTS', 'MANAGED'],
      ...rows.map((r) => [
        r.namespace ?? '(cluster-wide)',
        r.policy,
        `${r.binding.kind}/${r.binding.name}`,
        r.subjects.map(subjectText).join(', ') || '(none)',
        r.managedByKubestrap ? 'kubestrap' : '-',
      ]),
    ]);
    for (const l of lines) io.out(l);
    return 0;
  }
  const levels = [...namespaceLevels(snapshot).values()]
    .filter((n) => !namespace || n.namespace === namespace)
    .sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  if (output === 'json') {
    io.out(JSON.stringify({ mode: 'pss', default: snapshot.pss.defaults, namespaces: levels }));
    return 0;
  }
  io.out(
    `Cluster default: enforce ${snapshot.pss.defaults.enforce}:${snapshot.pss.defaults.enforceVersion} (${snapshot.pss.source})`,
  );
  for (const l of table([
    ['NAMESPACE', 'ENFORCE', 'VERSION', 'FROM'],
    ...levels.map((n) => [
      n.namespace,
      n.level,
      n.version,
      n.source === 'label'
        ? 'namespace label'
        : n.source === 'exempt'
          ? 'exempt (admission config)'
          : 'cluster default',
    ]),
  ]))
    io.out(l);
  return 0;
}
