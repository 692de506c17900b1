#!/usr/bin/env node
// What users wait for: kubestrap as a whole process, each figure beside its goal, with
// the Node floor (`node -e 0`) measured in the same run, rounds interleaved so a busy
// machine slows every command alike.
//
//   node scripts/bench/process.mjs [--pods 10000] [--runs 5] [--only render]   (BENCH_RUNS also sets runs)
//   (`npm run bench -- process --only render`: the start-up figure alone, beside `node -e 0`)
//
// 1. `kubestrap render` (a config with tenants, ingress and a custom policy), over bare Node.
// 2. `policy check --level restricted -o json` on N three-container Deployments as one
//    kubectl-style JSON List: pods per second net of Node's start-up (each Deployment
//    is refused at restricted, so every one gets its violations written).
// 3. The same List in PodSecurityPolicy mode, five built-in policies all usable
//    (admitted after defaulting, so each pod is tried against all five).
// 4. The same Deployments as multi-document YAML, `--level restricted`, as a multiple of
//    a bare process that only loads the file with js-yaml.
// Beside 2, the floor: the List read and each item JSON.parse'd, nothing else.
// Not a goal: 2 on a List 3x as big, where worker threads start (96 MiB and more),
// with one thread (KUBESTRAP_THREADS=1) and with the default (one per core).
// Plus the peak RSS of the JSON runs. Medians of the runs, spread as min-max, and the
// median CPU time beside each (the steadier figure when the machine is shared: the load
// average is printed too). Goals are judged on wall time. Needs dist/ (npm run bench builds it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { POLICIES, writeList, writeYaml } from './lib/fixtures.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    runs: { type: 'string', default: process.env.BENCH_RUNS ?? '5' },
    only: { type: 'string' },
    'big-pods': { type: 'string' },
  },
});
if (values.only !== undefined && values.only !== 'render') throw new Error('--only takes render');
const ONLY_RENDER = values.only === 'render';
const PODS = Number(values.pods);
const RUNS = Number(values.runs);
const BIG_PODS = Number(values['big-pods'] ?? PODS * 3);

const GOALS = { render: 150, pss: 50_000, psp: 20_000, yaml: 2.0, rss: 1024 };

const { buildPolicy } = await import(pathToFileURL(path.join(root, 'src/policy/psp/library.ts')).href);
// What policy check uses without KUBESTRAP_THREADS, for the label of the threads figure.
const { threadsFrom } = await import(pathToFileURL(path.join(root, 'src/policy/check/threads.ts')).href);

