import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { TEMPLATES_DIR, assertSafeTemplate, renderTemplateText, yamlScalar } from '../../src/render/handlebars.js';

function templates(dir = TEMPLATES_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? templates(path.join(dir, e.name)) : e.name.endsWith('.hbs') ? [path.join(dir, e.name)] : [],
  );
}

test('every shipped template prints values only through the YAML-safe helpers', (t) => {
  const files = templates();
  t.true(files.length >= 15);
  for (const f of files)
    t.notThrows(() => assertSafeTemplate(readFileSync(f, 'utf8'), path.relative(TEMPLATES_DIR, f)), f);
});

test('a template that prints a raw value is refused with its line', (t) => {
  t.throws(() => renderTemplateText('a: 1\nname: {{name}}\n', { name: 'x' }, 'bad.hbs'), {
    message: 'bad.hbs:2: {{name}} prints a raw value; use {{q name}} or {{yaml name N}}',
  });
  t.throws(() => renderTemplateText('name: {{{name}}}\n', { name: 'x' }, 'bad.hbs'), { message: /triple-stash/ });
});

test('a missing value is an error, not an empty string', (t) => {
  t.throws(() => renderTemplateText('name: {{q name}}\n', {}), { message: /got a missing value/ });
});

const hostile = [
  'a\nkind: Secret',
  'x: y',
  '- item',
  '{a: 1}',
  '[1, 2]',
  '&anchor',
  '*alias',
  '!!binary aGk=',
  '# comment',
  'it\'s "quoted"',
  'yes',
  'on',
  'NO',
  '0755',
  '1e3',
  '0x1F',
  '~',
  'null',
  '',
  ' leading space',
  'trailing space ',
  '\ttab',
  '%TAG',
  '@at',
  '`tick',
  'a: b # c',
  '--- doc',
  '...',
  '🙂 emoji',
  '0o17',
  '0b101',
  '1_000',
  'a\u2028line separator',
  'nel\u0085',
  'del\u007f',
  'c1\u0090',
  '\ufeffbom',
  'lone \ud800 surrogate',
  'multi\nline\n',
  'say "hi"',
];

test('a scalar reads back as exactly the same string, whatever it contains', (t) => {
  for (const value of hostile) {
    const text = renderTemplateText('kind: ConfigMap\nname: {{q v}}\nother: fixed\n', { v: value });
    const doc = parse(text, { version: '1.1' });
    t.deepEqual(doc, { kind: 'ConfigMap', name: value, other: 'fixed' }, JSON.stringify(value));
  }
});

test("every string is quoted, so Go's decoder (kubectl, kubeadm) reads a string; numbers and booleans stay bare", (t) => {
  t.is(yamlScalar('yes'), '"yes"');
  t.is(yamlScalar('off'), '"off"');
  t.is(yamlScalar('0755'), '"0755"');
  t.is(yamlScalar('0o17'), '"0o17"');
  t.is(yamlScalar('10.244.0.0/16'), '"10.244.0.0/16"');
  t.is(yamlScalar('restricted'), '"restricted"');
  t.is(yamlScalar(true), 'true');
  t.is(yamlScalar(6443), '6443');
});

test('characters go-yaml would reject or read as line breaks are escaped', (t) => {
  t.is(yamlScalar('a\u2028b\u2029c\u0085d'), '"a\\u2028b\\u2029c\\u0085d"');
  t.is(yamlScalar('del\u007f c1\u0090 bom\ufeff'), '"del\\u007f c1\\u0090 bom\\ufeff"');
  t.is(yamlScalar('tab\tnl\nq"b\\'), String.raw`"tab\tnl\nq\"b\\"`);
  t.is(yamlScalar('cel: "x" in y'), `'cel: "x" in y'`);
  t.is(yamlScalar('emoji 🙂'), '"emoji 🙂"');
});

test('a block value stays inside its parent, whatever its strings contain', (t) => {
  const value = { labels: { 'a\nkind: Secret': 'x: y', b: '- c' } };
  const text = renderTemplateText('metadata:\n{{yaml v 2}}\nkind: ConfigMap\n', { v: value });
  t.deepEqual(parse(text, { version: '1.1' }), { metadata: value, kind: 'ConfigMap' });
});
