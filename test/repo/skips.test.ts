/**
 * A test that needs a program the machine lacks is skipped with the reason in its title,
 * and scripts/test.mjs lists the skips; under CI=true each of them fails instead, because
 * .ci/run installs everything the tests need. Shown on the kubectl decode tests with the
 * kubectl builds pointed at an empty folder.
 */
import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

async function runSuite(t: { teardown(fn: () => void): void }, ci: boolean) {
  const empty = mkdtempSync(path.join(tmpdir(), 'ks-nokubectl-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  const env: Record<string, string> = {
    KUBESTRAP_KUBECTL_SDK_DIR: empty,
    KUBESTRAP_REAL_CACHE: empty,
    CI: ci ? 'true' : '',
  };
  return execa('node', ['scripts/test.mjs', 'test/render/kubectl-decode.test.ts'], { env, reject: false });
}

test('without the kubectl builds the tests are skipped, and the runner lists each with why', async (t) => {
  const r = await runSuite(t, false);
  t.is(r.exitCode, 0, r.stdout);
  const lines = String(r.stdout).trimEnd().split('\n');
  t.is(lines.at(-1), '0 passed, 0 failed, 3 skipped');
  t.true(lines.includes('3 skipped:'), r.stdout);
  t.is(
    lines.filter((l) => /^ {2}- .*\[skipped: kubectl v1\.24\.17, kubectl v1\.37\.2 not built yet/.test(l)).length,
    3,
  );
});

test('under CI=true the same missing builds fail the run', async (t) => {
  const r = await runSuite(t, true);
  t.is(r.exitCode, 1);
  t.is(String(r.stdout).trimEnd().split('\n').at(-1), '0 passed, 3 failed');
  // The TAP diagnostics fold long messages, anywhere between words.
  t.regex(String(r.stdout), /CI\s+must\s+have\s+it\s+\(\.ci\/run\s+installs\s+it\)/);
});
