/**
 * A patch release that does not exist renders fine and then fails at `kubeadm init`
 * (no images to pull), so kubestrap warns (stderr, exit 0) when kubernetesVersion's patch
 * is newer than the newest patch it knows for that minor.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NEWEST_KNOWN_PATCH, patchWarning, supportedMinors, parseKubeVersion } from '../../src/versions.js';
import { runCli } from '../helpers/cli.js';

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('every supported minor has a newest known patch with its source', (t) => {
  for (const minor of supportedMinors()) {
    const known = NEWEST_KNOWN_PATCH[minor];
    t.truthy(known, `v1.${minor}`);
    t.true(Number.isInteger(known.patch) && known.patch >= 0, `v1.${minor}`);
    t.regex(
      known.source,
      /data\/releases\/eol\.yaml|k8s\.io\/kubectl v0\.\d+\.\d+ on the Go module proxy/,
      `v1.${minor}`,
    );
  }
});

test('the newest known patch and older ones pass quietly; a newer one warns', (t) => {
  t.is(patchWarning(parseKubeVersion('v1.24.17')!), undefined);
  t.is(patchWarning(parseKubeVersion('v1.24.0')!), undefined);
  t.regex(patchWarning(parseKubeVersion('v1.24.99')!)!, /v1\.24\.99 is newer than v1\.24\.17/);
});

test('render with v1.24.99 warns on stderr naming the file and field, and still renders (exit 0)', async (t) => {
  const dir = scratch(t);
  writeFileSync(path.join(dir, 'cluster.yaml'), 'kubernetesVersion: v1.24.99\n');
  const r = await runCli(['render', '-o', 'out'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(
    r.stderr,
    /^warning: cluster\.yaml: kubernetesVersion: v1\.24\.99 is newer than v1\.24\.17, the newest v1\.24 patch kubestrap knows .*kubeadm init would fail to pull its images/m,
  );
  t.regex(r.stdout, /out\/kubeadm-config\.yaml/);
});

test('render with a known patch prints no warning', async (t) => {
  const dir = scratch(t);
  writeFileSync(path.join(dir, 'cluster.yaml'), 'kubernetesVersion: v1.31.4\n');
  const r = await runCli(['render', '-o', 'out'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.notRegex(r.stderr, /warning/);
});

test('init --kubernetes-version with an unknown patch warns too, and writes the file', async (t) => {
  const dir = scratch(t);
  const r = await runCli(['init', '--kubernetes-version', 'v1.37.9', '-o', 'c.yaml'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /^warning: --kubernetes-version: v1\.37\.9 is newer than v1\.37\.\d+/m);
});
