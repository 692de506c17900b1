/**
 * The last step of `up`: the same checks as `kubestrap verify`, once the system
 * Deployments and DaemonSets have rolled out (or the deadline passed).
 */
import { runChecks } from '../verify/checks.js';
import { waitForSystemWorkloads } from '../verify/system-workloads.js';
import { StepFailed, type Step } from '../workflow/step.js';

export const verifyStep: Step = {
  id: 'verify',
  title: 'Verify readiness and pod security',
  alwaysRun: true,
  recordsVerified: true,
  plan: () => [],
  async check() {
    return 'pending';
  },
  async apply(ctx) {
    if (ctx.dryRun) return;
    // A late workload is reported by the checks below, with the rest.
    await waitForSystemWorkloads(ctx, ctx.deadline());
    const report = await runChecks(ctx);
    const failed = report.checks.filter((c) => !c.ok);
    if (failed.length > 0) {
      throw new StepFailed(
        `verification failed:\n${failed.map((c) => `  ✗ ${c.name}: ${c.detail}`).join('\n')}`,
        'run `kubestrap verify` for the full report',
      );
    }
  },
};
