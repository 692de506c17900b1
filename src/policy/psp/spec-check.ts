/**
 * The PodSecurityPolicy spec check `policy check`, `policy can-i` and `audit` make on
 * every policy they read, without zod: the same rules as pspSpecSchema (k8s/psp.ts), the
 * same first problem reported in the same words, and the same output (a copy with the
 * keys in the schema's order). Loading zod costs a CLI process about 70 ms, more than
 * checking 10,000 pods against the Pod Security Standards, for what is a table of
 * fields here. test/policy/psp/spec-check.test.ts holds the two to the same answers on
 * every field the zod schema has, so a field added there and not here fails the tests.
 */
import type { PspSpec } from '../../k8s/psp.js';

type Rule =
  | { t: 'bool' }
  | { t: 'str'; nonEmpty: boolean }
  | { t: 'int'; min: number; max?: number }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'list'; of: Rule }
  | { t: 'obj'; fields: Readonly<Record<string, Field>> };

interface Field {
  rule: Rule;
  optional: boolean;
}

const BOOL: Rule = { t: 'bool' };
const STR: Rule = { t: 'str', nonEmpty: false };
const NAME: Rule = { t: 'str', nonEmpty: true };
const NAMES: Rule = { t: 'list', of: NAME };
const opt = (rule: Rule): Field => ({ rule, optional: true });
const req = (rule: Rule): Field => ({ rule, optional: false });
const obj = (fields: Record<string, Field>): Rule => ({ t: 'obj', fields });
const id = { t: 'int', min: 0 } as const;
const port = { t: 'int', min: 0, max: 65535 } as const;
const ranged = (rules: readonly string[]): Rule =>
  obj({ rule: req({ t: 'enum', values: rules }), ranges: opt({ t: 'list', of: obj({ min: req(id), max: req(id) }) }) });

/** pspSpecSchema, field by field and in its order (the order zod reports problems in). */
const SPEC: Rule = obj({
  privileged: opt(BOOL),
  defaultAddCapabilities: opt(NAMES),
  requiredDropCapabilities: opt(NAMES),
  allowedCapabilities: opt(NAMES),
  volumes: opt(NAMES),
  hostNetwork: opt(BOOL),
  hostPorts: opt({ t: 'list', of: obj({ min: req(port), max: req(port) }) }),
  hostPID: opt(BOOL),
  hostIPC: opt(BOOL),
  seLinux: opt(
    obj({
      rule: req({ t: 'enum', values: ['MustRunAs', 'RunAsAny'] }),
      seLinuxOptions: opt(obj({ user: opt(STR), role: opt(STR), type: opt(STR), level: opt(STR) })),
    }),
  ),
  runAsUser: opt(ranged(['MustRunAs', 'MustRunAsNonRoot', 'RunAsAny'])),
  runAsGroup: opt(ranged(['MustRunAs', 'MayRunAs', 'RunAsAny'])),
  supplementalGroups: opt(ranged(['MustRunAs', 'MayRunAs', 'RunAsAny'])),
  fsGroup: opt(ranged(['MustRunAs', 'MayRunAs', 'RunAsAny'])),
  readOnlyRootFilesystem: opt(BOOL),
  defaultAllowPrivilegeEscalation: opt(BOOL),
  allowPrivilegeEscalation: opt(BOOL),
  allowedHostPaths: opt({ t: 'list', of: obj({ pathPrefix: req(STR), readOnly: opt(BOOL) }) }),
  allowedFlexVolumes: opt({ t: 'list', of: obj({ driver: req(NAME) }) }),
  allowedCSIDrivers: opt({ t: 'list', of: obj({ name: req(NAME) }) }),
  allowedUnsafeSysctls: opt(NAMES),
  forbiddenSysctls: opt(NAMES),
  allowedProcMountTypes: opt({ t: 'list', of: { t: 'enum', values: ['Default', 'Unmasked'] } }),
  runtimeClass: opt(obj({ allowedRuntimeClassNames: req(NAMES), defaultRuntimeClassName: opt(STR) })),
});

/** The first problem: where (below spec) and what, in zod's words. */
export interface SpecIssue {
  path: (string | number)[];
  message: string;
}

export type SpecCheck = { ok: true; spec: PspSpec } | { ok: false; issue: SpecIssue };

/** Checks a PodSecurityPolicy spec as pspSpecSchema.safeParse does, reporting its first issue. */
export function checkPspSpec(spec: unknown): SpecCheck {
  const path: (string | number)[] = [];
  try {
    return { ok: true, spec: check(SPEC, spec, path) as PspSpec };
  } catch (e) {
    if (e instanceof Problem) return { ok: false, issue: { path: e.path, message: e.message } };
    throw e;
  }
}

class Problem {
  constructor(
    readonly path: (string | number)[],
    readonly message: string,
  ) {}
}

/** How zod names a value's type in "received ..." (util.parsedType and the en locale). */
function received(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? 'number' : String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (
      proto !== Object.prototype &&
      proto !== null &&
      typeof proto.constructor === 'function' &&
      proto.constructor.name
    )
      return proto.constructor.name;
  }
  return typeof v;
}

function fail(path: (string | number)[], message: string): never {
  throw new Problem([...path], message);
}

const quoted = (values: readonly string[], sep: string) => values.map((v) => `"${v}"`).join(sep);

function check(rule: Rule, v: unknown, path: (string | number)[]): unknown {
  switch (rule.t) {
    case 'bool':
      if (typeof v !== 'boolean') fail(path, `Invalid input: expected boolean, received ${received(v)}`);
      return v;
    case 'str':
      if (typeof v !== 'string') fail(path, `Invalid input: expected string, received ${received(v)}`);
      if (rule.nonEmpty && v.length < 1) fail(path, 'Too small: expected string to have >=1 characters');
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isFinite(v))
        fail(path, `Invalid input: expected number, received ${received(v)}`);
      if (!Number.isInteger(v)) fail(path, 'Invalid input: expected int, received number');
      if (v > Number.MAX_SAFE_INTEGER) fail(path, `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`);
      if (v < Number.MIN_SAFE_INTEGER) fail(path, `Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`);
      if (v < rule.min) fail(path, `Too small: expected number to be >=${rule.min}`);
      if (rule.max !== undefined && v > rule.max) fail(path, `Too big: expected number to be <=${rule.max}`);
      return v;
    case 'enum':
      if (typeof v !== 'string' || !rule.values.includes(v))
        fail(path, `Invalid option: expected one of ${quoted(rule.values, '|')}`);
      return v;
    case 'list': {
      if (!Array.isArray(v)) fail(path, `Invalid input: expected array, received ${received(v)}`);
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        out.push(check(rule.of, v[i], path));
        path.pop();
      }
      return out;
    }
    case 'obj': {
      if (v === null || typeof v !== 'object' || Array.isArray(v))
        fail(path, `Invalid input: expected object, received ${received(v)}`);
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key in rule.fields) {
        const field = rule.fields[key];
        const value = Object.hasOwn(o, key) ? o[key] : undefined;
        if (value === undefined) {
          if (field.optional) continue;
        }
        path.push(key);
        const checked = check(field.rule, value, path);
        path.pop();
        if (value !== undefined) out[key] = checked;
      }
      const unknown: string[] = [];
      for (const key in o) if (!Object.hasOwn(rule.fields, key)) unknown.push(key);
      if (unknown.length > 0) fail(path, `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${quoted(unknown, ', ')}`);
      return out;
    }
  }
}
