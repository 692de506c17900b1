#!/usr/bin/env node
// Cold-process cost of a full `kubestrap render` next to a bare `node -e 0` on
// the same machine: what a user waits for beyond starting Node itself.
// Target (issue "render"): under 300 ms more than bare node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const runs = Number(process.env.BENCH_RUNS ?? 15);

const dir = mkdtempSync(path.join(tmpdir(), 'ks-bench-render-'));
// A config that exercises every renderer: tenants, ingress, a custom policy.
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

function time(args) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0] };
}

time(['-e', '0']); // warm the file cache once
const bare = time(['-e', '0']);
const full = time([cli, 'render', '-o', 'out']);
rmSync(dir, { recursive: true, force: true });
const over = full.median - bare.median;
console.log(
  `render (cold process, ${runs} runs, median): kubestrap render ${full.median.toFixed(0)} ms, node -e 0 ${bare.median.toFixed(0)} ms, ` +
    `overhead ${over.toFixed(0)} ms (target < 300 ms) ${over < 300 ? 'OK' : 'OVER TARGET'}`,
);
