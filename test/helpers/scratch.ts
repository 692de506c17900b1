/**
 * Scratch directories and cleanups for tests, so a test removes what it creates on
 * failure too: with `t`, when that test ends (t.teardown runs whether it passed, failed or
 * threw); always, at the latest, when the test process exits. scripts/test.mjs checks that
 * nothing is left after the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

const pending = new Set<() => void>();
process.on('exit', () => {
  for (const fn of pending) {
    try {
      fn();
    } catch {
      // Exiting anyway: the run's own check reports whatever is left.
    }
  }
});

/**
 * Runs `fn` when `t`'s test ends (or, without `t`, when the process exits), once.
 * Returns a function that runs it now instead.
 */
export function onCleanup(fn: () => void, t?: Teardown): () => void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    pending.delete(once);
    fn();
  };
  pending.add(once);
  t?.teardown(once);
  return once;
}

/** A fresh directory under the OS temp dir (`PREFIX-xxxxxx`), removed as onCleanup says. */
export function scratchDir(prefix: string, t?: Teardown): string {
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }), t);
  return dir;
}
