/**
 * How the admission controller chooses among policies (admission.go
 * computeSecurityContext): sorted by name, unchanged beats changed, only usable
 * policies admit and only their errors are reported, updates may not change the pod.
 */
import test from 'ava';
import {
  admitPod,
  NO_PROVIDERS_MESSAGE,
  PspAdmission,
  VALIDATED_PSP_ANNOTATION,
} from '../../../src/policy/psp/admission.js';
import { admit, frozen, pod, policy, sc, USABLE } from '../helpers.js';

/** Admits the pod unchanged. */
const plain = (name: string) => policy(name);
/** Admits the pod, but sets fsGroup on it. */
const defaulting = (name: string) => policy(name, { fsGroup: { rule: 'MustRunAs', ranges: [{ min: 7, max: 7 }] } });
/** Refuses privileged pods. */
const unprivileged = (name: string, extra = {}) => policy(name, { privileged: false, ...extra });

const privilegedPod = () => pod((p) => (sc(p).privileged = true));

test('of two policies that admit unchanged, the first by name wins, whatever the input order', (t) => {
  const r = admit(pod(), [plain('zeta'), plain('alpha'), plain('mid')]);
  t.is(r.policy, 'alpha');
  t.false(r.mutated);
});

test('names sort as Go compares strings: by bytes, uppercase before lowercase', (t) => {
  t.is(admit(pod(), [plain('b'), plain('B'), plain('a')]).policy, 'B');
});

test('a policy that admits unchanged beats an earlier one that would change the pod', (t) => {
  const r = admit(pod(), [defaulting('a-defaults'), plain('z-plain')]);
  t.is(r.policy, 'z-plain');
  t.false(r.mutated);
  t.is(r.pod.spec.securityContext, undefined);
});

test('when every admitting policy changes the pod, the first by name wins', (t) => {
  const r = admit(pod(), [
    defaulting('b'),
    policy('a', { supplementalGroups: { rule: 'MustRunAs', ranges: [{ min: 9, max: 9 }] } }),
  ]);
  t.is(r.policy, 'a');
  t.true(r.mutated);
  t.deepEqual(r.pod.spec.securityContext, { supplementalGroups: [9] });
});

test('the admitted pod carries kubernetes.io/psp; the input is left untouched', (t) => {
  const input = frozen(pod((p) => (p.metadata.annotations = { keep: 'me' })));
  const r = admit(input, defaulting('d'));
  t.deepEqual(r.pod.metadata?.annotations, { keep: 'me', [VALIDATED_PSP_ANNOTATION]: 'd' });
  t.deepEqual(input.metadata?.annotations, { keep: 'me' });
  t.is(input.spec.securityContext, undefined);
});

test('a policy the requester may not use admits nothing, even when it would', (t) => {
  const r = admit(privilegedPod(), [plain('privileged'), unprivileged('restricted')], {
    isAuthorized: (n) => n === 'restricted',
  });
  t.false(r.admitted);
  t.deepEqual(r.reasons, [
    'spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
  ]);
});

test('errors are reported only for usable policies; with none usable the list is empty', (t) => {
  const policies = [unprivileged('a'), unprivileged('b')];
  const r = admit(privilegedPod(), policies, { isAuthorized: () => false });
  t.false(r.admitted);
  t.deepEqual(r.reasons, []);
  t.is(r.message, 'PodSecurityPolicy: unable to admit pod: []');
});

test('errors of several usable policies are joined with spaces, policy by policy in name order', (t) => {
  const r = admit(
    pod((p) => {
      sc(p).privileged = true;
      p.spec.hostNetwork = true;
    }),
    [unprivileged('b-policy', { hostNetwork: false }), unprivileged('a-policy')],
  );
  t.deepEqual(r.reasons, [
    'spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
    'spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used',
    'spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
  ]);
  t.is(r.message, `PodSecurityPolicy: unable to admit pod: [${r.reasons.join(' ')}]`);
});

