/**
 * A big JSON List cut into byte ranges for more than one thread (src/policy/input/
 * json-ranges.ts): the ranges together must give exactly the objects one pass gives,
 * and a cut that is not between two items must be caught, never read wrongly.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type JsonRangePlan, planJsonRanges, RangeMismatch, rangePieces } from '../../src/policy/input/json-ranges.js';
import { readFile } from '../../src/policy/input.js';
import { scratchDir } from '../helpers/scratch.js';

const SMALL = { minBytes: 0, rangeBytes: 2000 };

const pod = (i: number, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p-${i}`, namespace: 'ns', annotations: { note: `ünïcødé ${i} "},\\n{" }` } },
  spec: { containers: [{ name: 'c', image: 'x', command: ['sh', '-c', 'echo "{ } [ ]"'] }], ...extra },
});

/** An item as kubectl lays it out in a List: pretty-printed, 8 spaces in. */
const asItem = (o: unknown) =>
  JSON.stringify(o, null, 4)
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function onePass(file: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const o of readFile(file)) out.push(o.obj);
  return out;
}

function allRanges(plan: JsonRangePlan): unknown[] {
  const out: unknown[] = [];
  for (let k = 0; k < plan.cuts.length - 1; k++)
    for (const p of rangePieces(plan, k)) out.push(p.value !== undefined ? p.value : JSON.parse(p.text));
  return out;
}

const list = (n: number) => ({
  apiVersion: 'v1',
  items: Array.from({ length: n }, (_, i) => pod(i)),
  kind: 'List',
  metadata: { resourceVersion: '' },
});

test('a kubectl List cut into ranges gives the same objects as one pass, each range starting at an item', async (t) => {
  const dir = scratchDir('ks-ranges', t);
  const file = write(dir, 'list.json', JSON.stringify(list(60), null, 4));
  const plan = planJsonRanges(file, SMALL);
  if (!plan) return t.fail('no plan for a pretty-printed List');
  t.true(plan.cuts.length > 4, `${plan.cuts.length - 1} ranges`);
  t.deepEqual(plan.layout, { stack: [false, true], indent: 8, expectKey: false, lastKeyIsItems: true });
  const text = JSON.stringify(list(60), null, 4);
  // Byte offsets: the text has non-ASCII characters, so compare bytes, not string indexes.
  const bytes = Buffer.from(text);
  for (const cut of plan.cuts.slice(1, -1)) t.is(bytes.subarray(cut, cut + 10).toString(), '\n        {');
  t.deepEqual(allRanges(plan), await onePass(file));
});

test('a two-space List, a top-level array and what follows the List are cut and read the same', async (t) => {
  const dir = scratchDir('ks-ranges', t);
  const twoSpace = write(dir, 'jq.json', JSON.stringify(list(40), null, 2));
  const array = write(dir, 'array.json', JSON.stringify(list(40).items, null, 4));
  const more = write(
    dir,
    'more.json',
    `${JSON.stringify(list(40), null, 4)}\n${JSON.stringify(pod(99), null, 4)}\n[${JSON.stringify(pod(100))}]\n`,
  );
  for (const [file, indent] of [
    [twoSpace, 4],
    [array, 4],
    [more, 8],
  ] as const) {
    const plan = planJsonRanges(file, SMALL);
    if (!plan) return t.fail(`no plan for ${file}`);
    t.is(plan.layout.indent, indent, file);
    t.deepEqual(allRanges(plan), await onePass(file), file);
  }
  t.is(planJsonRanges(array, SMALL)?.layout.stack.length, 1);
});

test('input that is not one pretty-printed List of objects is not cut', async (t) => {
  const dir = scratchDir('ks-ranges', t);
  const cases = {
    compact: JSON.stringify(list(60)),
    crlf: JSON.stringify(list(60), null, 4).replaceAll('\n', '\r\n'),
    yaml: 'apiVersion: v1\nkind: List\nitems:\n  - kind: Pod\n',
    oneObject: JSON.stringify(pod(1), null, 4),
    scalars: JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => i) }, null, 4),
    empty: '',
  };
  for (const [name, text] of Object.entries(cases))
    t.is(planJsonRanges(write(dir, name, text), SMALL), undefined, name);
  t.is(planJsonRanges(dir, SMALL), undefined, 'a directory');
  t.is(planJsonRanges(path.join(dir, 'missing'), SMALL), undefined, 'a missing file');
  const big = write(dir, 'list.json', JSON.stringify(list(60), null, 4));
  t.is(planJsonRanges(big, { minBytes: 1 << 30, rangeBytes: 2000 }), undefined, 'smaller than minBytes');
});

test('a cut inside an item that looks like a boundary is caught by the range before it', async (t) => {
  // Item 1 holds objects laid out exactly like the List's items (8 spaces, `},`, `{`),
  // so a cut can land inside it; the range that ends there must not pass as whole.
  const inner = Array.from({ length: 200 }, (_, i) => `        {\n"k": ${i}\n        }`).join(',\n');
  const text = [
    '{',
    '    "apiVersion": "v1",',
    '    "items": [',
    `${asItem(pod(0))},`,
    '        {',
    '            "kind": "Pod", "metadata": {"name": "tricky"}, "spec": {"containers": [], "x": [',
    inner,
    '            ]}',
    '        },',
    asItem(pod(2)),
    '    ],',
    '    "kind": "List"',
    '}',
    '',
  ].join('\n');
  const dir = scratchDir('ks-ranges', t);
  const file = write(dir, 'tricky.json', text);
  const plan = planJsonRanges(file, { minBytes: 0, rangeBytes: 1500 });
  if (!plan) return t.fail('no plan');
  const from = Buffer.byteLength(text.slice(0, text.indexOf('"tricky"')));
  const to = Buffer.byteLength(text.slice(0, text.indexOf('            ]}')));
  t.true(
    plan.cuts.some((c) => c > from && c < to),
    'a cut inside the tricky item',
  );
  const error = t.throws(() => allRanges(plan));
  t.true(error instanceof RangeMismatch, String(error));
  t.is((await onePass(file)).length, 3);
});

test('a range whose file shrank since it was planned is a mismatch, not a short read', (t) => {
  const dir = scratchDir('ks-ranges', t);
  const file = write(dir, 'list.json', JSON.stringify(list(60), null, 4));
  const plan = planJsonRanges(file, SMALL);
  if (!plan) return t.fail('no plan');
  writeFileSync(file, JSON.stringify(list(2), null, 4));
  t.throws(() => allRanges(plan), { instanceOf: Error });
});

test('a List read wrongly by the splitter is read the same wrongly in ranges, or not in ranges at all', async (t) => {
  // A comma where the colon belongs: one pass takes "x" as a key, so the second array is
  // not a list of items and its object is dropped. Ranges must not make it a pod.
  const items = list(60)
    .items.map((p) => asItem(p))
    .join(',\n');
  const text = `{\n    "items" , [\n${items}\n    ] "x" [\n        {"kind": "Pod", "metadata": {"name": "extra"}}\n    ]\n}\n`;
  const dir = scratchDir('ks-ranges', t);
  const file = write(dir, 'odd.json', text);
  const one = await onePass(file);
  t.is(one.length, 60);
  const plan = planJsonRanges(file, SMALL);
  if (!plan) return t.pass('not cut');
  let ranges: unknown[] | undefined;
  try {
    ranges = allRanges(plan);
  } catch (e) {
    t.true(e instanceof RangeMismatch, String(e));
  }
  if (ranges) t.deepEqual(ranges, one);
});
