/**
 * `kubestrap reset`: tear this node down cleanly. kubeadm reset, then what it
 * leaves behind: iptables rules, IPVS tables, CNI config and links, the
 * kubeconfig kubestrap installed, and kubestrap's own state.
 */
import os from 'node:os';
import type { Io } from '../io.js';
import { confirm } from '../io.js';
import { UserError } from '../errors.js';
import { formatArgv } from '../exec/runner.js';
import { hostPaths } from '../host/paths.js';
import type { IptablesMode } from '../reset/network.js';
import { describeResetStep, planReset } from '../reset/plan.js';
import { runReset } from '../reset/run.js';
import { LocalHost } from '../host/access.js';
import { isKubeadmNode } from '../host/kubeadm-node.js';
import { invokingUser, openHost } from '../session/open.js';

export interface ResetOptions {
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  iptables?: string;
  quiet?: boolean;
  config?: string;
  inventory?: string;
}

export async function resetCommand(
  opts: ResetOptions,
  io: Io,
  signal: AbortSignal,
  alreadyConfirmed = false,
): Promise<number> {
  const mode = (opts.iptables ?? 'all') as IptablesMode;
  if (mode !== 'all' && mode !== 'kube-only')
    throw new UserError(`unknown mode "${opts.iptables}"; use all or kube-only`, undefined, '--iptables');
  if (opts.inventory !== undefined) {
    const { resetInventory } = await import('../multinode/reset.js');
    return resetInventory({ ...opts, inventory: opts.inventory }, mode, io, signal);
  }
  const paths = hostPaths();
  const host = new LocalHost(paths);
  if (!(await isKubeadmNode(host)) && !opts.force) {
    const why = 'this host does not look like a kubeadm node (no /etc/kubernetes/kubelet.conf, no kubestrap state)';
    // A dry run is for looking: it says what a real run would refuse, and still shows the plan.
    if (!opts.dryRun) throw new UserError(`${why}; pass --force to clean it anyway`);
    io.err(`note: ${why}: a real reset refuses without --force`);
  }
  const { runner } = openHost({ log: true, dryRun: opts.dryRun }, io);
  const plan = await planReset(runner, host, mode, await invokingUser(runner));

  if (opts.dryRun) {
    io.out(`kubestrap reset would run on ${os.hostname()}:`);
    for (const s of plan) io.out(`  ${describeResetStep(s)}`);
    return 0;
  }
  if (!alreadyConfirmed && !opts.yes) {
    if (!io.tty)
      throw new UserError("reset destroys this node's cluster; pass --yes to confirm when not on a terminal");
    io.err(
      `This tears down the Kubernetes node on ${os.hostname()}:\n${plan.map((s) => `  ${formatArgv(s.argv)}`).join('\n')}`,
    );
    if (!(await confirm(io, 'Reset this node?'))) {
      io.err('Nothing changed.');
      return 1;
    }
  }
  await runReset(runner, paths, plan, io, { quiet: opts.quiet, signal });
  if (!opts.quiet) io.err('Node reset. `sudo kubestrap up` builds it again.');
  return 0;
}
