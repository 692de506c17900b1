#!/usr/bin/env node
// Runs the ava suite and ends with the one line CI reads: `N passed, N failed[, N skipped]`.
// ava's own summary is for people; the TAP stream gives exact counts. Skipped tests are
// listed with their titles, which say why (test/helpers/requires.ts); under CI=true a
// skipped test counts as failed, since .ci/run installs everything the tests need.
//
// It also checks that the suite cleans up after itself (test-leaks.mjs): whatever the
// tests leave in their temp dir, or still running, is reported, removed or killed, and
// fails the run.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { watchRun } from './test-leaks.mjs';

const run = watchRun();
const args = ['ava', '--tap', ...process.argv.slice(2)];
const child = spawn('npx', ['--no-install', ...args], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, ...run.env },
});
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

let passed = 0;
let failed = 0;
const skipped = [];
let todo = 0;

const rl = createInterface({ input: child.stdout });
rl.on('line', (line) => {
  const skip = /^ok \d+ .*# SKIP/.test(line);
  const isTodo = /# TODO/.test(line);
  if (/^not ok \d+/.test(line) && !isTodo) {
    failed++;
    process.stdout.write(`${line}\n`);
    return;
  }
  if (/^ok \d+/.test(line)) {
    if (isTodo) todo++;
    else if (skip) skipped.push(line.replace(/^ok \d+ - /, '').replace(/\s*# SKIP.*$/, ''));
    else passed++;
    // A skip says why in its title (the real tier without Go or etcd): always shown.
    if (process.env.TEST_VERBOSE || skip) process.stdout.write(`${line}\n`);
    return;
  }
  // TAP's own header and trailer are replaced by the summary line below.
  if (/^(TAP version|1\.\.\d+$|# (tests|pass|skip|fail|todo) \d+$)/.test(line) || line.trim() === '') return;
  // Failure diagnostics (the YAML block under a `not ok`) and anything tests print.
  process.stdout.write(`${line}\n`);
});

child.on('close', async (code) => {
  // A crash before any test ran (syntax error, missing module) must not read as green.
  if (code !== 0 && failed === 0) failed = 1;
  const left = await run.check();
  if (left.procs.length > 0) {
    process.stdout.write(`${left.procs.length} process(es) the tests started were still running (killed now):\n`);
    for (const { pid, cmd } of left.procs) process.stdout.write(`  - ${pid} ${cmd.slice(0, 200)}\n`);
    failed += left.procs.length;
  }
  if (left.files.length > 0) {
    process.stdout.write(`${left.files.length} temp file(s) the tests left (removed now):\n`);
    for (const f of left.files) process.stdout.write(`  - ${f}\n`);
    failed += left.files.length;
  }
  if (skipped.length > 0) {
    process.stdout.write(`${skipped.length} skipped${inCi ? ' (a failure under CI)' : ''}:\n`);
    for (const title of skipped) process.stdout.write(`  - ${title}\n`);
    if (inCi) failed += skipped.length;
  }
  if (todo > 0) process.stdout.write(`${todo} todo\n`);
  const parts = [`${passed} passed`, `${failed} failed`];
  // Under CI the skipped tests are already among the failed ones.
  const notRun = (inCi ? 0 : skipped.length) + todo;
  if (notRun > 0) parts.push(`${notRun} skipped`);
  process.stdout.write(`${parts.join(', ')}\n`);
  process.exit(failed > 0 ? 1 : 0);
});
