/** Reading -f inputs: formats, Lists, streaming, and where malformed input is. */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { UserError } from '../../src/errors.js';
import { readInputs, readObjects, type SourceObject } from '../../src/policy/input.js';
import { InputSet } from '../../src/policy/check/input-set.js';
import { classify } from '../../src/policy/objects.js';
import { scratchDir } from '../helpers/scratch.js';

/** Feeds `text` in chunks of `size` characters (1 exercises every chunk boundary). */
async function read(text: string, size = 1 << 16): Promise<SourceObject[]> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  const out: SourceObject[] = [];
  for await (const o of readObjects(Readable.from(chunks), 'in.yaml')) out.push(o);
  return out;
}

async function readError(text: string, size?: number): Promise<string> {
  try {
    await read(text, size);
  } catch (e) {
    if (e instanceof UserError) return e.toString();
    throw e;
  }
  throw new Error('no error');
}

const podJson = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'x', command: ['sh', '-c', 'echo "{ } [ ]" \\ done'] }] },
});

test('YAML: several documents, blank ones skipped, with the line each starts on', async (t) => {
  const objs = await read(
    '---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n# only a comment\n---\nkind: Pod\nmetadata:\n  name: b\n...\n',
  );
  t.deepEqual(
    objs.map((o) => [(o.obj as any).metadata.name, o.line]),
    [
      ['a', 1],
      ['b', 7],
    ],
  );
});

test('YAML: a kubectl List is split into items, at any chunk size, with item lines', async (t) => {
  const text = [
    'apiVersion: v1',
    'items:',
    '- apiVersion: v1',
    '  kind: Pod',
    '  metadata:',
    '    name: a',
    '  spec:',
    '    containers: []',
    '- kind: Pod',
    '  metadata: {name: b}',
    'kind: List',
    'metadata:',
    '  resourceVersion: ""',
    '',
  ].join('\n');
  for (const size of [1, 7, 1 << 16]) {
    const objs = await read(text, size);
    t.deepEqual(
      objs.map((o) => [(o.obj as any).metadata.name, o.line]),
      [
        ['a', 3],
        ['b', 9],
      ],
      `chunk size ${size}`,
    );
  }
});

test('YAML: a List with indented entries (as js-yaml and others print it) is split too', async (t) => {
  const text = [
    'apiVersion: v1',
    'items:',
    '  - kind: Pod',
    '    metadata:',
    '      name: a',
    '    spec:',
    '      containers:',
    '      - name: c',
    '',
    '  # a comment',
    '  - kind: Pod',
    '    metadata: {name: b}',
    'kind: List',
    '',
  ].join('\n');
  for (const size of [1, 1 << 16]) {
    t.deepEqual(
      (await read(text, size)).map((o) => [(o.obj as any).metadata.name, o.line]),
      [
        ['a', 3],
        ['b', 11],
      ],
    );
  }
});

test('YAML: a flow-style items list, or an indented one, is expanded', async (t) => {
  const objs = await read(
    'kind: List\nitems: [{kind: Pod, metadata: {name: a}}]\n---\nkind: PodList\nitems:\n  - kind: Pod\n    metadata: {name: b}\n',
  );
  t.deepEqual(
    objs.map((o) => (o.obj as any).metadata.name),
    ['a', 'b'],
  );
});

test('YAML: malformed input names the line and column', async (t) => {
  t.is(
    await readError('kind: Pod\nmetadata:\n  name: [a\nspec: {}\n'),
    'in.yaml:4:1: invalid YAML: missed comma between flow collection entries',
  );
  // In a later document, the line is counted from the start of the stream.
  t.regex(await readError('kind: Pod\n---\nkind: Pod\nmetadata: {name: a\n'), /^in\.yaml:5:1: invalid YAML: /);
});

test('YAML: a duplicate key is an error, pointing at the duplicate', async (t) => {
  t.is(
    await readError('kind: Pod\nmetadata:\n  name: a\n  name: b\n'),
    'in.yaml:4:3: invalid YAML: duplicated mapping key',
  );
  // Inside a split List item the line is still right.
  t.is(
    await readError('items:\n- kind: Pod\n  kind: Pod\nkind: List\n', 3),
    'in.yaml:3:3: invalid YAML: duplicated mapping key',
  );
});

