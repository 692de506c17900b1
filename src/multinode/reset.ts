/**
 * `kubestrap reset -i`: every host of the inventory torn down as `reset` tears down one,
 * one host at a time: workers first, then the control planes, the first (which ran
 * kubeadm init) last, so etcd loses one member at a time. Teardown is quick; one at a
 * time keeps the output readable and the order certain. A host that cannot be reached
 * or fails is reported; the others are still reset.
 */
import { UserError } from '../errors.js';
import { CommandError, DryRunRunner, formatArgv, Interrupted } from '../exec/runner.js';
import { isKubeadmNode } from '../host/kubeadm-node.js';
import { confirm, type Io } from '../io.js';
import { describeResetStep, planReset } from '../reset/plan.js';
import { type IptablesMode, runNetworkCleanup } from '../reset/network.js';
import { hostIo } from './cluster.js';
import { failureOf, openInventory, type HostRun } from './up.js';

export interface InventoryResetOptions {
  config?: string;
  inventory: string;
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  quiet?: boolean;
}

/** `mode` is --iptables as `reset` checked it. */
export async function resetInventory(
  opts: InventoryResetOptions,
  mode: IptablesMode,
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  if (!opts.dryRun && !opts.yes) {
    if (!io.tty)
      throw new UserError(
        `reset -i destroys the cluster on every host of ${opts.inventory}; pass --yes to confirm when not on a terminal`,
      );
    if (!(await confirm(io, `Reset every host of ${opts.inventory}?`))) {
      io.err('Nothing changed.');
      return 1;
    }
  }
  const session = await openInventory(opts, io, signal, !opts.dryRun);
  try {
    const runs = session.runs;
    const controlPlanes = runs.filter((r) => r.spec.role === 'control-plane').reverse();
    const workers = runs.filter((r) => r.spec.role === 'worker');
    for (const r of [...workers, ...controlPlanes]) await resetHost(r, opts, mode, io, signal);
    const failed = runs.filter((r) => r.failure);
    if (failed.length === 0) {
      if (!opts.dryRun)
        io.err(`Every host of ${opts.inventory} is reset. \`kubestrap up -i\` builds the cluster again.`);
      return 0;
    }
    io.err('Not every host was reset:');
    for (const r of failed) io.err(`  ✗ ${r.spec.name}: ${r.failure!.step}: ${r.failure!.message.split('\n')[0]}`);
    return 1;
  } finally {
    await session.connections.close();
  }
}

async function resetHost(
  run: HostRun,
  opts: InventoryResetOptions,
  mode: IptablesMode,
  io: Io,
  signal: AbortSignal,
): Promise<void> {
  if (run.failure || !run.ctx || !run.conn) return;
  const out = hostIo(io, run.spec.name);
  try {
    if (!(await isKubeadmNode(run.ctx.host)) && !opts.force) {
      out.err('not a kubeadm node (no kubelet.conf, no kubestrap state): nothing to reset');
      return;
    }
    const runner = opts.dryRun ? new DryRunRunner(run.conn.runner) : run.conn.runner;
    const plan = await planReset(runner, run.ctx.host, mode, run.conn.user);
    if (opts.dryRun) {
      io.out(`kubestrap reset would run on ${run.spec.name}:`);
      for (const s of plan) io.out(`  ${describeResetStep(s)}`);
      return;
    }
    for (const s of plan) {
      if (!opts.quiet) out.err(`→ ${formatArgv(s.argv)}`);
      await runNetworkCleanup(runner, [s], signal);
    }
    if (!opts.quiet) out.err('reset');
  } catch (e) {
    if (e instanceof Interrupted) throw e;
    run.failure = e instanceof CommandError ? { step: 'reset', message: e.message } : failureOf(e, 'reset');
    out.err(`reset: FAILED\n  ${run.failure.message}`);
  }
}
