/**
 * How a planned change to a running cluster is carried out by the commands that make
 * one (policy bind/unbind/default): audited first (refused, naming the pods it would
 * break, unless --force), printed, confirmed, applied.
 */
import type { ClusterSnapshot } from '../audit/snapshot.js';
import type { ClusterSession } from '../session/context.js';
import { confirmChanges } from '../session/confirm.js';
import { applyClusterChanges, printChanges, type Change } from './plan.js';
import { auditChanges } from './simulate.js';

/** Runs a planned change: refuses on blockers (unless --force), prints, asks, applies. */
export async function applyPlanned(
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
