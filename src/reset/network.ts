/**
 * What `kubeadm reset` leaves in the network: iptables and ip6tables rules of
 * kube-proxy and flannel, IPVS tables, and the cni0 / flannel.1 links whose
 * stale addresses break the next cluster (kubernetes#39557, kubeadm#2795).
 *
 * Two ways to clean iptables:
 *  - `all` (default): every rule of the filter, nat and mangle tables. The
 *    filter chains' policies are set to ACCEPT first: flushing under a DROP
 *    policy locks you out of SSH (kubespray#5812).
 *  - `kube-only`: only the chains kube-proxy, the kubelet, flannel and the CNI
 *    plugins create, by exact name (kube-chains.ts), and the rules that jump to
 *    them; every other rule, chain and policy stays (iptables-dump.ts).
 */
import type { Runner } from '../exec/runner.js';
import { withoutKubeRules } from './iptables-dump.js';

export type IptablesMode = 'all' | 'kube-only';

export const TABLES = ['filter', 'nat', 'mangle'] as const;
const FILTER_CHAINS = ['INPUT', 'FORWARD', 'OUTPUT'];
/** Links a kubeadm + flannel node creates (kube-ipvs0 in IPVS mode). */
export const CNI_LINKS = ['cni0', 'flannel.1', 'flannel-v6.1', 'flannel-wg', 'flannel-wg-v6', 'kube-ipvs0'];

export interface NetworkPlanStep {
  argv: string[];
  /** Text fed on stdin (iptables-restore). */
  input?: string;
}

/** Is the program there? A missing ip6tables or ipvsadm is not an error. */
async function has(runner: Runner, file: string, args: string[]): Promise<boolean> {
  const r = await runner.run(file, args, { allowFailure: true });
  return r.exitCode !== 127;
}

/** The commands that clean the network, computed from what is there now (read-only probes). */
export async function planNetworkCleanup(runner: Runner, mode: IptablesMode): Promise<NetworkPlanStep[]> {
  const plan: NetworkPlanStep[] = [];
  for (const tool of ['iptables', 'ip6tables']) {
    if (!(await has(runner, tool, ['--version']))) continue;
    if (mode === 'all') {
      for (const chain of FILTER_CHAINS) plan.push({ argv: [tool, '-t', 'filter', '-P', chain, 'ACCEPT'] });
      for (const table of TABLES) {
        plan.push({ argv: [tool, '-t', table, '-F'] });
        plan.push({ argv: [tool, '-t', table, '-X'] });
      }
    } else {
      const save = await runner.run(`${tool}-save`, [], { allowFailure: true });
      if (save.exitCode !== 0) continue;
      const kept = withoutKubeRules(save.stdout);
      if (kept !== save.stdout) plan.push({ argv: [`${tool}-restore`], input: kept });
    }
  }
  if (await has(runner, 'ipvsadm', ['--version'])) plan.push({ argv: ['ipvsadm', '--clear'] });
  const links = await runner.run('ip', ['-o', 'link', 'show'], { allowFailure: true });
  for (const name of presentLinks(links.stdout)) plan.push({ argv: ['ip', 'link', 'delete', name] });
  return plan;
}

/** Names among CNI_LINKS in `ip -o link show` output (`5: cni0: <...>` or `6: flannel.1@NONE: ...`). */
export function presentLinks(ipOutput: string): string[] {
  const names = new Set(
    ipOutput
      .split('\n')
      .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined),
  );
  return CNI_LINKS.filter((n) => names.has(n));
}

export async function runNetworkCleanup(runner: Runner, plan: NetworkPlanStep[], signal?: AbortSignal): Promise<void> {
  for (const step of plan) {
    await runner.run(step.argv[0], step.argv.slice(1), { mutates: true, input: step.input, signal });
  }
}
