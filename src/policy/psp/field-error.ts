/**
 * Field errors as Kubernetes 1.24 prints them (k8s.io/apimachinery
 * pkg/util/validation/field/errors.go): `<path>: <type>[: <value>][: <detail>]`.
 *
 * The value is rendered the way that file's ErrorBody does it:
 * - bool and integers with %v (`true`, `80`);
 * - strings with %q (`"hostPath"`), Go's quoting, not JSON's;
 * - a nil pointer becomes the *string* "null", so it prints quoted: `"null"`
 *   (this is where a nil allowPrivilegeEscalation or readOnlyRootFilesystem ends up);
 * - anything else with %#v (`[]int64{1000}`, `[]int64(nil)`, `[]core.Capability{"ALL"}`).
 * Required and Forbidden errors print no value at all.
 *
 * A list prints as Go prints a field.ErrorList with %v: `[e1 e2]`, space-separated.
 */
import { goQuote } from '../pss/helpers.js';

export type FieldErrorType = 'Invalid' | 'Required' | 'Forbidden';

export interface FieldError {
  readonly type: FieldErrorType;
  /** Dotted path with indexes, e.g. `spec.containers[0].securityContext.privileged`. */
  readonly field: string;
  /** The bad value already rendered in Go syntax; empty for Required and Forbidden. */
  readonly value: string;
  readonly detail: string;
}

/** Renderers for the Go values that PodSecurityPolicy errors carry. */
export const go = {
  bool: (b: boolean): string => (b ? 'true' : 'false'),
  int: (n: number): string => String(n),
  str: (s: string): string => goQuote(s),
  /** A nil pointer (e.g. *bool): ErrorBody turns it into the string "null". */
  nil: '"null"',
  /** `%#v` of a []int64: nil and empty slices print differently. */
  int64s: (a: readonly number[] | null | undefined): string =>
    a == null ? '[]int64(nil)' : `[]int64{${a.join(', ')}}`,
  /** `%#v` of a []core.Capability (the internal API type). */
  capabilities: (a: readonly string[] | null | undefined): string =>
    a == null ? '[]core.Capability(nil)' : `[]core.Capability{${a.map(goQuote).join(', ')}}`,
  /** `%#v` of a named string type such as core.ProcMountType: Go syntax, i.e. quoted. */
  namedString: (s: string): string => goQuote(s),
} as const;

/**
 * What a check returns when it finds nothing: one shared, frozen list, so the checks
 * run for every policy on every container allocate nothing when they pass.
 */
export const NO_ERRORS: readonly FieldError[] = Object.freeze([]);

export function invalid(field: string, value: string, detail: string): FieldError {
  return { type: 'Invalid', field, value, detail };
}

export function required(field: string, detail = ''): FieldError {
  return { type: 'Required', field, value: '', detail };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'Forbidden', field, value: '', detail };
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  Invalid: 'Invalid value',
  Required: 'Required value',
  Forbidden: 'Forbidden',
};

/** `spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed` */
export function formatFieldError(e: FieldError): string {
  let s = `${e.field}: ${TYPE_TEXT[e.type]}`;
  if (e.type === 'Invalid') s += `: ${e.value}`;
  if (e.detail !== '') s += `: ${e.detail}`;
  return s;
}

/** `%v` of a field.ErrorList: `[e1 e2 ...]`, `[]` when empty. */
export function formatErrorList(errors: readonly FieldError[]): string {
  return `[${errors.map(formatFieldError).join(' ')}]`;
}

/** `%v` of []policy.IDRange: `[{1 65535} {100 200}]`. */
export function formatIdRanges(ranges: readonly { min: number; max: number }[]): string {
  return `[${ranges.map((r) => `{${r.min} ${r.max}}`).join(' ')}]`;
}
