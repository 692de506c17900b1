/**
 * What `kubestrap reset` does on this node, in order: kubeadm reset, then what it leaves
 * behind (iptables rules, IPVS tables, CNI config and links), the kubeconfig kubestrap
 * installed, and kubestrap's own state. Planned from read-only probes, so a dry run and
 * the confirmation show exactly the commands a real run makes.
 */
import path from 'node:path';
import { formatArgv, type Runner } from '../exec/runner.js';
import type { HostAccess } from '../host/access.js';
import type { InvokingUser } from '../session/context.js';
import { criSocket, criSocketFlagNeeded } from '../versions.js';
import { planNetworkCleanup, type IptablesMode, type NetworkPlanStep } from './network.js';

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
