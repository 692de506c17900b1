/**
 * Evaluates a generated ValidatingAdmissionPolicy on an object with a real CEL
 * evaluator (@bufbuild/cel, standard library only: no Kubernetes or strings extensions,
 * no optional syntax), the way kube-apiserver does: variables in order, then every
 * validation; a validation that is false refuses, with its messageExpression (falling
 * back to message). Integers are CEL ints, as the API server's unstructured objects
 * carry them. A CEL error is thrown: a generated policy must never error on a pod.
 */
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';

type Program = (ctx: Record<string, unknown>) => unknown;

const env = celEnv();
const programs = new Map<string, Program>();

export function program(expression: string): Program {
  let p = programs.get(expression);
  if (!p) {
    p = plan(env, parse(expression)) as unknown as Program;
    programs.set(expression, p);
  }
  return p;
}

/**
 * JSON -> CEL input as kube-apiserver builds it from the typed object: integral numbers
 * become ints (bigint), and empty lists are gone (every list field of a pod is omitempty, so
 * `supplementalGroups: []` is not there for has(); checked against a real 1.37 API server).
 */
export function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => !(Array.isArray(x) && x.length === 0))
        .map(([k, x]) => [k, toCel(x)]),
    );
  return v;
}

export class CelEvaluationError extends Error {}

function run(expression: string, ctx: Record<string, unknown>, what: string): unknown {
  const r = program(expression)(ctx);
  if (isCelError(r)) throw new CelEvaluationError(`${what}: ${r.message}\n  expression: ${expression}`);
  return r;
}

export interface VapVerdict {
  allowed: boolean;
  /** Messages of the failing validations. */
  messages: string[];
}

interface VapSpec {
  variables?: { name: string; expression: string }[];
  validations: { expression: string; message?: string; messageExpression?: string }[];
}

/** `vap`: a ValidatingAdmissionPolicy object (its spec is read; the rendered objects type it loosely). */
export function evaluateVap(
  vap: object,
  object: unknown,
  request: { namespace: string; operation?: string } = { namespace: 'demo' },
): VapVerdict {
  const spec = (vap as { spec?: unknown }).spec as VapSpec | undefined;
  if (!spec) throw new Error('not a ValidatingAdmissionPolicy: no spec');
  const variables: Record<string, unknown> = {};
  const base = { object: toCel(object), oldObject: null, request: { operation: 'CREATE', ...request } };
  for (const v of spec.variables ?? []) {
    variables[v.name] = run(v.expression, { ...base, variables }, `variable ${v.name}`);
  }
  const ctx = { ...base, variables };
  const messages: string[] = [];
  for (const v of spec.validations) {
    const ok = run(v.expression, ctx, 'validation');
    if (typeof ok !== 'boolean')
      throw new CelEvaluationError(`validation returned ${String(ok)}, not a bool: ${v.expression}`);
    if (ok) continue;
    if (v.messageExpression) {
      const m = run(v.messageExpression, ctx, 'messageExpression');
      if (typeof m !== 'string')
        throw new CelEvaluationError(`messageExpression returned ${String(m)}: ${v.messageExpression}`);
      messages.push(m);
    } else messages.push(v.message ?? '');
  }
  return { allowed: messages.length === 0, messages };
}
