/**
 * waitFor: the only timer in kubestrap's logic. A condition is probed, then
 * probed again after a growing pause, until it holds, the deadline passes, or
 * the user interrupts. Waits that kubectl can do itself (`kubectl wait`,
 * `rollout status`) are handed to kubectl instead, which watches the API.
 */
import { Interrupted } from './runner.js';

export interface Deadline {
  /** Epoch milliseconds. */
  at: number;
}

export function deadlineIn(seconds: number): Deadline {
  return { at: Date.now() + seconds * 1000 };
}

/** Whole seconds left, at least 1: for kubectl --timeout flags. */
export function secondsLeft(d: Deadline): number {
  return Math.max(1, Math.ceil((d.at - Date.now()) / 1000));
}

export class TimeoutError extends Error {
  constructor(what: string) {
    super(`timed out waiting for ${what}`);
    this.name = 'TimeoutError';
  }
}

export interface WaitOptions {
  what: string;
  signal?: AbortSignal;
  /** First pause between probes; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** Resolves with the first value `probe` returns that is not undefined. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  deadline: Deadline,
  opts: WaitOptions,
): Promise<T> {
  let delay = opts.minDelayMs ?? 100;
  const max = opts.maxDelayMs ?? 2000;
  for (;;) {
    if (opts.signal?.aborted) throw new Interrupted();
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline.at - Date.now();
    if (left <= 0) throw new TimeoutError(opts.what);
    await sleep(Math.min(delay, left), opts.signal);
    delay = Math.min(delay * 2, max);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Interrupted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
