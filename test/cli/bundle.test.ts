/**
 * The shipped CLI is the bundle `npm run build` writes (dist/cli.js and dist/chunks/, and
 * dist/range-worker.js for policy check's worker threads):
 * it must run with nothing but what package.json ships (dist, templates), without
 * node_modules, from wherever it is installed.
 */
import test from 'ava';
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';

test('package.json runs the bundle: bin is dist/cli.js, and dist/ holds only it, its chunks and the policy check worker', (t) => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  t.deepEqual(pkg.bin, { kubestrap: 'dist/cli.js' });
  t.is(path.resolve(pkg.bin.kubestrap), CLI);
  t.deepEqual(readdirSync('dist').sort(), ['chunks', 'cli.js', 'range-worker.js']);
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
  t.regex(readFileSync(path.join(dir, 'out', 'kubeadm-config.yaml'), 'utf8'), /kind: "ClusterConfiguration"/);

  const check = await execa(
    'node',
    [cli, 'policy', 'check', '-f', path.resolve('test/fixtures/pods/privileged-pod.yaml'), '--level', 'baseline'],
    { cwd: dir, reject: false },
  );
  t.is(check.exitCode, 1, check.stderr);
  t.regex(check.stdout, /violates PodSecurity "baseline:latest"/);
});

/** The files `node dist/cli.js <command>` loads: cli.js, the command's chunk, and what they import statically. */
function loadedFor(command: string): Map<string, number> {
  const chunk = readdirSync('dist/chunks').find((f) => f.startsWith(`${command}-`) && f.endsWith('.js'));
  if (!chunk) throw new Error(`no chunk for ${command} in dist/chunks`);
  const seen = new Map<string, number>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text.length);
    // Static imports and re-exports only: a dynamic import() runs only in the command that needs it.
    for (const m of text.matchAll(
      /(?:^|[;}\n])\s*(?:import|export)\s*(?:[^'"();]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+)["']/g,
    ))
      visit(path.join(path.dirname(file), m[1]));
  };
  visit(path.resolve('dist/cli.js'));
  visit(path.resolve('dist/chunks', chunk));
  return seen;
}

test('render loads under 600 KB of JavaScript, the start-up budget (README: Development, bench)', (t) => {
  // Parsing and compiling is most of a cold start over bare Node: zod's whole namespace with
  // its locales (585 KB alone) once made it 930 KB; the YAML library (165 KB) is needed.
  const files = loadedFor('render');
  const total = [...files.values()].reduce((a, b) => a + b, 0);
  const list = [...files].map(([f, n]) => `${path.basename(f)} ${Math.round(n / 1024)} KB`).join(', ');
  t.true(total < 600 * 1024, `${Math.round(total / 1024)} KB: ${list}`);
  t.false(
    [...files.keys()].some((f) => /policy-check|policy-migrate|admission|audit/.test(path.basename(f))),
    'no other command is loaded',
  );
});
