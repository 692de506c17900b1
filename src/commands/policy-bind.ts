/**
 * `kubestrap policy bind|unbind|bindings`: the association rules of a live
 * cluster. PodSecurityPolicy mode: a Role `psp:<policy>` and RoleBinding
 * `psp:<policy>` in the namespace (the shape `up` renders for tenants), whose
 * subjects are the service accounts given or the namespace's whole
 * `system:serviceaccounts:<ns>` group; unbind takes subjects out and deletes the
 * binding (and its Role) when none is left. Pod Security Standards mode: the
 * namespace's level labels. Both are idempotent; a change that would get running
 * pods refused is refused (exit 1) unless --force.
 */
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { auditChanges } from '../changes/simulate.js';
import { namespaceLevels } from '../audit/evaluate.js';
import type { KubeObject } from '../k8s/objects.js';
import { readClusterSnapshot, type ClusterSnapshot } from '../audit/snapshot.js';
import { applyClusterChanges, printChanges, type Change } from '../changes/plan.js';
import { planBind, planUnbind, type BindTarget } from '../changes/pod-security.js';
import type { ClusterSession } from '../session/context.js';
import { confirmChanges } from '../session/confirm.js';
import { openClusterSession } from '../session/open.js';
import { reportFailures } from '../exec/failures.js';

export interface BindOptions {
  config?: string;
  kubeconfig?: string;
  mode?: string;
  namespace?: string;
  serviceaccount?: string[];
  allServiceaccounts?: boolean;
  policy?: string;
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  output?: string;
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function target(opts: BindOptions): BindTarget {
  if (!opts.namespace) throw new UserError('is required', undefined, '--namespace');
  if (!DNS1123.test(opts.namespace))
    throw new UserError(`${JSON.stringify(opts.namespace)} is not a valid namespace name`, undefined, '--namespace');
  if (!opts.policy) throw new UserError('is required', undefined, '--policy');
  const sas = opts.serviceaccount ?? [];
  if (sas.length === 0 && !opts.allServiceaccounts)
    throw new UserError(
      'name the service accounts (--serviceaccount SA, repeatable) or give --all-serviceaccounts',
      undefined,
      '--serviceaccount',
    );
  if (sas.length > 0 && opts.allServiceaccounts)
    throw new UserError(
      'give either --serviceaccount or --all-serviceaccounts, not both',
      undefined,
      '--all-serviceaccounts',
    );
  for (const sa of sas)
    if (!DNS1123.test(sa) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(sa))
      throw new UserError(`${JSON.stringify(sa)} is not a valid service account name`, undefined, '--serviceaccount');
  return {
    namespace: opts.namespace,
    serviceAccounts: [...new Set(sas)],
    all: Boolean(opts.allServiceaccounts),
    policy: opts.policy,
  };
}

/** Runs a planned change: refuses on blockers (unless --force), prints, asks, applies. */
export async function runPlanned(
  session: ClusterSession,
  snapshot: ClusterSnapshot,
  changes: Change[],
  opts: { force?: boolean; dryRun?: boolean; yes?: boolean },
  text: { command: string; question: string; done: string; blockedHint: string; label: string },
): Promise<number> {
  const { io } = session;
  const report = auditChanges(snapshot, [text.label], changes, { assumeEnforced: true });
  let blocked = false;
  if (report.blockers.length) {
    blocked = !opts.force;
    const spaces = [...new Set(report.blockers.map((b) => b.namespace))];
    io.err(
      `${opts.force ? 'warning' : 'refusing'}: after ${text.label}, running pods and workloads in ${spaces.length === 1 ? 'namespace' : 'namespaces'} ${spaces.join(', ')} would be refused:`,
    );
    for (const b of report.blockers) {
      io.err(`  ${b.kind} ${b.namespace}/${b.name}`);
      for (const r of b.reasons) io.err(`      ${r}`);
    }
    if (blocked) io.err(text.blockedHint);
  }
  if (opts.dryRun) {
    printChanges(io, `${text.command} would make these changes (--dry-run: nothing was changed):`, changes);
    return blocked ? 1 : 0;
  }
  if (blocked) return 1;
  printChanges(io, `${text.command}:`, changes);
  if (!(await confirmChanges(io, opts.yes, text.question))) {
    io.err('Nothing changed.');
    return 1;
  }
  await applyClusterChanges(session.kubectl, changes, session.deadline(), io);
  io.out(text.done);
  return 0;
}

export async function policyBindCommand(
  action: 'bind' | 'unbind',
  opts: BindOptions,
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  return reportFailures(io, () => bindOrUnbind(action, opts, io, signal));
}

async function bindOrUnbind(
  action: 'bind' | 'unbind',
  opts: BindOptions,
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  const t = target(opts);
  const session = await openClusterSession(
    { config: opts.config, kubeconfig: opts.kubeconfig, mode: opts.mode, log: !opts.dryRun },
    io,
    signal,
  );
  const snapshot = await readClusterSnapshot(session);
  const inp = { snapshot, config: session.config };
  const changes = action === 'bind' ? planBind(inp, t) : planUnbind(inp, t);
  const who = t.all
    ? `every service account of ${t.namespace}`
    : t.serviceAccounts.map((sa) => `serviceaccount ${t.namespace}/${sa}`).join(', ');
  const what =
    session.mode === 'psp'
      ? `${who} ${action === 'bind' ? 'may use' : 'may not use'} the policy ${t.policy} in ${t.namespace}`
      : `namespace ${t.namespace} ${action === 'bind' ? `enforces the level of ${t.policy}` : `no longer enforces ${t.policy}`}`;
  if (changes.length === 0) {
    io.out(`Nothing to change: ${what} already.`);
    return 0;
  }
  return runPlanned(session, snapshot, changes, opts, {
    command: `kubestrap policy ${action}`,
    question: action === 'bind' ? 'Bind?' : 'Unbind?',
    done: `Done: ${what}.`,
    blockedHint:
      action === 'bind'
        ? 'Choose a policy or level they meet, or pass --force.'
        : 'Bind another policy they may use first (`kubestrap policy bind`), or pass --force.',
    label: `${action} ${t.namespace}:${t.policy}`,
  });
}

// ------------------------------------------------------------------ bindings

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

export async function policyBindingsCommand(
  opts: { config?: string; kubeconfig?: string; mode?: string; namespace?: string; output?: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  return reportFailures(io, () => listBindings(opts, io, signal));
}

async function listBindings(
  opts: { config?: string; kubeconfig?: string; mode?: string; namespace?: string; output?: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  if (opts.output !== undefined && opts.output !== 'text' && opts.output !== 'json')
    throw new UserError(`-o must be text or json, not ${JSON.stringify(opts.output)}`, undefined, '-o');
  const session = await openClusterSession(
    { config: opts.config, kubeconfig: opts.kubeconfig, mode: opts.mode },
    io,
    signal,
  );
  const snapshot = await readClusterSnapshot(session);
  if (session.mode === 'psp') {
    const rows = pspBindings(snapshot).filter(
      (r) => !opts.namespace || r.namespace === null || r.namespace === opts.namespace,
    );
    if (opts.output === 'json') {
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
    .filter((n) => !opts.namespace || n.namespace === opts.namespace)
    .sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  if (opts.output === 'json') {
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
