/**
 * The ava wrappers that register the real tier's tests: run them, skip them with the reason
 * (no Go, no etcd: a newcomer still gets a green run), or, with KUBESTRAP_REAL_REQUIRED=1
 * (CI), fail them with that reason instead.
 */
import test, { type ExecutionContext } from 'ava';
import { type Ready, tierState } from './tier-state.js';

export type { Ready };

const required = process.env.KUBESTRAP_REAL_REQUIRED === '1';

/**
 * Registers the serial tests of one version. When the tier cannot run, every title is still
 * registered (so the count does not change), skipped, and the first says why; under
 * KUBESTRAP_REAL_REQUIRED=1 they fail with the reason.
 */
export function realSuite(version: string) {
  const state = tierState(version);
  let first = true;
  const register = (title: string, fn: (t: ExecutionContext, ready: Ready) => Promise<void> | void) => {
    const full = `real › ${version} › ${title}`;
    if (state.ok) {
      test.serial(full, (t) => fn(t, state));
      return;
    }
    const reason = state.reason;
    if (required || reason.startsWith('build failed')) {
      test.serial(full, (t) => {
        t.fail(`the real tier cannot run: ${reason}`);
      });
      return;
    }
    test.skip(first ? `${full} (skipped: ${reason})` : full, () => {});
    first = false;
  };
  return { state, test: register };
}
