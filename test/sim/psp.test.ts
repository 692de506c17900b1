/**
 * The simulated node in PodSecurityPolicy mode (1.24): nothing is admitted until
 * usable policies exist, then mirror pods, kube-proxy and flannel are admitted by
 * the right policy; NotReady/Pending until the CNI runs; can-i; server dry run.
 */
import test from 'ava';
import {
  readyNode,
  initFromGolden,
  kubectl,
  manifest,
  podsIn,
  eventsFor,
  untilPods,
  PRIVILEGED_POD,
  RESTRICTED_POD,
} from './harness.js';
import { FAST_TIMING } from './install.js';

const V = 'v1.24.17';

test('PSP on, no policies: no pod is admitted, mirror pods included; controllers record FailedCreate', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  t.deepEqual(podsIn(node, 'kube-system'), []);
  const r = await kubectl(node, ['get', 'pods', '-n', 'kube-system']);
  t.is(r.exitCode, 0);
  t.is(r.stdout, '');
  t.is(r.stderr, 'No resources found in kube-system namespace.\n');
  const ev = eventsFor(node, 'kube-proxy').find((e) => e.reason === 'FailedCreate');
  t.truthy(ev);
  t.is(
    ev!.message,
    'Error creating: pods "kube-proxy-" is forbidden: PodSecurityPolicy: no providers available to validate pod request',
  );
  t.is(ev!.source.component, 'daemonset-controller');
});

test('policies applied: mirror pods and kube-proxy admitted by the privileged policy; coredns Pending, node NotReady until flannel', async (t) => {
  const node = await readyNode({ timing: FAST_TIMING });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  const a = await kubectl(node, ['apply', '-f', manifest(V, 'pod-security')]);
  t.is(a.exitCode, 0, a.stderr);
  t.is(a.stderr, 'Warning: policy/v1beta1 PodSecurityPolicy is deprecated in v1.21+, unavailable in v1.25+\n');
  t.true(
    a.stdout.startsWith('podsecuritypolicy.policy/restricted created\npodsecuritypolicy.policy/privileged created\n'),
  );

  // The mirror pods at once (the kubelet retries on its next sync); the controllers at their next backoff retry.
  const pods = await untilPods(
    node,
    'kube-system',
    (ps) => ps.filter((x) => /^(kube-proxy|coredns)-/.test(x.metadata.name)).length === 3,
  );
  const byPrefix = (p: string) => pods.filter((x) => x.metadata.name.startsWith(p));
  for (const name of ['etcd-cp', 'kube-apiserver-cp', 'kube-controller-manager-cp', 'kube-scheduler-cp']) {
    const p = pods.find((x) => x.metadata.name === name);
    t.truthy(p, name);
    t.is(p!.metadata.annotations['kubernetes.io/psp'], 'privileged', name);
    t.truthy(p!.metadata.annotations['kubernetes.io/config.mirror']);
  }
  t.is(byPrefix('kube-proxy-')[0].metadata.annotations['kubernetes.io/psp'], 'privileged');
  // coredns drops ALL and adds NET_BIND_SERVICE: restricted refuses the capability, so privileged admits it.
  const dns = byPrefix('coredns-');
  t.is(dns.length, 2);
  for (const d of dns) {
    t.is(d.metadata.annotations['kubernetes.io/psp'], 'privileged');
    t.is(d.spec.serviceAccountName, 'coredns');
  }

  const nodes = JSON.parse((await kubectl(node, ['get', 'nodes', '-o', 'json'])).stdout);
  t.is(nodes.kind, 'List');
  const n = nodes.items[0];
  t.deepEqual(
    n.spec.taints.map((x: any) => `${x.key}:${x.effect}`),
    [
      'node-role.kubernetes.io/master:NoSchedule',
      'node-role.kubernetes.io/control-plane:NoSchedule',
      'node.kubernetes.io/not-ready:NoSchedule',
    ],
  );
  const ready = n.status.conditions.find((c: any) => c.type === 'Ready');
  t.is(ready.status, 'False');
  t.is(ready.reason, 'KubeletNotReady');
  t.is(
    ready.message,
    'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
  );

  const podList = JSON.parse((await kubectl(node, ['get', 'pods', '-n', 'kube-system', '-o', 'json'])).stdout);
  const pending = podList.items.find((p: any) => p.metadata.name.startsWith('coredns-'));
  t.is(pending.status.phase, 'Pending');
  t.deepEqual(pending.status.conditions[0], {
    lastProbeTime: null,
    lastTransitionTime: pending.status.conditions[0].lastTransitionTime,
    message:
      "0/1 nodes are available: 1 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate.",
    reason: 'Unschedulable',
    status: 'False',
    type: 'PodScheduled',
  });

  const w = await kubectl(node, ['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=1s']);
  t.is(w.exitCode, 1);
  t.is(w.stdout, '');
  t.is(w.stderr, 'error: timed out waiting for the condition on nodes/cp\n');

  const cni = await kubectl(node, ['apply', '-f', manifest(V, 'cni')]);
  t.is(cni.exitCode, 0, cni.stderr);
  const flannel = podsIn(node, 'kube-flannel');
  t.is(flannel.length, 1);
  t.is(flannel[0].metadata.annotations['kubernetes.io/psp'], 'privileged');
  const ro = await kubectl(node, [
    'rollout',
    'status',
    'daemonset/kube-flannel-ds',
    '-n',
    'kube-flannel',
    '--timeout=10s',
  ]);
  t.is(ro.exitCode, 0, ro.stderr);
  t.true(ro.stdout.endsWith('daemon set "kube-flannel-ds" successfully rolled out\n'));
  for (const line of ro.stdout.trimEnd().split('\n').slice(0, -1)) {
    t.regex(
      line,
      /^Waiting for daemon set "kube-flannel-ds" rollout to finish: (0 out of 1 new pods have been updated|0 of 1 updated pods are available)\.\.\.$/,
    );
  }
  const w2 = await kubectl(node, ['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=10s']);
  t.is(w2.exitCode, 0, w2.stderr);
  t.is(w2.stdout, 'node/cp condition met\n');
  const d = await kubectl(node, ['rollout', 'status', 'deployment/coredns', '-n', 'kube-system', '--timeout=10s']);
  t.is(d.exitCode, 0, d.stderr);
  t.true(d.stdout.endsWith('deployment "coredns" successfully rolled out\n'));
  const after = JSON.parse((await kubectl(node, ['get', 'nodes', '-o', 'json'])).stdout).items[0];
  t.deepEqual(
    after.spec.taints.map((x: any) => x.key),
    ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane'],
  );
});

