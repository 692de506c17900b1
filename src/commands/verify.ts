/** `kubestrap verify`: readiness and pod security checks against the running cluster. */
import { existsSync } from 'node:fs';
import type { Io } from '../io.js';
import { UserError } from '../errors.js';
import { runChecks } from '../verify/checks.js';
import { waitForSystemWorkloads } from '../verify/system-workloads.js';
import { openSession } from './session.js';

export async function verifyCommand(
  opts: { config?: string; output?: string; wait?: boolean },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  if (opts.output !== undefined && opts.output !== 'json')
    throw new UserError(`unknown output format "${opts.output}"; use json`, undefined, '-o');
  const { ctx } = await openSession({ config: opts.config }, io, signal);
  if (!existsSync(ctx.kubeconfig)) {
    throw new UserError(
      `no kubeconfig at ${ctx.kubeconfig}: run \`sudo kubestrap up\` first (it installs one for you)`,
    );
  }
  if (opts.wait) await waitForSystemWorkloads(ctx, ctx.deadline());
  const report = await runChecks(ctx);
  if (opts.output === 'json') {
    io.out(JSON.stringify(report));
  } else {
    for (const c of report.checks) io.out(`${c.ok ? '✔' : '✘'} ${c.name}: ${c.detail}`);
    io.out(report.ok ? 'All checks passed.' : `${report.checks.filter((c) => !c.ok).length} check(s) failed.`);
  }
  return report.ok ? 0 : 1;
}