test('with no policies at all: no providers available', (t) => {
  const r = new PspAdmission([]).admit(pod(), USABLE);
  t.false(r.admitted);
  t.is(r.message, NO_PROVIDERS_MESSAGE);
  t.is(r.message, 'PodSecurityPolicy: no providers available to validate pod request');
});

test('policies that cannot be built are skipped as upstream does; if none is left, no providers', (t) => {
  const broken = [
    policy('no-user-ranges', { runAsUser: { rule: 'MustRunAs' } }),
    policy('no-group-ranges', { fsGroup: { rule: 'MayRunAs' }, supplementalGroups: { rule: 'MustRunAs' } }),
    policy('no-selinux-options', { seLinux: { rule: 'MustRunAs' } }),
  ];
  const a = new PspAdmission(broken);
  t.deepEqual(
    a.skipped.map((s) => [s.policy, s.reasons]),
    [
      ['no-user-ranges', ['MustRunAs requires at least one range']],
      ['no-group-ranges', ['ranges must be supplied for MayRunAs', 'ranges must be supplied for MustRunAs']],
      ['no-selinux-options', ['MustRunAs requires SELinuxOptions']],
    ],
  );
  t.is(a.admit(pod(), USABLE).message, NO_PROVIDERS_MESSAGE);
  // With one good policy next to them, only the good one counts.
  const r = admit(pod(), [...broken, plain('ok')]);
  t.is(r.policy, 'ok');
});

test('a policy without allowPrivilegeEscalation allows it (v1beta1 defaulting)', (t) => {
  const p = policy('p');
  delete (p.spec as Record<string, unknown>).allowPrivilegeEscalation;
  const r = admit(
    pod((x) => (sc(x).allowPrivilegeEscalation = true)),
    p,
  );
  t.true(r.admitted);
});

test('update: a pod that a policy would change is not admitted, and that policy reports nothing', (t) => {
  const r = admit(pod(), defaulting('d'), { ...USABLE, operation: 'update' });
  t.false(r.admitted);
  t.is(r.message, 'PodSecurityPolicy: unable to validate pod: []');
});

test('update: a pod that validates unchanged is admitted, without a new annotation', (t) => {
  const input = pod((p) => (p.spec.securityContext = { fsGroup: 7 }));
  const r = admit(input, defaulting('d'), { ...USABLE, operation: 'update' });
  t.true(r.admitted);
  t.false(r.mutated);
  t.is(r.pod.metadata?.annotations, undefined);
});

test('update: refusals say "unable to validate pod"', (t) => {
  const r = admit(privilegedPod(), unprivileged('u'), { ...USABLE, operation: 'update' });
  t.is(
    r.message,
    'PodSecurityPolicy: unable to validate pod: [spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]',
  );
});

test('update: the policy named in kubernetes.io/psp is tried first', (t) => {
  const input = pod((p) => (p.metadata.annotations = { [VALIDATED_PSP_ANNOTATION]: 'zeta' }));
  const r = admit(input, [plain('alpha'), plain('zeta')], { ...USABLE, operation: 'update' });
  t.is(r.policy, 'zeta');
  // On create the hint does not matter.
  t.is(admit(input, [plain('alpha'), plain('zeta')]).policy, 'alpha');
});

test('admitPod builds the providers once per policies array', (t) => {
  const policies = [plain('a')];
  const r1 = admitPod(pod(), { policies, ...USABLE });
  const r2 = admitPod(pod(), { policies, ...USABLE });
  t.is(r1.policy, 'a');
  t.is(r2.policy, 'a');
});

test('authorization is asked at most once per policy for a pod', (t) => {
  const asked: string[] = [];
  admit(privilegedPod(), [unprivileged('a'), unprivileged('b'), plain('c')], {
    isAuthorized: (n) => {
      asked.push(n);
      return n !== 'c';
    },
  });
  t.deepEqual([...asked].sort(), ['a', 'b', 'c']);
});
