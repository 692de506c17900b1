#!/usr/bin/env node
// A full `kubestrap up` on the simulated node (1.24, PSP, a tenant): kubestrap's
// own overhead (wall time minus the time spent inside the simulated commands),
// and how long after the simulated node turns Ready kubestrap notices it.
// Targets (issue "up"): overhead under 1.5 s; readiness noticed within 1 s.
// Needs dist/ and dist-sim/ (npm run bench builds both) and tsx (scripts/bench.mjs loads it).
import { execa } from 'execa';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { createSimNode } = await import(pathToFileURL(path.join(root, 'test/sim/install.ts')).href);
const runs = Number(process.env.BENCH_RUNS ?? 3);

const results = [];
for (let i = 0; i < runs; i++) {
  const node = await createSimNode({ kubernetesVersion: 'v1.24.17', host: { brNetfilter: true, ipForward: true } });
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-bench-up-'));
  writeFileSync(
    path.join(dir, 'cluster.yaml'),
    'kubernetesVersion: v1.24.17\ncontrolPlane: {nodeName: cp}\ntenants: [{namespace: demo, serviceAccounts: [app], policy: restricted}]\n',
  );
  const t0 = Date.now();
  const r = await execa('node', [path.join(root, 'dist/cli.js'), 'up', '--yes', '--quiet'], {
    cwd: dir,
    env: { ...node.env, SUDO_USER: '' },
    reject: false,
  });
  const wall = Date.now() - t0;
  if (r.exitCode !== 0) throw new Error(`up failed:\n${r.stderr}`);
  const calls = node.calls();
  // Time inside commands as kubestrap saw it (spawn to exit, process start-up included), from its run log.
  const log = readFileSync(node.at('/var/log/kubestrap.log'), 'utf8');
  const inside = [...log.matchAll(/^  exit -?\d+ after (\d+) ms$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  const readyAt = node.state().cluster.node.readyAt;
  const wait = calls.find((c) => c.tool === 'kubectl' && c.argv.includes('--for=condition=Ready'));
  results.push({ wall, inside, overhead: wall - inside, calls: calls.length, noticed: wait.end - readyAt });
  node.cleanup();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (k) => median(results.map((x) => x[k]));
console.log(
  `up (simulated 1.24 node, ${runs} runs, median): wall ${m('wall')} ms, inside ${m('calls')} simulated commands ${m('inside')} ms, ` +
    `kubestrap overhead ${m('overhead')} ms (target < 1500 ms) ${m('overhead') < 1500 ? 'OK' : 'OVER TARGET'}; ` +
    `node Ready noticed after ${m('noticed')} ms (target < 1000 ms) ${m('noticed') < 1000 ? 'OK' : 'OVER TARGET'}`,
);
