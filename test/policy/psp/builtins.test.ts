/**
 * kubestrap's built-in policies (buildPolicy(name, 24, [])) against the pods they
 * exist for, and the seed scenarios: every built-in is checked against every
 * fixture pod, so a template change that flips a verdict fails here.
 */
import test from 'ava';
import { PspAdmission } from '../../../src/policy/psp/admission.js';
import { buildPolicy } from '../../../src/policy/psp/library.js';
import { classify } from '../../../src/policy/objects.js';
import { policyUseAuthorizer, RbacAuthorizer } from '../../../src/policy/rbac.js';
import { podServiceAccount } from '../../../src/policy/psp/pod.js';
import { fixture, fixturePod, USABLE, type Json } from '../helpers.js';

const BUILTINS = [
  'restricted',
  'baseline',
  'privileged',
  'privileged-restricted',
  'privileged-root-volumes-restricted',
  'ingress-nginx',
] as const;
type Builtin = (typeof BUILTINS)[number];

/** 'A' admitted unchanged, 'M' admitted after defaulting, 'R' refused. */
const VERDICTS: Record<string, Record<Builtin, 'A' | 'M' | 'R'>> = {
  'flannel-ds.yaml': {
    restricted: 'R',
    baseline: 'R',
    privileged: 'A',
    'privileged-restricted': 'R',
    'privileged-root-volumes-restricted': 'R',
    'ingress-nginx': 'R',
  },
  'ingress-nginx-controller.yaml': {
    restricted: 'R',
    baseline: 'M',
    privileged: 'A',
    'privileged-restricted': 'A',
    'privileged-root-volumes-restricted': 'M',
    'ingress-nginx': 'M',
  },
  'plain-pod.yaml': {
    restricted: 'M',
    baseline: 'M',
    privileged: 'A',
    'privileged-restricted': 'A',
    'privileged-root-volumes-restricted': 'M',
    'ingress-nginx': 'M',
  },
  'host-network-pod.yaml': {
    restricted: 'R',
    baseline: 'R',
    privileged: 'A',
    'privileged-restricted': 'R',
    'privileged-root-volumes-restricted': 'R',
    'ingress-nginx': 'R',
  },
  'privileged-pod.yaml': {
    restricted: 'R',
    baseline: 'R',
    privileged: 'A',
    'privileged-restricted': 'R',
    'privileged-root-volumes-restricted': 'R',
    'ingress-nginx': 'R',
  },
  'user-1000-pod.yaml': {
    restricted: 'M',
    baseline: 'M',
    privileged: 'A',
    'privileged-restricted': 'A',
    'privileged-root-volumes-restricted': 'M',
    'ingress-nginx': 'M',
  },
  'user-1000-complete-pod.yaml': {
    restricted: 'M',
    baseline: 'M',
    privileged: 'A',
    'privileged-restricted': 'A',
    'privileged-root-volumes-restricted': 'A',
    'ingress-nginx': 'M',
  },
};

const only = (name: Builtin) => new PspAdmission([buildPolicy(name, 24, [])]);

for (const [file, verdicts] of Object.entries(VERDICTS)) {
  test(`every built-in policy on ${file}`, (t) => {
    const p = fixturePod(file);
    for (const name of BUILTINS) {
      const r = only(name).admitView(p.view, USABLE);
      const got = r.admitted ? (r.mutated ? 'M' : 'A') : 'R';
      t.is(got, verdicts[name], `${name}: ${r.message ?? ''}`);
    }
  });
}

test('seed 004: flannel is refused by restricted for its host network, capabilities and host paths', (t) => {
  const r = only('restricted').admitView(fixturePod('flannel-ds.yaml').view, USABLE);
  t.deepEqual(r.reasons, [
    'spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used',
    'spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not allowed to be used',
    'spec.volumes[1]: Invalid value: "hostPath": hostPath volumes are not allowed to be used',
    'spec.volumes[2]: Invalid value: "hostPath": hostPath volumes are not allowed to be used',
    'spec.volumes[4]: Invalid value: "hostPath": hostPath volumes are not allowed to be used',
    'spec.containers[0].securityContext.capabilities.add: Invalid value: "NET_ADMIN": capability may not be added',
    'spec.containers[0].securityContext.capabilities.add: Invalid value: "NET_RAW": capability may not be added',
  ]);
});

