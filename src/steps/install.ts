/**
 * The install step, first in `up` and `join`: containerd configured for the kubelet,
 * kubeadm, kubelet and kubectl of the configured version from the pkgs.k8s.io
 * repository of its minor (held), the tools kubeadm's preflight looks for, and the
 * services enabled. Everything it reads and does goes through the runner; what it
 * would do is offered first (asked on a terminal, or --yes), never done silently.
 */
import type { Context } from '../session/context.js';
import { CommandError } from '../exec/runner.js';
import { formatArgv } from '../exec/runner.js';
import { readInstallFacts } from '../host/install-facts.js';
import { type InstallPlan, installQuery, planInstall } from '../host/install-plan.js';
import { askCri } from '../host/runtime.js';
import { confirm } from '../io.js';
import { criSocketUri } from '../versions.js';
import { StepFailed, type Step } from '../workflow/step.js';
import { waitFor } from '../exec/wait.js';

async function readInstallPlan(ctx: Pick<Context, 'runner' | 'host' | 'paths' | 'config'>): Promise<InstallPlan> {
  const minor = ctx.config.version.minor;
  const facts = await readInstallFacts(ctx.runner, ctx.host, installQuery(minor));
  return planInstall(facts, ctx.config.version, ctx.paths);
}

/**
 * The plan as the host stood when this run first asked: check, apply, plan, preview,
 * files and preflight's preview read the host once, since nothing changes it before
 * apply runs the plan; verify reads it again to see what apply did.
 */
const planned = new WeakMap<object, Promise<InstallPlan>>();
export function installPlanFor(ctx: Context): Promise<InstallPlan> {
  let p = planned.get(ctx);
  if (!p) {
    p = readInstallPlan(ctx);
    planned.set(ctx, p);
  }
  return p;
}

const nothingToDo = (plan: InstallPlan) => plan.actions.length === 0 && !plan.blocked;

const bullet = (lines: string[]) => lines.map((l) => `  - ${l}`).join('\n');

export function describeInstall(plan: InstallPlan): string {
  return `${bullet(plan.findings)}\n  kubestrap would run:\n${plan.actions.map((a) => `      ${formatArgv(a.argv)}`).join('\n')}`;
}

/** Runs the plan's commands, each as the runner's own call; apt's failures are explained. */
export async function runInstall(ctx: Pick<Context, 'runner' | 'signal' | 'config'>, plan: InstallPlan) {
  for (const a of plan.actions) {
    try {
      await ctx.runner.run(a.argv[0], a.argv.slice(1), { mutates: true, input: a.input, signal: ctx.signal });
    } catch (e) {
      if (e instanceof CommandError && a.argv.includes('apt-get') && a.argv.includes('install')) {
        throw new StepFailed(
          `installing the packages failed:\n${e.message}`,
          /Version '.*' for '(kubeadm|kubelet|kubectl)' was not found/.test(e.result.stderr)
            ? `is ${ctx.config.version.text} a released patch? \`apt-cache madison kubeadm\` lists the versions pkgs.k8s.io has for v1.${ctx.config.version.minor}`
            : 'the full output is in /var/log/kubestrap.log; fix the cause (network, a held package, a broken dpkg state) and run kubestrap again',
        );
      }
      throw e;
    }
  }
}

export const install: Step = {
  id: 'install',
  title: 'Install containerd and the Kubernetes packages',
  hostOnly: true,
  recheck: true,
  enabled: (ctx) => ctx.config.host.install,
  async plan(ctx) {
    const plan = await installPlanFor(ctx);
    if (plan.blocked) ctx.io.err(`install: ${plan.blocked}`);
    return plan.actions.map((a) => a.argv);
  },
  async preview(ctx) {
    const plan = await installPlanFor(ctx);
    const findings = plan.blocked ?? (plan.findings.length ? `this host lacks:\n${bullet(plan.findings)}` : undefined);
    return { commands: plan.actions.map((a) => a.argv), ...(findings ? { findings } : {}) };
  },
  async files(ctx) {
    return (await installPlanFor(ctx)).actions
      .filter((a) => a.file !== undefined)
      .map((a) => ({ path: a.file!, text: a.input ?? '' }));
  },
  async check(ctx) {
    return nothingToDo(await installPlanFor(ctx)) ? 'done' : 'pending';
  },
  async apply(ctx) {
    const plan = await installPlanFor(ctx);
    for (const n of plan.notes) ctx.io.err(`install: ${n}`);
    if (plan.blocked) {
      // Nothing can be installed here: preflight says exactly what is missing.
      ctx.io.err(`install: ${plan.blocked}`);
      return;
    }
    if (plan.actions.length === 0) return;
    ctx.io.err(`This host needs packages before kubeadm can run:\n${describeInstall(plan)}`);
    const go = ctx.yes || (ctx.interactive && (await confirm(ctx.io, 'Install them now?')));
    if (!go)
      throw new StepFailed(
        `nothing was installed; this host lacks:\n${bullet(plan.findings)}`,
        ctx.interactive
          ? 'answer yes to install them, install them yourself, or set host.install: false to skip this step'
          : 'there is no terminal to ask on: run `sudo kubestrap up --yes` to install them, install them yourself, or set host.install: false to skip this step',
      );
    await runInstall(ctx, plan);
  },
  async verify(ctx) {
    // Found in place by check: nothing was run, nothing to confirm.
    if (ctx.dryRun || nothingToDo(await installPlanFor(ctx))) return;
    const after = await readInstallPlan(ctx);
    if (after.blocked) return;
    if (after.actions.length > 0)
      throw new StepFailed(
        `after installing, the host still lacks:\n${bullet(after.findings)}`,
        'see /var/log/kubestrap.log for what apt and systemctl said',
      );
    const endpoint = criSocketUri(ctx.config.version.minor);
    await waitFor(async () => ((await askCri(ctx.runner, endpoint)).kind === 'ok' ? true : undefined), ctx.deadline(), {
      what: `containerd's CRI plugin at ${endpoint}`,
      signal: ctx.signal,
    });
  },
};