test('YAML follows kubectl (YAML 1.1) for yes/no/on/off', async (t) => {
  const [o] = await read('a: yes\nb: off\nc: "yes"\nd: true\ne: 2024-01-01\n');
  t.deepEqual(o.obj, { a: true, b: false, c: 'yes', d: true, e: '2024-01-01' });
});

test('YAML: CRLF line endings and a byte-order mark are fine', async (t) => {
  const objs = await read('\ufeffkind: Pod\r\nmetadata:\r\n  name: a\r\n---\r\nkind: Pod\r\nmetadata: {name: b}\r\n');
  t.deepEqual(
    objs.map((o) => (o.obj as any).metadata.name),
    ['a', 'b'],
  );
});

test('JSON: a kubectl List (pretty-printed) yields its items, at any chunk size, with their lines', async (t) => {
  const list = JSON.stringify(
    {
      apiVersion: 'v1',
      items: [podJson('a'), podJson('b'), podJson('c')],
      kind: 'List',
      metadata: { resourceVersion: '' },
    },
    null,
    4,
  );
  // Each item starts on its own line `        {` (1-based line numbers).
  const itemLines = list.split('\n').flatMap((l, i) => (l === '        {' ? [i + 1] : []));
  for (const size of [1, 5, 64, 1 << 16]) {
    const objs = await read(list, size);
    t.deepEqual(
      objs.map((o) => (o.obj as any).metadata.name),
      ['a', 'b', 'c'],
      `chunk ${size}`,
    );
    t.deepEqual(
      objs.map((o) => o.line),
      itemLines,
      `lines, chunk ${size}`,
    );
  }
});

test('JSON: compact, concatenated, JSON Lines and top-level arrays all work', async (t) => {
  const names = async (text: string) => (await read(text, 3)).map((o) => (o.obj as any).metadata.name);
  t.deepEqual(await names(JSON.stringify({ kind: 'List', items: [podJson('a'), podJson('b')] })), ['a', 'b']);
  t.deepEqual(await names(`${JSON.stringify(podJson('a'))}\n${JSON.stringify(podJson('b'))}\n`), ['a', 'b']);
  t.deepEqual(await names(`${JSON.stringify(podJson('a'), null, 2)}${JSON.stringify(podJson('b'))}`), ['a', 'b']);
  t.deepEqual(await names(JSON.stringify([podJson('a'), podJson('b')], null, '\t')), ['a', 'b']);
});

test('JSON: an `items` key below the top level is not a List', async (t) => {
  const cm = { kind: 'ConfigMap', metadata: { name: 'x' }, data: { items: '[]' }, spec: { items: [{ a: 1 }] } };
  const [o, ...rest] = await read(JSON.stringify(cm, null, 4), 2);
  t.deepEqual(o.obj, cm);
  t.is(rest.length, 0);
});

test('JSON: a pretty-printed item that is not what it seems falls back to the full scan', async (t) => {
  // The line "        }" inside the first item is not the item's end: the fast path's
  // slice does not parse, and the item is walked character by character instead.
  const tricky =
    '{"items": [\n        {"kind": "Pod", "metadata": {"name": "a", "x": {\n        }}, "spec": {}},\n        {"kind": "Pod", "metadata": {"name": "b"}}\n]}';
  t.deepEqual(
    (await read(tricky)).map((o) => (o.obj as any).metadata.name),
    ['a', 'b'],
  );
});

test('JSON: malformed input names line and column', async (t) => {
  t.is(
    await readError('{\n  "kind": "Pod",\n  "metadata": {"name": tru}\n}\n'),
    "in.yaml:3:27: invalid JSON: Unexpected token '}'",
  );
  t.is(await readError('{"kind": "Pod",}'), 'in.yaml:1:16: invalid JSON: Expected double-quoted property name');
  t.is(await readError('{"kind": "Pod"\n'), 'in.yaml:2:1: invalid JSON: unexpected end of JSON input');
  t.is(await readError('{"a": 1}\n]'), 'in.yaml:2:1: invalid JSON: expected a JSON object or array at the top level');
  t.is(await readError('{"a": [1}'), "in.yaml:1:9: invalid JSON: unexpected '}'");
});