test('seed 004: flannel is admitted unchanged by privileged', (t) => {
  const p = fixturePod('flannel-ds.yaml');
  const r = only('privileged').admitView(p.view, USABLE);
  t.true(r.admitted);
  t.false(r.mutated);
  t.is(r.pod.metadata?.namespace, 'kube-flannel');
});

test('seed 004: the ingress-nginx controller is refused by restricted (NET_BIND_SERVICE) and admitted by ingress-nginx', (t) => {
  const p = fixturePod('ingress-nginx-controller.yaml');
  t.deepEqual(only('restricted').admitView(p.view, USABLE).reasons, [
    'spec.containers[0].securityContext.capabilities.add: Invalid value: "NET_BIND_SERVICE": capability may not be added',
  ]);
  const r = only('ingress-nginx').admitView(p.view, USABLE);
  t.true(r.admitted);
  const out = r.pod as Json;
  // What the ingress-nginx policy defaults: group ranges and the pod's seccomp annotation.
  t.deepEqual(out.spec.securityContext, { supplementalGroups: [1], fsGroup: 1 });
  t.is(out.metadata.annotations['seccomp.security.alpha.kubernetes.io/pod'], 'runtime/default');
  t.is(out.spec.containers[0].securityContext.runAsUser, 101);
});

test('seed 002: under privileged-restricted a host-network pod is refused', (t) => {
  const r = only('privileged-restricted').admitView(fixturePod('host-network-pod.yaml').view, USABLE);
  t.is(
    r.message,
    'PodSecurityPolicy: unable to admit pod: [spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used]',
  );
});

test('seed 002: under privileged-root-volumes-restricted a pod that would run as root gets runAsNonRoot', (t) => {
  const r = only('privileged-root-volumes-restricted').admitView(fixturePod('plain-pod.yaml').view, USABLE);
  t.true(r.admitted);
  t.true(r.mutated);
  t.is((r.pod as Json).spec.containers[0].securityContext.runAsNonRoot, true);
});

test('seed 002: under privileged-root-volumes-restricted a runAsUser 1000 pod keeps its user and gets no runAsNonRoot marker', (t) => {
  const r = only('privileged-root-volumes-restricted').admitView(fixturePod('user-1000-pod.yaml').view, USABLE);
  t.true(r.admitted);
  const c = (r.pod as Json).spec.containers[0].securityContext;
  t.is(c.runAsUser, 1000);
  t.is(c.runAsNonRoot, undefined);
  // Complete, the same pod is admitted without any change at all.
  const complete = only('privileged-root-volumes-restricted').admitView(
    fixturePod('user-1000-complete-pod.yaml').view,
    USABLE,
  );
  t.true(complete.admitted);
  t.false(complete.mutated);
});

test('seed 000: a service account bound only to `unprivileged` cannot create a privileged pod', (t) => {
  const objects = fixture('seed-000.yaml').map((obj) => classify({ obj, file: 'seed-000.yaml', line: 1 }));
  const policies = objects.flatMap((c) => (c.type === 'psp' ? [c.policy] : []));
  const rbac = new RbacAuthorizer(objects.flatMap((c) => (c.type === 'rbac' ? [c.object] : [])));
  const authorizerFor = policyUseAuthorizer({ rbac });
  const admission = new PspAdmission(policies);

  const priv = fixturePod('privileged-pod.yaml');
  const refused = admission.admitView(priv.view, {
    isAuthorized: authorizerFor(priv.namespace, podServiceAccount(priv.pod.spec)),
  });
  // Only `unprivileged` is usable: the `privileged` policy, which would admit it, is not reported.
  t.is(
    refused.message,
    'PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]',
  );

  const plain = fixturePod('plain-pod.yaml');
  const ok = admission.admitView(plain.view, {
    isAuthorized: authorizerFor(plain.namespace, podServiceAccount(plain.pod.spec)),
  });
  t.is(ok.policy, 'unprivileged');

  // The same pod in kube-system, whose service accounts may use `privileged`, is admitted.
  const inKubeSystem = authorizerFor('kube-system', 'default');
  t.is(admission.admitView(priv.view, { isAuthorized: inKubeSystem }).policy, 'privileged');
});
