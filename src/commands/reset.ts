/**
 * `kubestrap reset`: tear this node down cleanly. kubeadm reset, then what it
 * leaves behind: iptables rules, IPVS tables, CNI config and links, the
 * kubeconfig kubestrap installed, and kubestrap's own state.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import type { Io } from '../io.js';
import { confirm } from '../io.js';
import { UserError } from '../errors.js';
import { FileLog } from '../exec/log.js';
import { DryRunRunner, ExecaRunner, formatArgv, type Runner } from '../exec/runner.js';
import { hostPaths, type HostPaths } from '../host/paths.js';
import { planNetworkCleanup, runNetworkCleanup, type IptablesMode, type NetworkPlanStep } from '../reset/network.js';
import { acquireLock } from '../workflow/lock.js';
import { installedKubeconfig } from './up.js';
import { criSocket, criSocketFlagNeeded } from '../versions.js';

export interface ResetOptions {
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  iptables?: string;
  quiet?: boolean;
}

/** Is this a node kubeadm set up (or kubestrap started to)? */
export function isKubeadmNode(paths: HostPaths): boolean {
  return [
    '/etc/kubernetes/kubelet.conf',
    '/etc/kubernetes/admin.conf',
    '/etc/kubernetes/manifests',
    '/var/lib/kubestrap/state.json',
  ].some((p) => existsSync(paths.at(p)));
}

/**
 * kubeadm before 1.24 picks the runtime from the sockets it finds: Docker's counts, and
 * with two it refuses ("Found multiple CRI sockets"); 1.11-1.13 assume Docker. Name
 * containerd's, as `up` did.
 */
function criSocketFlag(kubeadmVersion: string): string[] {
  const m = /v?1\.(\d+)\.\d+/.exec(kubeadmVersion);
  const minor = m ? Number(m[1]) : undefined;
  return minor !== undefined && criSocketFlagNeeded(minor) ? ['--cri-socket', criSocket(minor)] : [];
}

export async function planReset(runner: Runner, paths: HostPaths, mode: IptablesMode): Promise<NetworkPlanStep[]> {
  const plan: NetworkPlanStep[] = [];
  const kubeadm = await runner.run('kubeadm', ['version', '-o', 'short'], { allowFailure: true });
  if (kubeadm.exitCode !== 127) plan.push({ argv: ['kubeadm', 'reset', '-f', ...criSocketFlag(kubeadm.stdout)] });
  plan.push(...(await planNetworkCleanup(runner, mode)));
  // kubeadm reset says itself that it leaves these (REAL-OUTPUTS.md §2).
  const leftovers = ['/etc/cni/net.d', '/var/lib/cni'].map((p) => paths.at(p)).filter((p) => existsSync(p));
  const kubeconfig = installedKubeconfig(paths.stateFile);
  if (kubeconfig && existsSync(kubeconfig)) leftovers.push(kubeconfig);
  if (existsSync(paths.stateDir)) leftovers.push(paths.stateDir);
  if (leftovers.length) plan.push({ argv: ['rm', '-rf', '--one-file-system', ...leftovers] });
  return plan;
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
  const paths = hostPaths();
  if (!isKubeadmNode(paths) && !opts.force) {
    throw new UserError(
      `this host does not look like a kubeadm node (no /etc/kubernetes/kubelet.conf, no kubestrap state); pass --force to clean it anyway`,
    );
  }
  const base = new ExecaRunner(opts.dryRun ? { write() {}, output() {} } : new FileLog(paths.logFile));
  const runner = opts.dryRun ? new DryRunRunner(base) : base;
  const plan = await planReset(runner, paths, mode);

  if (opts.dryRun) {
    io.out(`kubestrap reset would run on ${os.hostname()}:`);
    for (const s of plan)
      io.out(
        `  ${formatArgv(s.argv)}${s.input !== undefined ? ' < (the current rules without KUBE-, CNI- and FLANNEL ones)' : ''}`,
      );
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
  const release = acquireLock(paths.stateDir);
  let released = false;
  try {
    for (const s of plan) {
      if (!opts.quiet) io.err(`→ ${formatArgv(s.argv)}`);
      if (s.argv[0] === 'rm' && s.argv.includes(paths.stateDir)) {
        // The lock lives in the state directory: give it up before removing it.
        release();
        released = true;
      }
      await runNetworkCleanup(runner, [s], signal);
    }
  } finally {
    if (!released) release();
  }
  if (!opts.quiet) io.err('Node reset. `sudo kubestrap up` builds it again.');
  return 0;
}
