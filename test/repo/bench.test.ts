/**
 * `npm run bench` is how the performance figures in the README are made: the whole-process
 * bench must run on a small input and print every figure beside its goal, the floor too.
 */
import test from 'ava';
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeList } from '../../scripts/bench/lib/fixtures.mjs';

test('the whole-process bench prints each figure beside its goal, and the JSON floor parses every item', async (t) => {
  const r = await execa('node', ['--import=tsx', 'scripts/bench/process.mjs', '--pods', '200', '--runs', '1'], {
    reject: false,
  });
  // Exit 1 only says a goal was missed (200 pods cannot show a rate); a broken run throws.
  t.true(r.exitCode === 0 || r.exitCode === 1, r.stderr);
  t.regex(r.stdout, /^whole process, 1 runs each, .*input 200 Deployments: JSON [\d.]+ MB/m);
  for (const what of [
    /^render cold: \d+ ms .* \(goal <= \+150 ms\) {2}(OK|MISSED)$/m,
    /^policy check --level restricted -o json, JSON List: .* pods\/s .*\(goal >= 50,000\) {2}(OK|MISSED)$/m,
    /^ {2}floor, the same List read and each item JSON\.parse'd, nothing else: \d+ ms .* pods\/s net/m,
    /^policy check PSP, 5 usable policies, .*\(goal >= 20,000\) {2}(OK|MISSED)$/m,
    /^policy check --level restricted -o json, multi-document YAML: .*x a bare js-yaml load .*\(goal <= 2\.0x\) {2}(OK|MISSED)$/m,
    /^ {2}600 Deployments \(JSON \d+ MB\), --level restricted -o json: one thread \d+ ms .*, \d+ \(one per core\) \d+ ms .* pods\/s net, [\d.]+x; peak RSS \d+ MB$/m,
    /^peak RSS of the JSON runs: --level restricted \d+ MB, PSP \d+ MB .*\(goal < 1024 MB\) {2}(OK|MISSED)$/m,
  ])
    t.regex(r.stdout, what);
});

test('the JSON floor refuses to report a run that did not parse every item', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-floor-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'list.json');
  await writeList(file, 30, false);
  const ok = await execa('node', ['scripts/bench/lib/json-floor.mjs', file, '30'], { reject: false });
  t.is(ok.exitCode, 0, ok.stderr);
  const off = await execa('node', ['scripts/bench/lib/json-floor.mjs', file, '31'], { reject: false });
  t.is(off.exitCode, 3);
  t.regex(off.stderr, /parsed 30 items, expected 31/);
});
