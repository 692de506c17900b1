import test from 'ava';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const tmp = () => scratchDir('ks-cli');

test('render with no config at all writes the default cluster', async (t) => {
  const dir = tmp();
  const r = await runCli(['render'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), [
    'rendered/kubeadm-config.yaml',
    'rendered/manifests/01-pod-security.yaml',
    'rendered/manifests/02-cni.yaml',
  ]);
  t.regex(r.stderr, /Rendered v1\.24\.17 \(PodSecurityPolicy, default restricted\) to rendered\//);
  t.regex(
    readFileSync(path.join(dir, 'rendered/kubeadm-config.yaml'), 'utf8'),
    /"enable-admission-plugins": "NodeRestriction,PodSecurityPolicy"/,
  );
});

test('render -c -o writes host files under host/ at their absolute paths', async (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'c.yaml'), 'kubernetesVersion: v1.31.4\n');
  const r = await runCli(['render', '-c', 'c.yaml', '-o', 'out'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.true(existsSync(path.join(dir, 'out/host/etc/kubernetes/pod-security/admission-config.yaml')));
});

test('a bad config exits 2, names file, line and field, and writes nothing', async (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'cluster.yaml'), 'kubernetesVersion: v1.25.16\npodSecurity:\n  mode: psp\n');
  const r = await runCli(['render'], { cwd: dir });
  t.is(r.exitCode, 2);
  t.is(r.stdout, '');
  t.is(
    r.stderr.trim(),
    'error: cluster.yaml:3:9: podSecurity.mode: psp is not available on v1.25: PodSecurityPolicy was removed in v1.25; use pss (or auto)',
  );
  t.false(existsSync(path.join(dir, 'rendered')));
});

test('render refuses to replace a directory it did not write, and leaves it untouched', async (t) => {
  const dir = tmp();
  mkdirSync(path.join(dir, 'mine'));
  writeFileSync(path.join(dir, 'mine', 'notes.txt'), 'keep me');
  const r = await runCli(['render', '-o', 'mine'], { cwd: dir });
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /mine is not empty and was not written by kubestrap render/);
  t.deepEqual(readdirSync(path.join(dir, 'mine')), ['notes.txt']);
});

test('re-rendering replaces the previous render, so a switched-off manifest does not linger', async (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'cluster.yaml'), 'ingress: {enabled: true}\n');
  t.is((await runCli(['render'], { cwd: dir })).exitCode, 0);
  t.true(existsSync(path.join(dir, 'rendered/manifests/03-ingress.yaml')));
  writeFileSync(path.join(dir, 'cluster.yaml'), 'ingress: {enabled: false}\n');
  t.is((await runCli(['render'], { cwd: dir })).exitCode, 0);
  t.false(existsSync(path.join(dir, 'rendered/manifests/03-ingress.yaml')));
});

test('init writes a commented starter that render accepts', async (t) => {
  const dir = tmp();
  const r = await runCli(['init', '--kubernetes-version', 'v1.31.4'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  const text = readFileSync(path.join(dir, 'cluster.yaml'), 'utf8');
  t.regex(text, /^# kubestrap cluster config/);
  t.regex(text, /kubernetesVersion: "v1\.31\.4"/);
  const r2 = await runCli(['render'], { cwd: dir });
  t.is(r2.exitCode, 0, r2.stderr);
  t.regex(r2.stderr, /Rendered v1\.31\.4 \(Pod Security Standards, default restricted\)/);
});

test('init on 1.16 lists only kube-system as privileged (flannel runs there)', async (t) => {
  const r = await runCli(['init', '-o', '-', '--kubernetes-version', '1.16.15']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /privilegedNamespaces:\n    - "kube-system"\n  # psp \| vap/);
});

test('init will not overwrite an existing file without --force', async (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'cluster.yaml'), 'mine\n');
  const r = await runCli(['init'], { cwd: dir });
  t.is(r.exitCode, 2);
  t.is(r.stderr.trim(), 'error: cluster.yaml: already exists; pass --force to overwrite it');
  t.is(readFileSync(path.join(dir, 'cluster.yaml'), 'utf8'), 'mine\n');
  t.is((await runCli(['init', '--force'], { cwd: dir })).exitCode, 0);
});

test('init with an unsupported version exits 2 naming the flag', async (t) => {
  const r = await runCli(['init', '-o', '-', '--kubernetes-version', 'v1.40.0']);
  t.is(r.exitCode, 2);
  t.is(r.stderr.trim(), 'error: --kubernetes-version: v1.40.0 is outside the supported range v1.11 to v1.37');
});

test('unknown commands and flags are usage errors (exit 2); --help exits 0', async (t) => {
  t.is((await runCli(['frobnicate'])).exitCode, 2);
  const bad = await runCli(['render', '--bogus']);
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /unknown option '--bogus'/);
  const help = await runCli(['--help']);
  t.is(help.exitCode, 0);
  t.regex(help.stdout, /render/);
});
