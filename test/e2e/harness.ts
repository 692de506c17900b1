/**
 * Runs the built kubestrap CLI against a simulated node, as `sudo kubestrap
 * ...` would run on a real host: the fakes first on PATH, the node's root as
 * KUBESTRAP_ROOT, a working directory with the cluster config.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSimNode, type SimNode, type SimNodeOptions } from '../sim/install.js';
import { CLI } from '../helpers/cli.js';

export interface Lab {
  node: SimNode;
  dir: string;
  /** Runs `kubestrap ARGS` in the lab directory; never throws on a non-zero exit. */
  kubestrap(args: string[], opts?: { input?: string }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Starts `kubestrap ARGS` without waiting (for kill tests). */
  spawn(args: string[]): ResultPromise;
  /** Calls of the fakes made since `mark` (or all). */
  callsSince(
    mark?: number,
  ): { tool: string; argv: string[]; exitCode: number | null; start: number; end: number | null }[];
  mark(): number;
}

export async function lab(config: string, opts: SimNodeOptions = {}): Promise<Lab> {
  const node = await createSimNode({ ...opts, host: { brNetfilter: true, ipForward: true, ...opts.host } });
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-e2e-'));
  writeFileSync(path.join(dir, 'cluster.yaml'), config);
  const env = { ...node.env, SUDO_USER: '' };
  return {
    node,
    dir,
    async kubestrap(args, o = {}) {
      const r = await execa('node', [CLI, ...args], {
        cwd: dir,
        env,
        input: o.input ?? '',
        reject: false,
        timeout: 120_000,
      });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    spawn(args) {
      return execa('node', [CLI, ...args], { cwd: dir, env, reject: false });
    },
    callsSince(mark = 0) {
      return node.calls().slice(mark);
    },
    mark() {
      return node.calls().length;
    },
  };
}

/** Mutating calls among the fakes' calls: what changed the node or the cluster. */
export function mutations(calls: { tool: string; argv: string[] }[]): string[] {
  return calls
    .map((c) => [c.tool, ...c.argv].join(' '))
    .filter((c) =>
      /^kubeadm (init|reset|join|token create)|^kubectl .* (apply|taint|delete|patch|create(?! --dry-run))|^(swapoff|modprobe|tee)|sysctl -w|systemctl (enable|start|stop|restart)|ip6?tables.* -[FXPD]|-restore|^ip link delete|^apt-get (update|install)|^apt-mark (hold|unhold)|^curl .* -o /.test(
        c,
      ),
    );
}

export function stepNames(jsonOut: string): string[] {
  return (JSON.parse(jsonOut) as { steps: { name: string }[] }).steps.map((s) => s.name);
}
