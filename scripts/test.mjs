#!/usr/bin/env node
// Runs the ava suite and ends with the one line CI reads: `N passed, N failed[, N skipped]`.
// ava's own summary is for people; the TAP stream gives exact counts.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const args = ['ava', '--tap', ...process.argv.slice(2)];
const child = spawn('npx', ['--no-install', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });

let passed = 0;
let failed = 0;
let skipped = 0;
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
    else if (skip) skipped++;
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

child.on('close', (code) => {
  // A crash before any test ran (syntax error, missing module) must not read as green.
  if (code !== 0 && failed === 0) failed = 1;
  const parts = [`${passed} passed`, `${failed} failed`];
  if (skipped + todo > 0) parts.push(`${skipped + todo} skipped`);
  process.stdout.write(`${parts.join(', ')}\n`);
  process.exit(failed > 0 ? 1 : 0);
});