/** Feeds the UTF-8 bytes of `text` in chunks of `size` bytes (cutting multi-byte characters). */
async function readBytes(text: string, size: number): Promise<SourceObject[]> {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const out: SourceObject[] = [];
  for await (const o of readObjects(Readable.from(chunks), 'in.json')) out.push(o);
  return out;
}

test('JSON: non-ASCII text, cut anywhere between chunks, reads whole; positions count characters', async (t) => {
  const names = ['ü', '日本', '🚀 and é', 'plain'];
  const list = JSON.stringify({ kind: 'List', items: names.map((n) => podJson(n)) }, null, 4);
  const itemLines = list.split('\n').flatMap((l, i) => (l === '        {' ? [i + 1] : []));
  const compact = names.map((n) => JSON.stringify(podJson(n))).join('');
  for (const size of [1, 2, 3, 5, 64, 1 << 16]) {
    const objs = await readBytes(list, size);
    t.deepEqual(
      objs.map((o) => [(o.obj as any).metadata.name, o.line]),
      names.map((n, i) => [n, itemLines[i]]),
      `pretty, ${size}-byte chunks`,
    );
    t.deepEqual(
      (await readBytes(compact, size)).map((o) => (o.obj as any).metadata.name),
      names,
      `compact, ${size}-byte chunks`,
    );
    // Text chunks may split a surrogate pair too.
    t.deepEqual(
      (await read(compact, size)).map((o) => (o.obj as any).metadata.name),
      names,
      `compact, ${size}-character chunks`,
    );
  }
  // The column is where the error is in characters, as an editor shows it.
  const bad = '{"kind": "Pod", "metadata": {"name": "ü日本🚀"}, x}';
  const col = bad.indexOf('x') + 1;
  for (const size of [1, 2, 3, 1 << 16]) {
    let message = '';
    try {
      await readBytes(bad, size);
    } catch (e) {
      message = String(e);
    }
    t.is(message, `in.json:1:${col}: invalid JSON: Expected double-quoted property name`, `${size}-byte chunks`);
  }
  // The second: a List's wrapper is not parsed, so text outside its strings is only skipped.
  for (const stray of [`${JSON.stringify(podJson('ü日本🚀'))} ]`, '{"items": [], "kind": ü日本🚀} ]']) {
    for (const size of [1, 3, 1 << 16]) {
      const e = await t.throwsAsync(readBytes(stray, size));
      t.is(
        String(e),
        `in.json:1:${stray.length}: invalid JSON: expected a JSON object or array at the top level`,
        `${stray}, ${size}-byte chunks`,
      );
    }
  }
});

test('JSON: a byte-order mark before or between values is blank', async (t) => {
  for (const size of [1, 2, 1 << 16]) {
    const objs = await readBytes(`\ufeff${JSON.stringify(podJson('a'))}\ufeff${JSON.stringify(podJson('b'))}`, size);
    t.deepEqual(
      objs.map((o) => (o.obj as any).metadata.name),
      ['a', 'b'],
      `${size}-byte chunks`,
    );
  }
});

test('an empty input yields nothing', async (t) => {
  t.deepEqual(await read(''), []);
  t.deepEqual(await read('\n  \n'), []);
});

test('files: a missing file is a UserError naming it; `-` reads stdin, only once', async (t) => {
  const err = await t.throwsAsync(async () => {
    for await (const _ of readInputs(['/no/such/file.yaml'])) void _;
  });
  t.true(err instanceof UserError);
  t.is(err!.toString(), '/no/such/file.yaml: no such file');

  const stdin = Readable.from(['kind: Pod\nmetadata: {name: from-stdin}\n']) as Readable & { setEncoding: () => void };
  stdin.setEncoding = () => stdin;
  const objs: SourceObject[] = [];
  for await (const o of readInputs(['-'], stdin)) objs.push(o);
  t.is(objs[0].file, '<stdin>');
  t.is((objs[0].obj as any).metadata.name, 'from-stdin');

  t.throws(() => new InputSet(['-', '-']), { message: 'stdin ("-") can be read only once' });
});

