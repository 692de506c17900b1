import test from 'ava';
import { changes } from '../../src/policy/diff.js';

test('changes lists leaf paths with their new values; new objects whole', (t) => {
  const before = {
    metadata: { annotations: { a: '1' } },
    spec: { containers: [{ name: 'c' }], securityContext: null },
  };
  const after = {
    metadata: { annotations: { a: '1', 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default' } },
    spec: { containers: [{ name: 'c', securityContext: { runAsNonRoot: true } }], securityContext: { fsGroup: 1 } },
  };
  t.deepEqual(changes(before, after), [
    'metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: "runtime/default"',
    'spec.containers[0].securityContext: {"runAsNonRoot":true}',
    'spec.securityContext: {"fsGroup":1}',
  ]);
  t.deepEqual(changes(before, structuredClone(before)), []);
  t.deepEqual(changes({ a: [1] }, { a: [1, 2] }), ['a: [1,2]']);
  t.deepEqual(changes({ a: undefined }, { a: null }), []);
});
