import test from 'ava';
import {
  forbidden,
  formatErrorList,
  formatFieldError,
  formatIdRanges,
  go,
  invalid,
  required,
} from '../../../src/policy/psp/field-error.js';

test('Invalid renders the value the way ErrorBody does: %v for bool and ints, %q for strings', (t) => {
  t.is(formatFieldError(invalid('a.b', go.bool(true), 'd')), 'a.b: Invalid value: true: d');
  t.is(formatFieldError(invalid('a.b', go.int(80), 'd')), 'a.b: Invalid value: 80: d');
  t.is(formatFieldError(invalid('a.b', go.str('hostPath'), 'd')), 'a.b: Invalid value: "hostPath": d');
  // Go's %q, not JSON: quotes and backslashes escaped, control bytes as \x.
  t.is(go.str('a"b\\c\u0001'), '"a\\"b\\\\c\\x01"');
});

test('a nil pointer prints as the quoted string "null" (1.24 ErrorBody), not <nil>', (t) => {
  t.is(
    formatFieldError(
      invalid('x.readOnlyRootFilesystem', go.nil, 'ReadOnlyRootFilesystem may not be nil and must be set to true'),
    ),
    'x.readOnlyRootFilesystem: Invalid value: "null": ReadOnlyRootFilesystem may not be nil and must be set to true',
  );
});

test('slices print with %#v: nil and empty differ', (t) => {
  t.is(go.int64s([1, 2]), '[]int64{1, 2}');
  t.is(go.int64s([]), '[]int64{}');
  t.is(go.int64s(undefined), '[]int64(nil)');
  t.is(go.capabilities(['ALL', 'NET_RAW']), '[]core.Capability{"ALL", "NET_RAW"}');
  t.is(go.capabilities(undefined), '[]core.Capability(nil)');
  t.is(go.namedString('Unmasked'), '"Unmasked"');
});

test('Required and Forbidden carry no value; an empty detail adds nothing', (t) => {
  t.is(formatFieldError(required('a.runAsUser')), 'a.runAsUser: Required value');
  t.is(formatFieldError(required('a.runAsNonRoot', 'must be true')), 'a.runAsNonRoot: Required value: must be true');
  t.is(formatFieldError(forbidden('p', 'seccomp may not be set')), 'p: Forbidden: seccomp may not be set');
  t.is(
    formatFieldError(invalid('spec.runtimeClassName', go.str('kata'), '')),
    'spec.runtimeClassName: Invalid value: "kata"',
  );
});

test('an ErrorList prints space-separated in brackets, [] when empty', (t) => {
  t.is(formatErrorList([]), '[]');
  t.is(formatErrorList([required('a'), forbidden('b', 'no')]), '[a: Required value b: Forbidden: no]');
});

test('ID ranges print as %v of []IDRange', (t) => {
  t.is(
    formatIdRanges([
      { min: 1, max: 65535 },
      { min: 100, max: 200 },
    ]),
    '[{1 65535} {100 200}]',
  );
});
