/** The last step of `up`: the same checks as `kubestrap verify`. */
import { runChecks } from '../verify/checks.js';
import { StepFailed, type Step } from '../workflow/step.js';

export const verifyStep: Step = {
  id: 'verify',
  title: 'Verify readiness and pod security',
  alwaysRun: true,
  plan: () => [],
  async check() {
    return 'pending';
  },
  async apply(ctx) {
    if (ctx.dryRun) return;
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