test('InputSet reads files and stdin twice, stdin through a copy', async (t) => {
  const dir = scratchDir('ks-input', t);
  const file = path.join(dir, 'a.json');
  writeFileSync(file, JSON.stringify(podJson('file')));
  const stdin = Readable.from(['kind: Pod\nmetadata: {name: stdin}\n']) as Readable;
  const set = new InputSet([file, '-'], stdin);
  const first: string[] = [];
  for await (const o of set.first()) first.push((o.obj as any).metadata.name);
  const second: string[] = [];
  for await (const o of set.second()) second.push(`${o.file === file ? 'f' : o.file}:${(o.obj as any).metadata.name}`);
  await set.dispose();
  t.deepEqual(first, ['file', 'stdin']);
  t.deepEqual(second, ['f:file', '<stdin>:stdin']);
});

test('classify: workloads give their pod template in their namespace; unknown kinds are ignored', (t) => {
  const src = (obj: unknown): SourceObject => ({ obj, file: 'f.yaml', line: 3 });
  const template = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  for (const kind of ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job']) {
    const c = classify(src({ kind, metadata: { name: 'w', namespace: 'ns' }, spec: { template } }));
    if (c.type !== 'pod') return t.fail(kind);
    t.is(c.kind, kind);
    t.is(c.name, 'w');
    t.is(c.pod.metadata?.namespace, 'ns');
    t.deepEqual(c.pod.metadata?.labels, { a: 'b' });
  }
  const cron = classify(
    src({ kind: 'CronJob', metadata: { name: 'cj' }, spec: { jobTemplate: { spec: { template } } } }),
  );
  t.like(cron, { type: 'pod', kind: 'CronJob', name: 'cj', namespace: 'default' });
  t.like(classify(src({ kind: 'Service', metadata: { name: 's' } })), { type: 'ignored', kind: 'Service' });
  t.like(classify(src({ kind: 'ClusterRoleBinding', metadata: { name: 'b' } })), { type: 'rbac' });
});

test('classify: a field of the wrong type is bad input naming the file, line and field', (t) => {
  const err = t.throws(() =>
    classify({
      obj: {
        kind: 'Deployment',
        metadata: { name: 'w' },
        spec: { template: { spec: { containers: [{ name: 'c', securityContext: { privileged: 'true' } }] } } },
      },
      file: 'f.yaml',
      line: 3,
    }),
  );
  t.is(
    err!.toString(),
    'f.yaml:3: Deployment w: spec.template.spec.containers[0].securityContext.privileged: must be true or false, not string "true"',
  );
  const noSpec = t.throws(() => classify({ obj: { kind: 'Pod', metadata: { name: 'p' } }, file: 'f.yaml', line: 1 }));
  t.is(noSpec!.toString(), 'f.yaml:1: Pod p: spec: is required');
  const twoSources = t.throws(() =>
    classify({
      obj: {
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: { containers: [], volumes: [{ name: 'v', emptyDir: {}, secret: {} }] },
      },
      file: 'f.yaml',
      line: 1,
    }),
  );
  t.is(twoSources!.toString(), 'f.yaml:1: Pod p: spec.volumes[0]: may not specify more than 1 volume type');
  const annotation = t.throws(() =>
    classify({
      obj: { kind: 'Pod', metadata: { name: 'p', annotations: { a: true } }, spec: { containers: [] } },
      file: 'f.yaml',
      line: 1,
    }),
  );
  t.is(
    annotation!.toString(),
    'f.yaml:1: Pod p: metadata.annotations[a]: must be a string, not boolean true (quote it)',
  );
});

test('classify: a PodSecurityPolicy the API would not store is bad input', (t) => {
  const err = t.throws(() =>
    classify({
      obj: { kind: 'PodSecurityPolicy', metadata: { name: 'p' }, spec: { privileged: 'yes please' } },
      file: 'psp.yaml',
      line: 2,
    }),
  );
  t.regex(err!.toString(), /^psp\.yaml:2: PodSecurityPolicy p: spec\.privileged: /);
  const unknown = t.throws(() =>
    classify({
      obj: { kind: 'PodSecurityPolicy', metadata: { name: 'p' }, spec: { privilegd: true } },
      file: 'psp.yaml',
      line: 2,
    }),
  );
  t.regex(unknown!.toString(), /privilegd/);
});
