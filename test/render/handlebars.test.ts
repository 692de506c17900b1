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
];

test('a scalar reads back as exactly the same string, whatever it contains', (t) => {
  for (const value of hostile) {
    const text = renderTemplateText('kind: ConfigMap\nname: {{q v}}\nother: fixed\n', { v: value });
    const doc = parse(text, { version: '1.1' });
    t.deepEqual(doc, { kind: 'ConfigMap', name: value, other: 'fixed' }, JSON.stringify(value));
  }
});

test('YAML 1.1 booleans and octals are quoted, so kubectl and kubeadm read strings', (t) => {
  t.is(yamlScalar('yes'), '"yes"');
  t.is(yamlScalar('off'), '"off"');
  t.is(yamlScalar('0755'), '"0755"');
  t.is(yamlScalar('10.244.0.0/16'), '10.244.0.0/16');
  t.is(yamlScalar(true), 'true');
  t.is(yamlScalar(6443), '6443');
});

test('a block value stays inside its parent, whatever its strings contain', (t) => {
  const value = { labels: { 'a\nkind: Secret': 'x: y', b: '- c' } };
  const text = renderTemplateText('metadata:\n{{yaml v 2}}\nkind: ConfigMap\n', { v: value });
  t.deepEqual(parse(text, { version: '1.1' }), { metadata: value, kind: 'ConfigMap' });
});
