/**
 * `policy check` on a JSON List big enough for worker threads (96 MiB and more, what
 * `kubectl get -A -o json` prints for about 15,000 workloads): what it prints, its exit
 * code and its errors are exactly those of one thread. Which threads ran is read from
 * Node's own CPU profiles (one file per thread), not from anything kubestrap says.
 */
import test from 'ava';
import { execa } from 'execa';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { POLICIES, writeList } from '../../scripts/bench/lib/fixtures.mjs';
import { buildPolicy } from '../../src/policy/psp/library.js';
import { CLI } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const dir = scratchDir('ks-parallel');
const big = path.join(dir, 'deployments.json');
const policies = path.join(dir, 'policies.json');

test.before(async () => {
  // 15,500 Deployments as kubectl prints them: about 100 MiB.
  await writeList(big, 15_500, false);
  writeFileSync(
    policies,
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: POLICIES.map((n) => buildPolicy(n, 24, [])) }, null, 4),
  );
});

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Threads that ran JavaScript (Node writes a CPU profile for each). */
  threads: number;
}

let runs = 0;
async function check(threads: string, args: string[]): Promise<Run> {
  const profiles = path.join(dir, `profiles-${runs++}`);
  const r = await execa('node', ['--cpu-prof', '--cpu-prof-dir', profiles, CLI, 'policy', 'check', ...args], {
    reject: false,
    env: { KUBESTRAP_THREADS: threads },
    stripFinalNewline: false,
  });
  let count = 0;
  try {
    count = readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile')).length;
  } catch {
    // A run that failed before Node started writes none.
  }
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), threads: count };
}

/** A List of `n` ConfigMaps as kubectl prints it, about 6.2 KB each: big, and no pod in it. */
async function writeConfigMapList(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{\n    "apiVersion": "v1",\n    "items": [\n');
  const data = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`key-${k}`, 'v'.repeat(120)]));
  for (let i = 0; i < n; i++) {
    const item = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'demo' }, data };
    await write((i ? ',\n' : '') + JSON.stringify(item, null, 4).replace(/^/gm, '        '));
  }
  await write('\n    ],\n    "kind": "List"\n}\n');
  out.end();
  await once(out, 'finish');
}

/** `text` with the first `from` replaced by `to`, after `share` of it: a change deep in the List. */
function changedCopy(name: string, share: number, from: string, to: string): string {
  const bytes = readFileSync(big);
  const at = bytes.indexOf(from, Math.floor(bytes.length * share));
  if (at < 0) throw new Error(`${from} not found`);
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.concat([bytes.subarray(0, at), Buffer.from(to), bytes.subarray(at + from.length)]));
  return file;
}

test.serial(
  'Pod Security Standards: two threads print byte for byte what one prints, as JSON and as text',
  async (t) => {
    for (const output of ['json', 'text']) {
      const args = ['-f', big, '--level', 'restricted', '-o', output];
      const one = await check('1', args);
      const two = await check('2', args);
      t.is(one.threads, 1, output);
      t.is(two.threads, 2, `${output}: a worker thread ran`);
      t.is(one.exitCode, 1, one.stderr);
      t.is(two.exitCode, one.exitCode);
      t.is(two.stderr, one.stderr);
      t.true(two.stdout === one.stdout, `${output}: the same output (${one.stdout.length} characters)`);
    }
  },
);

test.serial(
  'PodSecurityPolicy: the same verdicts with policies before the List, and after it (a second pass)',
  async (t) => {
    const allow = ['--allow', POLICIES.join(',')];
    for (const [what, args] of [
      ['policies first, text', ['-f', policies, '-f', big, ...allow]],
      ['policies last, JSON', ['-f', big, '-f', policies, ...allow, '-o', 'json']],
    ] as const) {
      const one = await check('1', [...args]);
      const two = await check('2', [...args]);
      t.is(two.threads, 2, `${what}: a worker thread ran`);
      t.is(one.exitCode, 0, one.stderr);
      t.is(two.exitCode, one.exitCode, what);
      t.is(two.stderr, one.stderr, what);
      t.true(two.stdout === one.stdout, `${what}: the same output (${one.stdout.length} characters)`);
    }
  },
);

test.serial(
  'bad input deep in the List: the same error, file and line with two threads, and nothing printed',
  async (t) => {
    const wrongType = changedCopy('wrong-type.json', 0.7, '"runAsUser": 1003', '"runAsUser": "1003"');
    const broken = changedCopy('broken.json', 0.4, '"replicas": 2,', '"replicas" 2,');
    for (const file of [wrongType, broken]) {
      const args = ['-f', file, '--level', 'baseline', '-o', 'json'];
      const one = await check('1', args);
      const two = await check('2', args);
      t.is(one.exitCode, 2, one.stderr);
      t.regex(one.stderr, new RegExp(`${path.basename(file)}:\\d+`));
      t.is(two.threads, 2, 'a worker thread started on it');
      t.is(two.exitCode, 2);
      t.is(two.stderr, one.stderr);
      t.is(two.stdout, '');
    }
  },
);

test.serial(
  'PodSecurityPolicy: a big List without pods does not fix the policies before the pods that follow it',
  async (t) => {
    // restricted refuses a container that runs as root; baseline, read after the big file, admits it.
    const configMaps = path.join(dir, 'configmaps.json');
    await writeConfigMapList(configMaps, 18_000);
    const first = path.join(dir, 'restricted.json');
    const later = path.join(dir, 'baseline.json');
    writeFileSync(first, JSON.stringify(buildPolicy('restricted', 24, []), null, 4));
    writeFileSync(later, JSON.stringify(buildPolicy('baseline', 24, []), null, 4));
    const pods = path.join(dir, 'root-pod.json');
    writeFileSync(
      pods,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'root', namespace: 'demo' },
        spec: { containers: [{ name: 'c', image: 'x', securityContext: { runAsUser: 0 } }] },
      }),
    );
    const args = ['-f', first, '-f', configMaps, '-f', later, '-f', pods, '--allow', 'restricted,baseline'];
    const one = await check('1', args);
    const two = await check('2', args);
    t.is(two.threads, 2, 'a worker thread read the ConfigMaps');
    t.is(one.exitCode, 0, one.stdout + one.stderr);
    t.regex(one.stdout, /Pod demo\/root: admitted by baseline/);
    t.is(two.stdout, one.stdout);
    t.is(two.stderr, one.stderr);
    t.is(two.exitCode, one.exitCode);
  },
);

test('a named pipe given with -f is read once, as it comes, whatever the threads', async (t) => {
  const fifo = path.join(dir, `pods-${runs}.fifo`);
  await execa('mkfifo', [fifo]);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'demo' }, spec: { containers: [] } };
  const run = execa('node', [CLI, 'policy', 'check', '-f', fifo, '--level', 'baseline'], {
    reject: false,
    timeout: 30_000,
    env: { KUBESTRAP_THREADS: '2' },
  });
  await writeFile(fifo, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod] }, null, 4));
  const r = await run;
  t.false(r.timedOut, 'it did not wait for a second writer');
  t.is(r.exitCode, 0, r.stderr);
  t.regex(String(r.stdout), /Pod demo\/web: allowed by baseline:latest/);
});

test('KUBESTRAP_THREADS must be a whole number of threads', async (t) => {
  for (const value of ['0', 'two', '1.5', '65']) {
    const r = await check(value, ['-f', policies, '--level', 'baseline']);
    t.is(r.exitCode, 2, value);
    t.regex(r.stderr, new RegExp(`KUBESTRAP_THREADS must be a whole number from 1 to 64, not "${value}"`));
  }
});