const dir = mkdtempSync(path.join(tmpdir(), 'ks-bench-process-'));
/** The --import module every run reports its CPU time and peak RSS through (usagePreload). */
let preload;
try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function main() {
  const json = path.join(dir, 'deployments.json');
  const bigJson = path.join(dir, 'big.json');
  const yaml = path.join(dir, 'deployments.yaml');
  const policies = path.join(dir, 'policies.json');
  if (!ONLY_RENDER) {
    await writeList(json, PODS, false);
    await writeList(bigJson, BIG_PODS, false);
    await writeYaml(yaml, PODS, false);
  }
  writeFileSync(
    policies,
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: POLICIES.map((n) => buildPolicy(n, 24, [])) }, null, 4),
  );
  writeFileSync(
    path.join(dir, 'cluster.yaml'),
    [
      'kubernetesVersion: v1.24.17',
      'ingress: {enabled: true}',
      'tenants:',
      '  - {namespace: demo, serviceAccounts: [app], policy: restricted}',
      '  - {namespace: ops, serviceAccounts: [runner], policy: privileged-restricted}',
      '  - {namespace: data, serviceAccounts: [reader], policy: readers}',
      'policies:',
      '  - {name: readers, template: restricted, spec: {volumes: [configMap, hostPath], allowedHostPaths: [{pathPrefix: /data, readOnly: true}]}}',
      '',
    ].join('\n'),
  );
  const jsYaml = pathToFileURL(path.join(root, 'node_modules/js-yaml/dist/js-yaml.mjs')).href;

  const commands = {
    node: ['-e', '0'],
    render: [cli, 'render', '-o', path.join(dir, 'rendered')],
    pss: [cli, 'policy', 'check', '-f', json, '--level', 'restricted', '-o', 'json'],
    floor: [path.join(root, 'scripts/bench/lib/json-floor.mjs'), json, String(PODS)],
    psp: [cli, 'policy', 'check', '-f', policies, '-f', json, '--allow', POLICIES.join(','), '-o', 'json'],
    yaml: [cli, 'policy', 'check', '-f', yaml, '--level', 'restricted', '-o', 'json'],
    bigOne: [cli, 'policy', 'check', '-f', bigJson, '--level', 'restricted', '-o', 'json'],
    bigAll: [cli, 'policy', 'check', '-f', bigJson, '--level', 'restricted', '-o', 'json'],
    jsYaml: [
      '--input-type=module',
      '-e',
      `import { loadAll } from ${JSON.stringify(jsYaml)}; import { readFileSync } from 'node:fs'; loadAll(readFileSync(${JSON.stringify(yaml)}, 'utf8'));`,
    ],
  };
  const exits = { node: 0, render: 0, pss: 1, floor: 0, psp: 0, yaml: 1, bigOne: 1, bigAll: 1, jsYaml: 0 };
  const envs = { bigOne: { KUBESTRAP_THREADS: '1' } };
  if (ONLY_RENDER) for (const k of ['pss', 'floor', 'psp', 'yaml', 'bigOne', 'bigAll', 'jsYaml']) delete commands[k];

  const loadBefore = loadavg()[0];
  // The file cache, Node itself and the input files warm.
  for (const k of ONLY_RENDER ? ['node', 'render'] : ['node', 'pss', 'yaml', 'bigAll']) run(commands[k], exits[k]);
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const [k, argv] of Object.entries(commands)) samples[k].push(run(argv, exits[k], envs[k]));
  }
  const loadAfter = loadavg()[0];
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v.map((x) => x.wall))]));
  const c = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v.map((x) => x.cpu))]));
  const rss = ONLY_RENDER
    ? undefined
    : {
        pss: Math.round(Math.max(...samples.pss.map((x) => x.rss))),
        psp: Math.round(Math.max(...samples.psp.map((x) => x.rss))),
      };
  const node = m.node.median;
  const rate = (k) => PODS / ((m[k].median - node) / 1000);
  const cpuRate = (k) => PODS / ((c[k].median - c.node.median) / 1000);
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const spread = (k) => `${m[k].min.toFixed(0)}-${m[k].max.toFixed(0)} ms; CPU ${c[k].median.toFixed(0)} ms`;
  const verdict = (ok) => (ok ? 'OK' : 'MISSED');
  const results = [];
  const line = (text, ok) => {
    results.push(ok);
    console.log(`${text}  ${verdict(ok)}`);
  };

  console.log(
    `whole process, ${RUNS} runs each, medians (min-max); load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; ` +
      `node -e 0: ${node.toFixed(0)} ms (${spread('node')})` +
      (ONLY_RENDER ? '' : `; input ${PODS} Deployments: JSON ${mib(json)} MB, YAML ${mib(yaml)} MB`),
  );
  line(
    `render cold: ${m.render.median.toFixed(0)} ms (${spread('render')}) = node + ${(m.render.median - node).toFixed(0)} ms ` +
      `(CPU: + ${(c.render.median - c.node.median).toFixed(0)} ms) (goal <= +${GOALS.render} ms)`,
    m.render.median - node <= GOALS.render,
  );
  if (ONLY_RENDER) {
    if (results.includes(false)) process.exitCode = 1;
    return;
  }
  line(
    `policy check --level restricted -o json, JSON List: ${m.pss.median.toFixed(0)} ms (${spread('pss')}) = ${fmt(rate('pss'))} pods/s net of Node start-up ` +
      `(CPU: ${fmt(cpuRate('pss'))}) (goal >= ${fmt(GOALS.pss)})`,
    rate('pss') >= GOALS.pss,
  );
  // Not a goal: what reading the List and JSON.parse of its items alone costs, so the
  // figures above can be read against what no JSON-parsing checker can go below.
  console.log(
    `  floor, the same List read and each item JSON.parse'd, nothing else: ${m.floor.median.toFixed(0)} ms (${spread('floor')}) = ` +
      `${fmt(rate('floor'))} pods/s net (CPU: ${fmt(cpuRate('floor'))})`,
  );
  line(
    `policy check PSP, ${POLICIES.length} usable policies, -o json, JSON List: ${m.psp.median.toFixed(0)} ms (${spread('psp')}) = ${fmt(rate('psp'))} pods/s net ` +
      `(CPU: ${fmt(cpuRate('psp'))}) (goal >= ${fmt(GOALS.psp)})`,
    rate('psp') >= GOALS.psp,
  );
  const ratio = m.yaml.median / m.jsYaml.median;
  line(
    `policy check --level restricted -o json, multi-document YAML: ${m.yaml.median.toFixed(0)} ms (${spread('yaml')}) = ${ratio.toFixed(2)}x a bare js-yaml load of the file, ${m.jsYaml.median.toFixed(0)} ms (${spread('jsYaml')}) ` +
      `(CPU: ${(c.yaml.median / c.jsYaml.median).toFixed(2)}x) (goal <= ${GOALS.yaml.toFixed(1)}x)`,
    ratio <= GOALS.yaml,
  );
  const threads = threadsFrom({});
  console.log(
    `  ${BIG_PODS} Deployments (JSON ${mib(bigJson)} MB), --level restricted -o json: one thread ${m.bigOne.median.toFixed(0)} ms (${spread('bigOne')}), ` +
      `${threads} (one per core) ${m.bigAll.median.toFixed(0)} ms (${spread('bigAll')}) = ${fmt(BIG_PODS / ((m.bigAll.median - node) / 1000))} pods/s net, ` +
      `${(m.bigOne.median / m.bigAll.median).toFixed(2)}x; peak RSS ${Math.round(Math.max(...samples.bigAll.map((x) => x.rss)))} MB`,
  );
  line(
    `peak RSS of the JSON runs: --level restricted ${rss.pss} MB, PSP ${rss.psp} MB for ${mib(json)} MB of input (goal < ${GOALS.rss} MB)`,
    Math.max(rss.pss, rss.psp) < GOALS.rss,
  );
  if (results.includes(false)) process.exitCode = 1;
}