test('controllers back off: a refused Deployment gets pods at its next retry after the binding, or at once when its template changes', async (t) => {
  const node = await readyNode({ timing: FAST_TIMING });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  await kubectl(node, ['apply', '-f', manifest(V, 'pod-security')]);
  await kubectl(node, ['create', 'namespace', 'team']);
  const deploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, securityContext: {privileged: true}}]
`;
  const r = await kubectl(node, ['apply', '-f', '-'], deploy);
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, 'deployment.apps/web created\n');
  t.deepEqual(podsIn(node, 'team'), []);
  const rs = Object.values(node.state().cluster!.objects).find(
    (o) => o.kind === 'ReplicaSet' && o.metadata.namespace === 'team',
  )!;
  const ev = eventsFor(node, rs.metadata.name).find((e) => e.reason === 'FailedCreate')!;
  t.is(
    ev.message,
    `Error creating: pods "${rs.metadata.name}-" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]`,
  );
  // Half an hour of refusals: the ReplicaSet controller now retries every 1000 s (client-go's cap).
  node.advanceClock(30 * 60_000);
  await kubectl(node, ['get', 'pods', '-n', 'team']);
  const key = Object.keys(node.state().cluster!.backoff!).find((k) => k.startsWith(`rs/team/${rs.metadata.name}/`))!;
  const b = node.state().cluster!.backoff![key];
  t.true(b.failures > 18, `${b.failures} failures`);
  t.is(eventsFor(node, rs.metadata.name).find((e) => e.reason === 'FailedCreate')!.count, b.failures);
  // Allow it: bind the privileged policy to the namespace's service accounts.
  const bind = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: psp:privileged, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: psp:privileged}
subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: system:serviceaccounts:team}]
`;
  t.is((await kubectl(node, ['apply', '-f', '-'], bind)).exitCode, 0);
  t.deepEqual(podsIn(node, 'team'), [], 'the binding alone does not requeue the ReplicaSet');
  const s = node.state();
  const wait = s.cluster!.backoff![key].nextAt - (Date.now() + (s.clockOffsetMs ?? 0));
  t.true(wait > 60_000 && wait <= 1_000_000, `next retry in ${wait} ms`);
  node.advanceClock(wait + 1);
  await kubectl(node, ['get', 'pods', '-n', 'team']);
  const pods = podsIn(node, 'team');
  t.is(pods.length, 1);
  t.is(pods[0].metadata.annotations['kubernetes.io/psp'], 'privileged');

  // A template change (what `kubectl rollout restart` does) makes a new ReplicaSet: tried at once.
  await kubectl(node, ['create', 'namespace', 'team2']);
  const deploy2 = deploy.replace('namespace: team', 'namespace: team2');
  t.is((await kubectl(node, ['apply', '-f', '-'], deploy2)).exitCode, 0);
  node.advanceClock(30 * 60_000);
  t.is((await kubectl(node, ['apply', '-f', '-'], bind.replaceAll('team', 'team2'))).exitCode, 0);
  t.deepEqual(podsIn(node, 'team2'), []);
  const p = await kubectl(node, [
    'patch',
    'deployment',
    'web',
    '-n',
    'team2',
    '--type',
    'merge',
    '-p',
    '{"spec":{"template":{"metadata":{"annotations":{"restarted":"now"}}}}}',
  ]);
  t.is(p.stdout, 'deployment.apps/web patched\n', p.stderr);
  t.is(podsIn(node, 'team2').length, 1);
});

