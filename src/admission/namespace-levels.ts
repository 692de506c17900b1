/**
 * Pod Security Standards with `admission enable|disable --scope namespaces`: every
 * namespace without a level of its own gets the level labels (and kubestrap's marker,
 * so `disable` removes exactly those); no API server restart.
 */
import type { PssLevel } from '../k8s/pss.js';
import { readClusterSnapshot } from '../audit/snapshot.js';
import { applyClusterChanges, printChanges } from '../changes/plan.js';
import { planPssNamespaceLabels, planRemovePssNamespaceLabels } from '../changes/pod-security.js';
import { auditChanges } from '../changes/simulate.js';
import type { ClusterSession } from '../session/context.js';
import { confirmChanges } from '../session/confirm.js';

/** `admission enable|disable --scope namespaces` (PSS): the level labels of the namespaces; the exit code. */
export async function changeNamespaceLevels(
  session: ClusterSession,
  action: 'enable' | 'disable',
  level: PssLevel,
  exempt: string[],
  opts: { force?: boolean; dryRun?: boolean; yes?: boolean },
): Promise<number> {
  const { io } = session;
  const snapshot = await readClusterSnapshot(session);
  const inp = { snapshot, config: session.config };
  const changes = action === 'enable' ? planPssNamespaceLabels(inp, level, exempt) : planRemovePssNamespaceLabels(inp);
  if (changes.length === 0) {
    io.out(
      action === 'enable'
        ? 'Every namespace already has an enforce level or is exempt: nothing to change.'
        : 'No namespace carries labels from `admission enable --scope namespaces`: nothing to change.',
    );
    return 0;
  }
  if (action === 'enable') {
    const report = auditChanges(snapshot, ['enable --scope namespaces'], changes);
    if (report.blockers.length) {
      io.err(
        `${opts.force ? 'warning' : 'refusing'}: with these namespace levels, ${report.blockers.length} running pods or workloads would be refused:`,
      );
      for (const b of report.blockers) {
        io.err(`  ${b.kind} ${b.namespace}/${b.name}`);
        for (const r of b.reasons) io.err(`      ${r}`);
      }
      if (!opts.force) {
        io.err(
          'Give their namespaces a level they meet first (`kubestrap policy bind`), add them to --privileged-namespace, or pass --force.',
        );
        if (!opts.dryRun) return 1;
        printChanges(
          io,
          'kubestrap admission enable --scope namespaces would make these changes (--dry-run: nothing was changed):',
          changes,
        );
        return 1;
      }
    }
  }
  if (opts.dryRun) {
    printChanges(
      io,
      `kubestrap admission ${action} --scope namespaces would make these changes (--dry-run: nothing was changed):`,
      changes,
    );
    return 0;
  }
  printChanges(io, `kubestrap admission ${action} --scope namespaces:`, changes);
  if (!(await confirmChanges(io, opts.yes, `${action === 'enable' ? 'Label' : 'Unlabel'} these namespaces?`))) {
    io.err('Nothing changed.');
    return 1;
  }
  await applyClusterChanges(session.kubectl, changes, session.deadline(), io);
  io.out(
    `Pod Security levels ${action === 'enable' ? `set to ${level} on ${changes.length} namespaces` : `removed from ${changes.length} namespaces`}.`,
  );
  return 0;
}
