/**
 * The audit report: every pod and pod template with its verdict now and, when a
 * change is proposed, after it; in Pod Security Standards mode also each
 * namespace's enforce level and the strictest level its pods meet. Printed for
 * people or as one JSON document.
 */
import type { Io } from '../io.js';
import {
  collectSubjects,
  effectivelyAdmitted,
  judge,
  levelMet,
  namespaceLevels,
  type NamespaceLevel,
  type Subject,
  type Verdict,
} from './evaluate.js';
import type { PssLevel } from '../k8s/pss.js';
import type { ClusterSnapshot } from './snapshot.js';

export interface AuditEntry {
  kind: string;
  namespace: string;
  name: string;
  owner: string | null;
  createdBy: string;
  serviceAccount: string;
  mirror: boolean;
  /** The policy that admitted the running pod (kubernetes.io/psp), PSP mode. */
  admittedBy: string | null;
  now: Verdict;
  after?: Verdict;
}

export interface NamespaceEntry {
  namespace: string;
  /** Pods and pod templates judged in it. */
  subjects: number;
  now: NamespaceLevel & { meets: PssLevel };
  after?: NamespaceLevel & { meets: PssLevel };
}

export interface AuditReport {
  kubernetesVersion: string;
  mode: 'psp' | 'pss';
  admission: {
    podSecurityPolicy: boolean;
    podSecurity: boolean;
    plugins: string[];
    admissionConfigFile: string | null;
    source: string | null;
    pssDefaults: { enforce: string; enforceVersion: string; exemptNamespaces: string[]; source: string };
  };
  /** The proposed change, as the --if arguments named it; null when none. */
  proposal: string[] | null;
  entries: AuditEntry[];
  namespaces: NamespaceEntry[];
  summary: {
    pods: number;
    workloads: number;
    refusedNow: number;
    refusedAfter: number | null;
    newlyRefused: number | null;
    changedAfter: number | null;
  };
  /** Subjects that get in now and would be refused after the change. */
  blockers: { kind: string; namespace: string; name: string; reasons: string[] }[];
  notes: string[];
}

export interface AuditOptions {
  /**
   * Judge PodSecurityPolicy admission as if the plugin were on in both states
   * (changes to policies and bindings must not break a cluster that turns it on later).
   */
  assumeEnforced?: boolean;
}

function reasonsOf(v: Verdict): string[] {
  if (v.mode === 'psp') return v.reasons.length ? v.reasons : v.message ? [v.message] : [];
  return v.violations.map((x) => x.message);
}

/**
 * The report on the cluster now and, with a proposal, on the cluster as the proposal
 * leaves it (`after`, from changes/simulate.ts); `labels` name the proposal.
 */
