/**
 * checkPspSpec (the zod-free PodSecurityPolicy spec check the policy commands use) gives
 * the same answer as pspSpecSchema, the zod schema the config uses: the same first
 * problem (field and words) for bad specs, the same copy (keys in the schema's order)
 * for good ones. The specs tried are made from the zod schema itself (through its JSON
 * Schema), one bad value at a time at every field, so a field added to the schema and
 * not to checkPspSpec fails here.
 */
import test from 'ava';
import { z } from 'zod';
import { pspSpecSchema } from '../../../src/k8s/psp.js';
import { checkPspSpec } from '../../../src/policy/psp/spec-check.js';

interface JsonSchema {
  type?: string;
  enum?: string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
}

const SCHEMA = z.toJSONSchema(pspSpecSchema) as JsonSchema;

/** A value the schema accepts, every optional field filled in. */
function valid(s: JsonSchema): unknown {
  if (s.enum) return s.enum[s.enum.length - 1];
  switch (s.type) {
    case 'boolean':
      return true;
    case 'string':
      return 'x';
    case 'integer':
      return s.maximum ?? (s.minimum ?? 0) + 1000;
    case 'array':
      return [valid(s.items!), valid(s.items!)];
    case 'object':
      // Reversed, so the copy's order (the schema's) differs from the input's.
      return Object.fromEntries(
        Object.entries(s.properties ?? {})
          .reverse()
          .map(([k, v]) => [k, valid(v)]),
      );
    default:
      throw new Error(`no valid value for ${JSON.stringify(s)}`);
  }
}

type Path = (string | number)[];

/** Every field's path in `s` (array elements as index 1), with its schema. */
function fields(s: JsonSchema, path: Path = []): [Path, JsonSchema][] {
  const out: [Path, JsonSchema][] = [];
  if (s.type === 'object') {
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      out.push([[...path, k], v], ...fields(v, [...path, k]));
    }
  } else if (s.type === 'array') {
    out.push([[...path, 1], s.items!], ...fields(s.items!, [...path, 1]));
  }
  return out;
}

const BAD_VALUES: unknown[] = [
  null,
  true,
  'str',
  '',
  0,
  -1,
  1.5,
  -2.5,
  65536,
  2 ** 53,
  -(2 ** 60),
  1e300,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  [],
  ['x'],
  [''],
  [null],
  {},
  { zz: 1 },
];

function setAt(root: unknown, path: Path, value: unknown, remove = false): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) delete o[last];
  else o[last] = value;
  return copy;
}

function zodAnswer(spec: unknown): string {
  const r = pspSpecSchema.safeParse(spec);
  if (r.success) return `ok ${JSON.stringify(r.data)}`;
  const issue = r.error.issues[0];
  return `${issue.path.map(String).join('.')}: ${issue.message}`;
}

function ourAnswer(spec: unknown): string {
  const r = checkPspSpec(spec);
  if (r.ok) return `ok ${JSON.stringify(r.spec)}`;
  return `${r.issue.path.map(String).join('.')}: ${r.issue.message}`;
}

const FULL = valid(SCHEMA);
const FIELDS = fields(SCHEMA);

test('the corpus covers every field of the zod schema', (t) => {
  t.true(FIELDS.length > 60, `${FIELDS.length} fields`);
  t.true(zodAnswer(FULL).startsWith('ok '), zodAnswer(FULL));
});

test('a good spec: the same copy as zod, keys in the schema order', (t) => {
  const specs = [{}, FULL, ...FIELDS.filter(([p]) => p.length === 1).map(([p, s]) => ({ [p[0]]: valid(s) }))];
  for (const spec of specs) t.is(ourAnswer(spec), zodAnswer(spec), JSON.stringify(spec));
});

test('one bad value at each field: the same first problem as zod', (t) => {
  let tried = 0;
  for (const [path] of FIELDS) {
    for (const bad of BAD_VALUES) {
      const spec = setAt(FULL, path, bad);
      t.is(ourAnswer(spec), zodAnswer(spec), `${path.join('.')} = ${String(bad)}`);
      tried++;
    }
    const without = setAt(FULL, path, undefined, true);
    t.is(ourAnswer(without), zodAnswer(without), `${path.join('.')} left out`);
  }
  t.true(tried > 1000);
});

test('unknown keys, and several problems at once: zod reports the same one first', (t) => {
  const objects = [[], ...FIELDS.filter(([, s]) => s.type === 'object').map(([p]) => p)] as Path[];
  for (const path of objects) {
    const at = (spec: unknown, key: string, value: unknown) => setAt(spec, [...path, key], value);
    const specs = [
      at(FULL, 'zz', 1),
      at(at(FULL, 'zz', 1), 'aa', 2),
      JSON.parse(JSON.stringify(at(FULL, 'zz', 1)).replace('"zz"', '"__proto__"')),
      at(at(FULL, 'zz', 1), 'say "hi"', 2),
    ];
    for (const spec of specs) t.is(ourAnswer(spec), zodAnswer(spec), `${path.join('.')}: ${JSON.stringify(spec)}`);
  }
  // Two bad fields, and a bad field with an unknown key: which one comes first.
  for (let a = 0; a < FIELDS.length; a += 3) {
    for (let b = a + 1; b < FIELDS.length; b += 5) {
      const spec = setAt(setAt(FULL, FIELDS[b][0], 'str'), FIELDS[a][0], -7);
      t.is(ourAnswer(spec), zodAnswer(spec), `${FIELDS[a][0].join('.')} and ${FIELDS[b][0].join('.')}`);
    }
    const parent = FIELDS[a][0].slice(0, -1);
    const spec = setAt(setAt(FULL, [...parent, 'zz'], 1), FIELDS[a][0], null);
    t.is(ourAnswer(spec), zodAnswer(spec), `${FIELDS[a][0].join('.')} with an unknown key beside it`);
  }
});

test('the spec itself of the wrong type', (t) => {
  for (const spec of [null, 'x', 3, [], [{}], true]) t.is(ourAnswer(spec), zodAnswer(spec), JSON.stringify(spec));
});
