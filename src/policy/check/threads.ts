/** How many threads `policy check` may use (parallel.ts). */
import { availableParallelism } from 'node:os';
import { UserError } from '../../errors.js';

const MAX_THREADS = 64;

/** Threads to use: KUBESTRAP_THREADS, or one per core (at most 8). */
export function threadsFrom(env: NodeJS.ProcessEnv): number {
  const given = env.KUBESTRAP_THREADS;
  if (given === undefined || given === '') return Math.min(availableParallelism(), 8);
  const n = Number(given);
  if (!/^\d+$/.test(given) || n < 1 || n > MAX_THREADS)
    throw new UserError(
      `KUBESTRAP_THREADS must be a whole number from 1 to ${MAX_THREADS}, not ${JSON.stringify(given)}`,
    );
  return n;
}
