/** Carrying out `kubestrap reset`'s plan (plan.ts). */
import { formatArgv, type Runner } from '../exec/runner.js';
import { acquireLock } from '../host/lock.js';
import type { HostPaths } from '../host/paths.js';
import type { Io } from '../io.js';
import { runNetworkCleanup, type NetworkPlanStep } from './network.js';

/**
 * Runs the reset plan under kubestrap's lock on the node, each step shown unless
 * `quiet`. The lock lives in the state directory, so it is given up just before that
 * directory goes.
 */
export async function runReset(
  runner: Runner,
  paths: HostPaths,
  plan: NetworkPlanStep[],
  io: Io,
  opts: { quiet?: boolean; signal?: AbortSignal },
): Promise<void> {
  const release = acquireLock(paths.stateDir);
  let released = false;
  try {
    for (const s of plan) {
      if (!opts.quiet) io.err(`→ ${formatArgv(s.argv)}`);
      if (s.argv[0] === 'rm' && s.argv.includes(paths.stateDir)) {
        release();
        released = true;
      }
      await runNetworkCleanup(runner, [s], opts.signal);
    }
  } finally {
    if (!released) release();
  }
}
