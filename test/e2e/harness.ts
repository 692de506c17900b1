/**
 * Runs the built kubestrap CLI against a simulated node, as `sudo kubestrap
 * ...` would run on a real host: the fakes first on PATH, the node's root as
 * KUBESTRAP_ROOT, a working directory with the cluster config.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSimNode, type SimNode, type SimNodeOptions } from '../sim/install.js';
import type { CallRecord } from '../sim/types.js';
import { CLI } from '../helpers/cli.js';
import { onCleanup } from '../helpers/scratch.js';

export interface Lab {
  node: SimNode;
  dir: string;
  /** Runs `kubestrap ARGS` in the lab directory; never throws on a non-zero exit. */
  kubestrap(
    args: string[],
    opts?: { input?: string; env?: Record<string, string> },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Starts `kubestrap ARGS` without waiting (for kill tests). */
  spawn(args: string[]): ResultPromise;
  /** Calls of the fakes made since `mark` (or all). */
  callsSince(mark?: number): CallRecord[];
  mark(): number;
  /**
   * Resolves with the first fake call (made after `mark`) that `match` accepts, as soon as
   * the node logs it; rejects with the calls seen so far if none comes within `ms`.
   */
  waitForCall(match: (c: CallRecord) => boolean, opts?: { mark?: number; ms?: number }): Promise<CallRecord>;
  /** Resolves once `cond` holds, rechecked on every change of the node; rejects after `ms`. */
  waitUntil(cond: () => boolean, ms?: number): Promise<void>;
  /** Removes the node and the lab directory (register it with t.teardown). */
  cleanup(): void;
}

/**
 * A simulated node with a cluster config in a lab directory. Pass the test (`opts.teardown:
 * t`) to have it cleaned up when the test ends, pass or fail; without it the test calls
 * cleanup(), and the test process's exit removes whatever is left.
 */
export async function lab(config: string, opts: SimNodeOptions = {}): Promise<Lab> {
  const node = await createSimNode({ ...opts, host: { brNetfilter: true, ipForward: true, ...opts.host } });
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-e2e-'));
  // kubestrap processes still running at cleanup (a test that failed mid-way, a spawned
  // run never awaited) are killed first, so they cannot start fakes on a removed node.
  const running = new Set<ResultPromise>();
  const track = (p: ResultPromise) => {
    running.add(p);
    p.finally(() => running.delete(p)).catch(() => {});
    return p;
  };
  const cleanup = onCleanup(() => {
    for (const p of running) p.kill('SIGKILL');
    node.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }, opts.teardown);
  writeFileSync(path.join(dir, 'cluster.yaml'), config);
  // KUBECONFIG from the shell running the tests must not steer kubestrap (an empty one is unset).
  const env = { ...node.env, SUDO_USER: '', KUBECONFIG: '' };
  const waitUntil = (cond: () => boolean, ms = 120_000): Promise<void> => {
    // Every change of the node shows in its directory: the fakes append to the call log
    // and replace the state file. Each one is a chance for the condition to hold.
    return new Promise<void>((resolve, reject) => {
      const watcher = watch(path.dirname(node.statePath), () => {
        if (cond()) done(resolve);
      });
      const timer = setTimeout(() => done(() => reject(new Error(`the condition did not hold within ${ms} ms`))), ms);
      function done(f: () => void) {
        watcher.close();
        clearTimeout(timer);
        f();
      }
      if (cond()) done(resolve);
    });
  };

  return {
    node,
    dir,
    async kubestrap(args, o = {}) {
      const r = await track(
        execa('node', [CLI, ...args], {
          cwd: dir,
          env: { ...env, ...o.env },
          input: o.input ?? '',
          reject: false,
          // Generous: a second `up` on a loaded machine can take minutes. A run that hangs
          // is still ended, by this or by ava's own timeout, and cleanup kills what is left.
          timeout: 600_000,
        }),
      );
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    spawn(args) {
      return track(execa('node', [CLI, ...args], { cwd: dir, env, reject: false }));
    },
    callsSince(mark = 0) {
      return node.calls().slice(mark);
    },
    mark() {
      return node.calls().length;
    },
    waitUntil,
    async waitForCall(match, o = {}) {
      const mark = o.mark ?? 0;
      const look = () => node.calls().slice(mark).find(match);
      try {
        await waitUntil(() => look() !== undefined, o.ms);
      } catch {
        const seen = node
          .calls()
          .slice(mark)
          .map((c) => `${c.tool} ${c.argv.join(' ')}`);
        throw new Error(`no matching call within ${o.ms ?? 120_000} ms; calls so far:\n${seen.join('\n')}`);
      }
      return look()!;
    },
    cleanup,
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
