/** The small upstream helpers whose edge cases decide verdicts. */
import test from 'ava';
import { allowsHostPath, hasPathPrefix, volumeFSType } from '../../../src/policy/psp/fstype.js';
import { equalLevels } from '../../../src/policy/psp/strategies/selinux.js';
import { seccompAnnotationForField } from '../../../src/policy/psp/strategies/seccomp.js';

test('hasPathPrefix matches whole segments and ignores trailing slashes', (t) => {
  const table: [string, string, boolean][] = [
    ['/foo', '/foo', true],
    ['/foo/bar', '/foo', true],
    ['/foo/bar', '/foo/', true],
    ['/foo/', '/foo', true],
    ['/foobar', '/foo', false],
    ['/fo', '/foo', false],
    ['/anything', '/', true],
    ['/', '/', true],
  ];
  for (const [path, prefix, want] of table) t.is(hasPathPrefix(path, prefix), want, `${path} under ${prefix}`);
});

test('allowsHostPath: no list allows all; only read-only matches make it read-only', (t) => {
  t.deepEqual(allowsHostPath(undefined, '/x'), { allowed: true, mustBeReadOnly: false });
  t.deepEqual(allowsHostPath([{ pathPrefix: '/a', readOnly: true }], '/a/b'), { allowed: true, mustBeReadOnly: true });
  t.deepEqual(allowsHostPath([{ pathPrefix: '/a', readOnly: true }, { pathPrefix: '/a/b' }], '/a/b'), {
    allowed: true,
    mustBeReadOnly: false,
  });
  t.deepEqual(allowsHostPath([{ pathPrefix: '/a' }], '/b'), { allowed: false, mustBeReadOnly: false });
});

test('volume types: pod fields map to policy FSTypes (cephfs -> cephFS); no source is emptyDir', (t) => {
  t.is(volumeFSType({ name: 'v', cephfs: {} }), 'cephFS');
  t.is(volumeFSType({ name: 'v', persistentVolumeClaim: { claimName: 'c' } }), 'persistentVolumeClaim');
  t.is(volumeFSType({ name: 'v', ephemeral: {} }), 'ephemeral');
  t.is(volumeFSType({ name: 'v', storageos: {} }), 'storageos');
  t.is(volumeFSType({ name: 'v' }), 'emptyDir');
  t.is(volumeFSType({ name: 'v', hostPath: null, secret: { secretName: 's' } }), 'secret');
});

test('SELinux levels compare categories as a set', (t) => {
  t.true(equalLevels('s0:c1,c2', 's0:c2,c1'));
  t.false(equalLevels('s0:c1,c2', 's1:c1,c2'));
  t.false(equalLevels('s0:c1,c2', 's0:c1'));
  t.false(equalLevels('s0', 's0:c1'));
  t.true(equalLevels('', ''));
});

test('seccomp fields translate to annotation values', (t) => {
  t.is(seccompAnnotationForField({ type: 'RuntimeDefault' }), 'runtime/default');
  t.is(seccompAnnotationForField({ type: 'Unconfined' }), 'unconfined');
  t.is(seccompAnnotationForField({ type: 'Localhost', localhostProfile: 'a.json' }), 'localhost/a.json');
  t.is(seccompAnnotationForField({ type: 'Localhost' }), '');
});