/**
 * One run: wall time, and the CPU time and peak RSS the process reports as it exits
 * (through a tiny --import module, the same for every command, `node -e 0` included).
 * CPU time is what the wall time would be on an idle machine for these single-threaded
 * runs: on a shared, busy machine it is the steadier figure. stdout goes to /dev/null,
 * as into a fast reader.
 */
function run(argv, expectedExit, env = {}) {
  const out = path.join(dir, 'usage.json');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(usagePreload()).href, ...argv], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, ...env, KS_BENCH_USAGE: out },
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== expectedExit)
    throw new Error(`${argv.join(' ')}: exit ${r.status}, expected ${expectedExit}: ${r.stderr}`);
  const usage = JSON.parse(readFileSync(out, 'utf8'));
  return { wall, cpu: usage.cpu, rss: usage.rss };
}

function usagePreload() {
  if (preload) return preload;
  preload = path.join(dir, 'usage.mjs');
  writeFileSync(
    preload,
    [
      "import { writeFileSync } from 'node:fs';",
      'const file = process.env.KS_BENCH_USAGE;',
      "process.on('exit', () => {",
      '  const u = process.resourceUsage();',
      '  writeFileSync(file, JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1000, rss: u.maxRSS / 1024 }));',
      '});',
      '',
    ].join('\n'),
  );
  return preload;
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

function mib(file) {
  return (statSync(file).size / 1048576).toFixed(0);
}
