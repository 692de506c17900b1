/** `kubestrap verify`: readiness and pod security checks against the running cluster. */
import { existsSync } from 'node:fs';
import type { Io } from '../io.js';
import { UserError } from '../errors.js';
import { Kubectl } from '../kube/kubectl.js';
import { kubeconfigFromEnv, type KubeconfigChoice } from '../kube/kubeconfig.js';
import { runChecks, type VerifyReport } from '../verify/checks.js';
import { waitForSystemWorkloads } from '../verify/system-workloads.js';
import { openHostSession } from '../session/open.js';

export async function verifyCommand(
  opts: { config?: string; output?: string; wait?: boolean; inventory?: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  if (opts.output !== undefined && opts.output !== 'json')
    throw new UserError(`unknown output format "${opts.output}"; use json`, undefined, '-o');
  if (opts.inventory !== undefined) {
    const { verifyInventory } = await import('../multinode/verify.js');
    return printReport(await verifyInventory({ ...opts, inventory: opts.inventory }, io, signal), opts, io);
  }
  const ctx = await openHostSession({ config: opts.config }, io, signal);
  // Like kubectl: KUBECONFIG when set, else the kubeconfig `up` installs for the invoking user.
  const choice: KubeconfigChoice = kubeconfigFromEnv() ?? {
    file: ctx.kubeconfig,
    label: ctx.kubeconfig,
    found: existsSync(ctx.kubeconfig),
    missing: `no kubeconfig at ${ctx.kubeconfig}: run \`sudo kubestrap up\` first (it installs one for you)`,
  };
  // No cluster to talk to is a failed check, not bad input: scripts still get the report.
  const session = {
    ...ctx,
    kubeconfig: choice.label,
    kubectl: new Kubectl(ctx.runner, choice.file, ctx.config.version.minor, ctx.signal),
  };
  const report: VerifyReport = choice.found
    ? await withKubeconfigCheck(choice, async () => {
        if (opts.wait) await waitForSystemWorkloads(session, session.deadline());
        return runChecks(session);
      })
    : { ok: false, checks: [{ name: 'kubeconfig', ok: false, detail: choice.missing ?? choice.label }] };
  return printReport(report, opts, io);
}

function printReport(report: VerifyReport, opts: { output?: string }, io: Io): number {
  if (opts.output === 'json') {
    io.out(JSON.stringify(report));
  } else {
    for (const c of report.checks) io.out(`${c.ok ? '✔' : '✘'} ${c.name}: ${c.detail}`);
    io.out(report.ok ? 'All checks passed.' : `${report.checks.filter((c) => !c.ok).length} check(s) failed.`);
  }
  return report.ok ? 0 : 1;
}

async function withKubeconfigCheck(choice: KubeconfigChoice, run: () => Promise<VerifyReport>): Promise<VerifyReport> {
  const report = await run();
  return { ok: report.ok, checks: [{ name: 'kubeconfig', ok: true, detail: choice.label }, ...report.checks] };
}
