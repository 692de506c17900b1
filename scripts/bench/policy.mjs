#!/usr/bin/env node
// PodSecurityPolicy admission throughput, end to end from an input stream: a
// `kubectl get deploy -A -o json` file (a List of three-container Deployments,
// pretty-printed as kubectl prints it) is written to a temporary file, then streamed
// from disk through src/policy/input.ts (one item parsed at a time),
// src/policy/objects.ts (type checks, pod template -> pod) and
// src/policy/psp/admission.ts against five built-in policies, all usable. One
// process, no pods held: RSS before and after the timed rounds shows memory stays flat.
//
//   node scripts/bench/policy.mjs [--pods 10000] [--rounds 3]
//
// Prints e.g. `policy check (PSP, 5 policies, admitted after defaulting): 10000 pods in 0.38 s =
// 26,000 pods/s, RSS +3 MB (peak 160 MB for 64 MB of input), heap after GC +0 MB`
// for pods every policy admits only after defaulting (so all five are tried on each),
// then for pods every policy refuses (all five tried, messages built).
// In-process: the engine alone, without process start-up or output (process.mjs measures
// the whole command). Runs the TypeScript sources through tsx (scripts/bench.mjs loads it).
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A collector to call between rounds, so "heap after GC" shows what is really kept.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const here = path.dirname(fileURLToPath(import.meta.url));
const src = (p) => pathToFileURL(path.resolve(here, '../../src', p)).href;
const TARGET = 20_000;

const { values } = parseArgs({
  options: { pods: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } },
});
const PODS = Number(values.pods);
const ROUNDS = Number(values.rounds);

const { readObjects } = await import(src('policy/input.ts'));
const { classify } = await import(src('policy/objects.ts'));
const { PspAdmission } = await import(src('policy/psp/admission.ts'));
const { buildPolicy } = await import(src('policy/psp/library.ts'));
const { POLICIES, writeList } = await import('./lib/fixtures.mjs');

const admission = new PspAdmission(POLICIES.map((name) => buildPolicy(name, 24, [])));
const allUsable = { isAuthorized: () => true };

async function run(file, n) {
  let admitted = 0;
  let seen = 0;
  for await (const src of readObjects(createReadStream(file, { highWaterMark: 1 << 20 }), file)) {
    const c = classify(src);
    if (c.type !== 'pod') continue;
    const r = admission.admitView(c.view, allUsable);
    if (r.admitted) admitted++;
    seen++;
  }
  if (seen !== n) throw new Error(`read ${seen} pods, expected ${n}`);
  return admitted;
}

function mb(bytes) {
  const v = Math.round(bytes / 1048576);
  return `${v >= 0 ? '+' : ''}${v} MB`;
}

const dir = mkdtempSync(path.join(tmpdir(), 'kubestrap-bench-'));

async function measure(label, refused) {
  const file = path.join(dir, `deployments-${refused ? 'refused' : 'admitted'}.json`);
  await writeList(file, PODS, refused);
  await run(file, PODS); // warm-up: JIT
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  let best = Infinity;
  let admitted = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    admitted = await run(file, PODS);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const rssAfter = process.memoryUsage().rss;
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const rate = PODS / best;
  console.log(
    `policy check (PSP, ${POLICIES.length} policies, ${label}): ${PODS} pods in ${best.toFixed(2)} s = ${Math.round(rate).toLocaleString('en-US')} pods/s, ` +
      `RSS ${mb(rssAfter - rssBefore)} (peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB for ${(statSync(file).size / 1048576).toFixed(0)} MB of input), ` +
      `heap after GC ${mb(heapAfter - heapBefore)} [${admitted} admitted]`,
  );
  return rate;
}

let rates;
try {
  rates = [await measure('admitted after defaulting', false), await measure('refused by all', true)];
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const worst = Math.min(...rates);
if (worst < TARGET) {
  console.log(`policy check: below the target of ${TARGET.toLocaleString('en-US')} pods/s`);
  process.exitCode = 1;
}