test('auth can-i use podsecuritypolicy: answers from the applied RBAC, with 1.24 kubectl warning (no blank line)', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  await kubectl(node, ['apply', '-f', manifest(V, 'pod-security')]);
  const yes = await kubectl(node, [
    'auth',
    'can-i',
    'use',
    'podsecuritypolicy/privileged',
    '--as=system:serviceaccount:kube-system:coredns',
    '-n',
    'kube-system',
  ]);
  t.is(yes.exitCode, 0);
  t.is(yes.stdout, 'yes\n');
  t.is(yes.stderr, "Warning: resource 'podsecuritypolicies' is not namespace scoped in group 'policy'\n");
  const no = await kubectl(node, [
    'auth',
    'can-i',
    'use',
    'podsecuritypolicy/privileged',
    '--as=system:serviceaccount:demo:default',
    '-n',
    'demo',
  ]);
  t.is(no.exitCode, 1);
  t.is(no.stdout, 'no\n');
  const restricted = await kubectl(node, [
    'auth',
    'can-i',
    'use',
    'podsecuritypolicy/restricted',
    '--as=system:serviceaccount:demo:default',
    '-n',
    'demo',
  ]);
  t.is(restricted.stdout, 'yes\n');
  const q = await kubectl(node, [
    'auth',
    'can-i',
    '--quiet',
    'use',
    'psp/privileged',
    '--as=system:serviceaccount:demo:default',
    '-A',
  ]);
  t.is(q.exitCode, 1);
  t.is(q.stdout, '');
  t.is(q.stderr, '');
});

test('auth can-i on a 1.25+ kubectl prints the warning with an empty line after it', async (t) => {
  const node = await readyNode({ kubernetesVersion: 'v1.24.17', versions: { kubectl: 'v1.25.16' } });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  const r = await kubectl(node, [
    'auth',
    'can-i',
    'use',
    'podsecuritypolicy/restricted',
    '--as=system:serviceaccount:demo:default',
    '-n',
    'demo',
  ]);
  t.is(r.stdout, 'no\n');
  t.is(r.stderr, "Warning: resource 'podsecuritypolicies' is not namespace scoped in group 'policy'\n\n");
});

test('server dry run: a privileged pod is refused with the 1.24 PSP text, a restricted one admitted; nothing stored', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  await kubectl(node, ['apply', '-f', manifest(V, 'pod-security')]);
  await kubectl(node, ['create', 'namespace', 'demo']);
  const edit = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: default:edit, namespace: demo}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: default, namespace: demo}]
`;
  await kubectl(node, ['apply', '-f', '-'], edit);
  const as = ['--as=system:serviceaccount:demo:default', '-n', 'demo', '-o', 'name'];
  const bad = await kubectl(node, ['create', '--dry-run=server', '-f', '-', ...as], PRIVILEGED_POD);
  t.is(bad.exitCode, 1);
  t.is(bad.stdout, '');
  t.is(
    bad.stderr,
    'Error from server (Forbidden): error when creating "STDIN": pods "privileged" is forbidden: PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]\n',
  );
  const ok = await kubectl(node, ['create', '--dry-run=server', '-f', '-', ...as], RESTRICTED_POD);
  t.is(ok.exitCode, 0, ok.stderr);
  t.is(ok.stdout, 'pod/ok\n');
  t.deepEqual(podsIn(node, 'demo'), []);
});

test('1.24 keeps seccomp annotations and fields in step on create, as the real registry does', async (t) => {
  // Seen on a real 1.24 API server (test/real): the ingress controller's container field got
  // its annotation, and the pod annotation restricted defaulted got the pod field.
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  t.is((await kubectl(node, ['apply', '-f', manifest(V, 'pod-security')])).exitCode, 0);
  const pod = `apiVersion: v1
kind: Pod
metadata: {name: sc, namespace: kube-system, annotations: {seccomp.security.alpha.kubernetes.io/pod: runtime/default}}
spec:
  containers: [{name: app, image: busybox, securityContext: {seccompProfile: {type: Localhost, localhostProfile: prof.json}}}]
`;
  const r = await kubectl(node, ['create', '-f', '-'], pod);
  t.is(r.exitCode, 0, r.stderr);
  const stored = podsIn(node, 'kube-system').find((p) => p.metadata.name === 'sc');
  t.deepEqual(stored?.spec.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  t.is(stored?.metadata.annotations['container.seccomp.security.alpha.kubernetes.io/app'], 'localhost/prof.json');
});
