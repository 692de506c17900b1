/**
 * render/go-yaml.ts writes plain data itself (the fast path) and leaves the rest to the
 * `yaml` library with the same options. Both must give the same text, byte for byte, so
 * what Go programs read does not depend on which path a value took.
 */
import test from 'ava';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { toGoYaml, toGoYamlDirect, toGoYamlWithLibrary } from '../../src/render/go-yaml.js';
import { render } from '../../src/render/index.js';
import { loadClusterConfig } from '../../src/session/config.js';

const FIXTURES = path.resolve('test/fixtures/configs');

test('every object of every fixture render: the fast path writes what the library writes', (t) => {
  let objects = 0;
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'))) {
    for (const a of render(loadClusterConfig(path.join(FIXTURES, file))).artifacts) {
      for (const o of a.objects) {
        // Rendered objects are plain data: all of them take the fast path.
        t.is(toGoYamlDirect(o), toGoYamlWithLibrary(o), `${file} ${a.path}`);
        objects++;
      }
    }
  }
  t.true(objects > 100, `${objects} objects`);
});

const HOSTILE = [
  '',
  ' ',
  '0o17',
  'yes',
  'null',
  '~',
  '- a',
  'a: b',
  '#x',
  "it's",
  'say "hi"',
  'say "it\'s"',
  '\u0085',
  '\u2028',
  '\ufeff',
  'tab\there',
  'emoji 😀',
  'line1\nline2',
  'line1\nline2\n',
  'line1\n\nline2',
  'line1\nline2\n\n',
  '\nleading break',
  '  indented\nblock',
  'trailing space \nnext',
  'last line blank\n  ',
  'a\n---\nb',
  'ctrl\u0001\nline',
];

test('scalars, keys and shapes the fixtures do not have: the same text either way', (t) => {
  const values: unknown[] = [
    {},
    [],
    { a: {}, b: [], c: null, d: undefined, e: true, f: false, g: 0, h: -7, i: 2 ** 40 },
    { list: [[], [1, [2, [3]]], [{}], [{ a: [{ b: 'c' }] }]], nulls: [null, undefined] },
    { floats: [0.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60] },
    { ['k'.repeat(1100)]: 'long key' },
  ];
  for (const s of HOSTILE) {
    values.push({ [s]: s }, [s], { nested: { list: [s, { [s]: [s] }] } });
  }
  let direct = 0;
  for (const v of values) {
    t.is(toGoYaml(v), toGoYamlWithLibrary(v), JSON.stringify(v));
    if (toGoYamlDirect(v) !== undefined) direct++;
  }
  // Most take the fast path; floats, a long key and the odd block strings do not.
  t.true(direct > values.length / 2, `${direct} of ${values.length} direct`);
});
