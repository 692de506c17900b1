/** The simulated node in Pod Security Admission mode (1.25+): admission config, labels, dry-run refusals, warnings. */
import fs from 'node:fs';
import test from 'ava';
import {
  readyNode,
  initFromGolden,
  kubectl,
  manifest,
  podsIn,
  golden,
  PRIVILEGED_POD,
  RESTRICTED_POD,
} from './harness.js';

const V = 'v1.31.4';

test('kubeadm init fails at wait-control-plane when the admission config file is missing (1.31 texts)', async (t) => {
  const node = await readyNode({ kubernetesVersion: V });
  t.teardown(() => node.cleanup());
  const r = await node.exec('kubeadm', ['init', '--config', `${golden(V)}/kubeadm-config.yaml`]);
  t.is(r.exitCode, 1);
  t.true(
    r.stdout.includes(
      '[api-check] The API server is not healthy after 4m0.495090012s\n\nUnfortunately, an error has occurred:\n\tcontext deadline exceeded\n',
    ),
  );
  t.is(
    r.stderr,
    'error execution phase wait-control-plane: could not initialize a Kubernetes cluster\nTo see the stack trace of this error execute with --v=5 or higher\n',
  );
  t.is(node.state().cluster, null);
});

test('PSS: kube-system is exempt so the control plane runs at once; coredns waits for flannel', async (t) => {
  const node = await readyNode({ kubernetesVersion: V });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  const pods = podsIn(node, 'kube-system');
  t.truthy(pods.find((p) => p.metadata.name === 'kube-apiserver-cp'));
  t.truthy(pods.find((p) => p.metadata.name.startsWith('kube-proxy-')));
  t.falsy(pods.find((p) => p.metadata.annotations?.['kubernetes.io/psp']));
  const dns = pods.filter((p) => p.metadata.name.startsWith('coredns-'));
  t.is(dns.length, 2);
  t.is(
    dns[0].status.conditions[0].message,
    '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  );
  const n = JSON.parse((await kubectl(node, ['get', 'nodes', '-o', 'json'])).stdout).items[0];
  t.deepEqual(
    n.spec.taints.map((x: any) => x.key),
    ['node-role.kubernetes.io/control-plane', 'node.kubernetes.io/not-ready'],
  );
});

test('PSS server dry run: a privileged pod in a restricted namespace gets the §9 refusal; privileged namespace admits it', async (t) => {
  const node = await readyNode({ kubernetesVersion: V });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  t.is((await kubectl(node, ['apply', '-f', manifest(V, 'pod-security')])).exitCode, 0);
  t.is((await kubectl(node, ['apply', '-f', manifest(V, 'tenants')])).exitCode, 0);
  const bad = await kubectl(
    node,
    ['create', '--dry-run=server', '-f', '-', '--as=system:serviceaccount:demo:app', '-n', 'demo', '-o', 'name'],
    PRIVILEGED_POD,
  );
  t.is(bad.exitCode, 1);
  t.is(
    bad.stderr,
    'Error from server (Forbidden): error when creating "STDIN": pods "privileged" is forbidden: violates PodSecurity "restricted:v1.31": privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")\n',
  );
  const ok = await kubectl(
    node,
    ['create', '--dry-run=server', '-f', '-', '--as=system:serviceaccount:demo:app', '-n', 'demo', '-o', 'name'],
    RESTRICTED_POD,
  );
  t.is(ok.stdout, 'pod/ok\n', ok.stderr);
  const ops = await kubectl(
    node,
    ['create', '--dry-run=server', '-f', '-', '--as=system:serviceaccount:ops:runner', '-n', 'ops', '-o', 'name'],
    PRIVILEGED_POD,
  );
  t.is(ops.exitCode, 0, ops.stderr);
  t.is(ops.stdout, 'pod/privileged\n');
  // RBAC still applies to impersonated users.
  const noRbac = await kubectl(
    node,
    ['create', '--dry-run=server', '-f', '-', '--as=system:serviceaccount:demo:default', '-n', 'demo', '-o', 'name'],
    RESTRICTED_POD,
  );
  t.is(noRbac.exitCode, 1);
  t.is(
    noRbac.stderr,
    'Error from server (Forbidden): error when creating "STDIN": pods is forbidden: User "system:serviceaccount:demo:default" cannot create resource "pods" in API group "" in the namespace "demo"\n',
  );
  t.deepEqual(podsIn(node, 'demo'), []);
});

test('PSS on 1.30+: an AppArmor annotation is copied into the container field before PodSecurity judges the pod', async (t) => {
  // As a real 1.37 API server does (test/real): the deprecation warning, the field stored,
  // and the refusal naming both the container field and the annotation.
  const node = await readyNode({ kubernetesVersion: V });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  await kubectl(node, ['create', 'namespace', 'aa']);
  await kubectl(node, ['create', 'serviceaccount', 'default', '-n', 'aa']);
  await kubectl(node, ['label', 'namespace', 'aa', 'pod-security.kubernetes.io/enforce=baseline']);
  const pod = (name: string, value: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: aa, annotations: {container.apparmor.security.beta.kubernetes.io/app: ${value}}}\nspec:\n  containers: [{name: app, image: busybox}]\n`;
  const warning =
    'Warning: metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: deprecated since v1.30; use the "appArmorProfile" field instead\n';
  const bad = await kubectl(node, ['create', '--dry-run=server', '-f', '-', '-o', 'name'], pod('bb', 'unconfined'));
  t.is(bad.exitCode, 1);
  t.is(
    bad.stderr,
    `${warning}Error from server (Forbidden): error when creating "STDIN": pods "bb" is forbidden: violates PodSecurity "baseline:v1.31": forbidden AppArmor profiles (container "app" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/app="unconfined"")\n`,
  );
  const ok = await kubectl(node, ['create', '-f', '-'], pod('ok', 'runtime/default'));
  t.is(ok.exitCode, 0, ok.stderr);
  t.true(ok.stderr.startsWith(warning), ok.stderr);
  const stored = podsIn(node, 'aa').find((p) => p.metadata.name === 'ok');
  t.deepEqual(stored?.spec.containers[0].securityContext.appArmorProfile, { type: 'RuntimeDefault' });
});

test('PSS warn: a workload that violates the warn level is created with the warning (defaults from the admission config)', async (t) => {
  const node = await readyNode({ kubernetesVersion: V });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  await kubectl(node, ['create', 'namespace', 'plain']);
  const deploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: plain}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx}]
