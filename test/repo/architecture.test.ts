/**
 * Dependencies in src/ flow one way (README: Development, "Layout"): a module imports
 * only modules below it, and no file reaches itself through its imports. A new cycle
 * or an import against the direction fails here, naming the import.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkArchitecture, importsOf, RANKS } from '../helpers/architecture.js';

/**
 * Breaks that exist in src/ today and are being mended; the list may only shrink. An
 * entry that no longer breaks anything fails the test too, so the list stays true.
 */
const KNOWN: readonly string[] = [];

function describe(v: { kind: string; what: string; where?: string }): string {
  return v.kind === 'direction'
    ? `${v.what} (${v.where})`
    : v.kind === 'cycle'
      ? `cycle: ${v.what}`
      : `${v.kind}: ${v.what}`;
}

test('src/ imports only downwards, with no cycle', (t) => {
  const found = checkArchitecture(path.resolve('src')).map(describe);
  // Known breaks are named without their line, which moves as files change.
  const known = (f: string) => KNOWN.includes(f.replace(/:\d+\)$/, ')'));
  t.deepEqual(
    found.filter((f) => !known(f)),
    [],
    'imports against the direction of the layers, or cycles',
  );
  t.deepEqual(
    KNOWN.filter((k) => !found.some((f) => f.replace(/:\d+\)$/, ')') === k)),
    [],
    'known breaks that are mended: take them off the list',
  );
});

function tree(t: { teardown(fn: () => void): void }, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-arch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

test('an import against the direction is caught, with the file and line', (t) => {
  const dir = tree(t, {
    'kube/kubectl.ts':
      "import type { Runner } from '../exec/runner.js';\nimport { waitFor } from '../workflow/wait.js';\n",
    'exec/runner.ts': 'export interface Runner {}\n',
    'workflow/wait.ts': 'export const waitFor = 1;\n',
  });
  t.deepEqual(checkArchitecture(dir).map(describe), ['kube → workflow (kube/kubectl.ts:2)']);
});

test('a cycle is caught, even when every import goes to an allowed module', (t) => {
  const dir = tree(t, {
    'policy/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
    'policy/b.ts': "import type { A } from './c.js';\nexport const b = 1;\n",
    'policy/c.ts': "export type A = number;\nexport const c = () => import('./a.js');\n",
  });
  t.deepEqual(checkArchitecture(dir).map(describe), ['cycle: policy/a.ts → policy/b.ts → policy/c.ts']);
});

test('peers import each other only in the one direction listed', (t) => {
  const dir = tree(t, {
    'changes/plan.ts': "import type { Snap } from '../audit/snapshot.js';\n",
    'audit/snapshot.ts': "export type Snap = 1;\nexport type { Change } from '../changes/plan.js';\n",
  });
  t.deepEqual(checkArchitecture(dir).map(describe).sort(), [
    'audit → changes (audit/snapshot.ts:2)',
    'cycle: audit/snapshot.ts → changes/plan.ts',
    'cycle: modules audit → changes',
  ]);
});

test('a folder the rules do not know is reported, so every module gets a place', (t) => {
  const dir = tree(t, { 'gadgets/x.ts': "import { e } from '../errors.js';\n", 'errors.ts': 'export const e = 1;\n' });
  t.deepEqual(checkArchitecture(dir).map(describe), ['unknown-module: gadgets']);
  t.true(RANKS.errors < RANKS.cli);
});

test('imports are read in every form kubestrap writes them', (t) => {
  const text = [
    "import { a } from './a.js';",
    "import type {\n  B,\n  C,\n} from '../b.js';",
    "export { d } from './d.js';",
    "export type * from './e.js';",
    "import './side-effect.js';",
    "import { x } from 'node:fs';",
    '/** not an import: import from comments. */',
    "const m = await import('./lazy.js');",
  ].join('\n');
  t.deepEqual(
    importsOf(text).map((i) => i.specifier),
    ['./a.js', '../b.js', './d.js', './e.js', './side-effect.js', './lazy.js'],
  );
});

test('the engine knows steps only by their properties: no step id appears in src/workflow/', async (t) => {
  const { UP_STEPS } = await import('../../src/steps/index.js');
  const dir = path.resolve('src/workflow');
  const named: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const step of UP_STEPS)
        if (line.includes(`'${step.id}'`) || line.includes(`"${step.id}"`)) named.push(`${file}:${i + 1} ${step.id}`);
    });
  }
  t.deepEqual(named, []);
});
