/**
 * The shipped CLI is the bundle `npm run build` writes (dist/cli.js and dist/chunks/):
 * it must run with nothing but what package.json ships (dist, templates), without
 * node_modules, from wherever it is installed.
 */
import test from 'ava';
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';

test('package.json runs the bundle: bin is dist/cli.js, and dist/ holds only it and its chunks', (t) => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  t.deepEqual(pkg.bin, { kubestrap: 'dist/cli.js' });
  t.is(path.resolve(pkg.bin.kubestrap), CLI);
  t.deepEqual(readdirSync('dist').sort(), ['chunks', 'cli.js']);
  t.true(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
});

test('templates are compiled into the bundle: no Handlebars compiler ships, and render needs no templates/', async (t) => {
  for (const file of ['cli.js', ...readdirSync('dist/chunks').map((f) => `chunks/${f}`)])
    t.false(readFileSync(path.join('dist', file), 'utf8').includes('JavaScriptCompiler'), file);
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const entry of ['dist', 'package.json']) cpSync(entry, path.join(dir, 'app', entry), { recursive: true });
  const cli = path.join(dir, 'app/dist/cli.js');
  for (const version of ['v1.11.3', 'v1.24.17', 'v1.37.1']) {
    // ingress-nginx from 1.20: both of its templates (v1.3 and v1.14) render from the bundle.
    const ingress = version === 'v1.11.3' ? 'false' : 'true';
    writeFileSync(path.join(dir, `${version}.yaml`), `kubernetesVersion: ${version}\ningress: {enabled: ${ingress}}\n`);
    const r = await execa('node', [cli, 'render', '-c', `${version}.yaml`, '-o', version], { cwd: dir, reject: false });
    t.is(r.exitCode, 0, r.stderr);
  }
  const init = await execa('node', [cli, 'init', '-o', '-'], { cwd: dir, reject: false });
  t.is(init.exitCode, 0, init.stderr);
  t.regex(init.stdout, /kubernetesVersion:/);
});

test('the bundle runs from a copy of the shipped files alone, with no node_modules', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  for (const entry of [...pkg.files.filter((f: string) => f === 'dist' || f === 'templates'), 'package.json'])
    cpSync(entry, path.join(dir, 'app', entry), { recursive: true });
  t.false(existsSync(path.join(dir, 'app', 'node_modules')));

  const cli = path.join(dir, 'app', 'dist', 'cli.js');
  const render = await execa(cli, ['render', '-o', 'out'], { cwd: dir, reject: false });
  t.is(render.exitCode, 0, render.stderr);
  t.regex(readFileSync(path.join(dir, 'out', 'kubeadm-config.yaml'), 'utf8'), /kind: ClusterConfiguration/);

  const check = await execa(
    'node',
    [cli, 'policy', 'check', '-f', path.resolve('test/fixtures/pods/privileged-pod.yaml'), '--level', 'baseline'],
    { cwd: dir, reject: false },
  );
  t.is(check.exitCode, 1, check.stderr);
  t.regex(check.stdout, /violates PodSecurity "baseline:latest"/);
});