export function audit(
  snapshot: ClusterSnapshot,
  proposal?: { labels: string[]; after: ClusterSnapshot },
  opts: AuditOptions = {},
): AuditReport {
  const subjects = collectSubjects(snapshot);
  const nowJudge = judge(snapshot);
  const afterSnap = proposal?.after;
  const afterJudge = afterSnap ? judge(afterSnap) : undefined;
  const force = (v: Verdict): Verdict => (opts.assumeEnforced ? { ...v, enforced: true } : v);
  const entries: AuditEntry[] = subjects.map((s) => {
    const now = force(nowJudge(s));
    const entry: AuditEntry = {
      kind: s.kind,
      namespace: s.namespace,
      name: s.name,
      owner: s.owner ?? null,
      createdBy: s.createdBy,
      serviceAccount: s.serviceAccount,
      mirror: s.mirror,
      admittedBy: s.admittedBy ?? null,
      now,
    };
    if (afterJudge) entry.after = force(afterJudge(s));
    return entry;
  });

  const namespaces: NamespaceEntry[] = [];
  if (snapshot.mode === 'pss') {
    const nowLevels = namespaceLevels(snapshot);
    const afterLevels = afterSnap ? namespaceLevels(afterSnap) : undefined;
    const bySpace = new Map<string, Subject[]>();
    for (const s of subjects) bySpace.set(s.namespace, [...(bySpace.get(s.namespace) ?? []), s]);
    for (const [ns, lvl] of [...nowLevels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const list = bySpace.get(ns) ?? [];
      const e: NamespaceEntry = {
        namespace: ns,
        subjects: list.length,
        now: { ...lvl, meets: levelMet(list, lvl.version, snapshot.version.minor) },
      };
      const a = afterLevels?.get(ns);
      if (a) e.after = { ...a, meets: levelMet(list, a.version, snapshot.version.minor) };
      namespaces.push(e);
    }
  }

  const refusedNow = entries.filter((e) => !effectivelyAdmitted(e.now)).length;
  const blockers = entries
    .filter((e) => e.after && effectivelyAdmitted(e.now) && !effectivelyAdmitted(e.after))
    .map((e) => ({ kind: e.kind, namespace: e.namespace, name: e.name, reasons: reasonsOf(e.after!) }));
  const changedAfter = afterJudge
    ? entries.filter((e) => e.after?.mode === 'psp' && e.after.admitted && e.after.changes.length > 0).length
    : null;
  const flags = snapshot.apiServer?.flags;
  const notes = [...new Set([...snapshot.notes, ...(afterSnap?.notes ?? [])])];
  return {
    kubernetesVersion: snapshot.version.text,
    mode: snapshot.mode,
    admission: {
      podSecurityPolicy: flags?.psp ?? false,
      podSecurity: flags?.podSecurity ?? snapshot.version.minor >= 23,
      plugins: flags?.enabled ?? [],
      admissionConfigFile: flags?.configFile ?? null,
      source: snapshot.apiServer?.source ?? null,
      pssDefaults: {
        enforce: snapshot.pss.defaults.enforce,
        enforceVersion: snapshot.pss.defaults.enforceVersion,
        exemptNamespaces: snapshot.pss.exemptions.namespaces,
        source: snapshot.pss.source,
      },
    },
    proposal: proposal ? proposal.labels : null,
    entries,
    namespaces,
    summary: {
      pods: entries.filter((e) => e.kind === 'Pod').length,
      workloads: entries.filter((e) => e.kind !== 'Pod').length,
      refusedNow,
      refusedAfter: afterJudge ? entries.filter((e) => e.after && !effectivelyAdmitted(e.after)).length : null,
      newlyRefused: afterJudge ? blockers.length : null,
      changedAfter,
    },
    blockers,
    notes,
  };
}

// ------------------------------------------------------------------ text

function title(e: AuditEntry): string {
  return `${e.kind} ${e.namespace}/${e.name}`;
}

function verdictLine(v: Verdict): string {
  if (v.mode === 'psp') {
    const decision = v.admitted ? `admitted by ${v.policy}${v.changes.length ? ', which changes it' : ''}` : 'refused';
    return v.enforced ? decision : `PodSecurityPolicy off (when on: ${decision})`;
  }
  if (v.exempt) return `exempt (${v.level})`;
  const lv = `${v.level}:${v.version}`;
  return v.admitted ? `meets ${lv}` : `violates ${lv}${v.enforced ? '' : ' (PodSecurity off)'}`;
}

function details(v: Verdict, pad: string): string[] {
  const out: string[] = [];
  if (v.mode === 'psp') {
    if (v.admitted) for (const c of v.changes) out.push(`${pad}${c}`);
    else for (const r of reasonsOf(v)) out.push(`${pad}${r}`);
  } else for (const x of v.violations) out.push(`${pad}${x.message}`);
  for (const w of v.warnings) out.push(`${pad}warning: ${w}`);
  return out;
}

function same(a: Verdict, b: Verdict): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function printAudit(io: Io, r: AuditReport): void {
  const a = r.admission;
  if (r.mode === 'psp') {
    io.out(
      `Kubernetes ${r.kubernetesVersion}: PodSecurityPolicy admission is ${a.podSecurityPolicy ? 'on' : 'off'} (${a.source ?? 'unknown'}: --enable-admission-plugins=${a.plugins.join(',') || '(none)'})`,
    );
  } else {
    io.out(
      `Kubernetes ${r.kubernetesVersion}: Pod Security Standards; cluster default enforce=${a.pssDefaults.enforce}:${a.pssDefaults.enforceVersion} (${a.pssDefaults.source})${a.pssDefaults.exemptNamespaces.length ? `, exempt: ${a.pssDefaults.exemptNamespaces.join(', ')}` : ''}`,
    );
  }
  if (r.proposal) io.out(`If: ${r.proposal.join(', ')}`);
  for (const n of r.notes) io.out(`note: ${n}`);
  if (r.mode === 'pss') {
    io.out('Namespaces:');
    for (const n of r.namespaces) {
      const what =
        n.subjects === 0 ? 'no pods' : n.subjects === 1 ? 'its pod meets' : `its ${n.subjects} pods and templates meet`;
      let line = `  ${n.namespace}: enforce ${n.now.level}:${n.now.version} (${n.now.source}), ${n.subjects === 0 ? what : `${what} ${n.now.meets}`}`;
      if (
        n.after &&
        (n.after.level !== n.now.level || n.after.version !== n.now.version || n.after.source !== n.now.source)
      )
        line += `; after: enforce ${n.after.level}:${n.after.version} (${n.after.source})`;
      io.out(line);
    }
  }
  for (const e of r.entries) {
    const who = e.mirror
      ? ` (${e.createdBy})`
      : e.kind === 'Pod'
        ? ` (sa ${e.serviceAccount}${e.owner ? `, ${e.owner}` : ''})`
        : ` (sa ${e.serviceAccount}, pods created by ${e.createdBy})`;
    const was = e.admittedBy ? `; running, admitted by ${e.admittedBy} when created` : '';
    if (!e.after) {
      io.out(`${title(e)}${who}: ${verdictLine(e.now)}${was}`);
      for (const l of details(e.now, '    ')) io.out(l);
      continue;
    }
    if (same(e.now, e.after)) {
      io.out(`${title(e)}${who}: ${verdictLine(e.now)}${was}; unchanged after`);
      for (const l of details(e.now, '    ')) io.out(l);
      continue;
    }
    const broken = effectivelyAdmitted(e.now) && !effectivelyAdmitted(e.after);
    io.out(`${title(e)}${who}: now ${verdictLine(e.now)}${was}; after: ${broken ? 'REFUSED' : verdictLine(e.after)}`);
    for (const l of details(e.after, '    ')) io.out(l);
  }
  const s = r.summary;
  const parts = [`${s.pods} pods and ${s.workloads} workload templates`, `${s.refusedNow} refused now`];
  if (s.refusedAfter !== null) parts.push(`${s.refusedAfter} refused after the change (${s.newlyRefused} newly)`);
  if (s.changedAfter) parts.push(`${s.changedAfter} changed by their policy after`);
  io.out(parts.join(', '));
}
