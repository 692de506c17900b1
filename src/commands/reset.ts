/**
 * `kubestrap reset`: tear this node down cleanly. kubeadm reset, then what it
 * leaves behind: iptables rules, IPVS tables, CNI config and links, the
 * kubeconfig kubestrap installed, and kubestrap's own state.
 */
import os from 'node:os';
import path from 'node:path';
import type { Io } from '../io.js';
import { confirm } from '../io.js';
import { UserError } from '../errors.js';
import { NO_LOG, openLog } from '../exec/log.js';
import { DryRunRunner, ExecaRunner, formatArgv, type Runner } from '../exec/runner.js';
import { hostPaths } from '../host/paths.js';
import { planNetworkCleanup, runNetworkCleanup, type IptablesMode, type NetworkPlanStep } from '../reset/network.js';
import { acquireLock } from '../workflow/lock.js';
import { LocalHost, type HostAccess } from '../host/access.js';
import { isKubeadmNode } from '../host/kubeadm-node.js';
import { invokingUser, type InvokingUser } from '../context.js';
import { criSocket, criSocketFlagNeeded } from '../versions.js';

export interface ResetOptions {
  yes?: boolean;
  dryRun?: boolean;
  force?: boolean;
  iptables?: string;
  quiet?: boolean;
  config?: string;
  inventory?: string;
}

/**
 * The kubeconfig `up` installed, if it is still exactly that: `~/.kube/config` of
 * the user who runs reset, a regular file (not a link), with admin.conf's content.
 * A file the user edited since, a link (or a linked .kube), or any other path is theirs and stays;
 * nothing the state file says is trusted for this.
 */
export async function installedKubeconfig(host: HostAccess, user: InvokingUser): Promise<string | undefined> {
  const paths = host.paths;
  const file = paths.at(path.posix.join(user.home, '.kube', 'config'));
  // No link anywhere kubestrap put it: not the file, not the .kube folder up created.
  for (const p of [path.dirname(file), file, paths.adminConf]) if (await host.isSymlink(p)) return undefined;
  const [mine, admin] = await Promise.all([
    host.readText(file).catch(() => undefined),
    host.readText(paths.adminConf).catch(() => undefined),
  ]);
  return mine !== undefined && admin !== undefined && mine === admin ? file : undefined;
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

/** A step of the plan as a dry run shows it: iptables-restore's input is described, not dumped. */
export function describeResetStep(s: NetworkPlanStep): string {
  return `${formatArgv(s.argv)}${s.input !== undefined ? ' < (the current rules without the chains of kube-proxy, the kubelet, flannel and the CNI plugins, and the rules jumping to them)' : ''}`;
}

export async function planReset(
  runner: Runner,
  host: HostAccess,
  mode: IptablesMode,
  user: InvokingUser,
): Promise<NetworkPlanStep[]> {
  const paths = host.paths;
  const plan: NetworkPlanStep[] = [];
  // Decided before kubeadm reset, which deletes admin.conf.
  const kubeconfig = await installedKubeconfig(host, user);
  const kubeadm = await runner.run('kubeadm', ['version', '-o', 'short'], { allowFailure: true });
  if (kubeadm.exitCode !== 127) plan.push({ argv: ['kubeadm', 'reset', '-f', ...criSocketFlag(kubeadm.stdout)] });
  plan.push(...(await planNetworkCleanup(runner, mode)));
  // kubeadm reset says itself that it leaves these (test/sim/REAL-OUTPUTS.md §2); fixed paths, kubestrap's state last.
  const leftovers: string[] = [];
  for (const p of [...['/etc/cni/net.d', '/var/lib/cni'].map((p) => paths.at(p)), paths.stateDir])
    if (await host.exists(p)) leftovers.push(p);
  if (kubeconfig) plan.push({ argv: ['rm', '-f', '--', kubeconfig] });
  if (leftovers.length) plan.push({ argv: ['rm', '-rf', '--one-file-system', '--', ...leftovers] });
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
  if (opts.inventory !== undefined) {
    const { resetInventory } = await import('../multinode/reset.js');
    return resetInventory({ ...opts, inventory: opts.inventory }, mode, io, signal);
  }
  const paths = hostPaths();
  if (!(await isKubeadmNode(new LocalHost(paths))) && !opts.force) {
    const why = 'this host does not look like a kubeadm node (no /etc/kubernetes/kubelet.conf, no kubestrap state)';
    // A dry run is for looking: it says what a real run would refuse, and still shows the plan.
    if (!opts.dryRun) throw new UserError(`${why}; pass --force to clean it anyway`);
    io.err(`note: ${why}: a real reset refuses without --force`);
  }
  const base = new ExecaRunner(opts.dryRun ? NO_LOG : openLog(paths.logFile, io));
  const runner = opts.dryRun ? new DryRunRunner(base) : base;
  const plan = await planReset(runner, new LocalHost(paths), mode, await invokingUser(runner));

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