`;
  const r = await kubectl(node, ['apply', '-f', '-'], deploy);
  t.is(r.exitCode, 0);
  t.is(r.stdout, 'deployment.apps/web created\n');
  t.is(
    r.stderr,
    'Warning: would violate PodSecurity "restricted:v1.31": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")\n',
  );
  // Enforce applies to the pods the ReplicaSet tries to create.
  const ev = Object.values(node.state().cluster!.objects).find(
    (o) => o.kind === 'Event' && o.reason === 'FailedCreate' && o.metadata.namespace === 'plain',
  );
  t.truthy(ev);
  t.regex(
    ev!.message,
    /^Error creating: pods "web-[a-z0-9]{10}-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:v1\.31": /,
  );
});

test('PSP objects are refused by a 1.25+ API server with the resource-mapping error', async (t) => {
  const node = await readyNode({ kubernetesVersion: 'v1.25.16' });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, 'v1.25.16');
  const psp = `${node.root}/psp.yaml`;
  fs.copyFileSync(manifest('v1.24.17', 'pod-security'), psp);
  const r = await kubectl(node, ['apply', '-f', psp]);
  t.is(r.exitCode, 1);
  t.true(r.stdout.includes('clusterrole.rbac.authorization.k8s.io/psp:restricted created\n'));
  t.true(
    r.stderr.startsWith(
      `resource mapping not found for name: "restricted" namespace: "" from "${psp}": no matches for kind "PodSecurityPolicy" in version "policy/v1beta1"\nensure CRDs are installed first\n`,
    ),
  );
});
