/** Fault injection and the call log. */
import test from 'ava';
import { readyNode, initFromGolden, kubectl, manifest, podsIn, golden, eventsFor } from './harness.js';

const V = 'v1.24.17';
const REFUSED = 'The connection to the server 10.0.2.15:6443 was refused - did you specify the right host or port?\n';

test('a transient failure twice, then success; every call is in the log with its exit code', async (t) => {
  const node = await readyNode({
    faults: [{ tool: 'kubectl', match: 'apply', count: 2, action: 'fail', stderr: REFUSED, exitCode: 1 }],
  });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  const f = manifest(V, 'pod-security');
  const r1 = await kubectl(node, ['apply', '-f', f]);
  const r2 = await kubectl(node, ['apply', '-f', f]);
  const r3 = await kubectl(node, ['apply', '-f', f]);
  t.deepEqual([r1.exitCode, r2.exitCode, r3.exitCode], [1, 1, 0]);
  t.is(r1.stderr, REFUSED);
  t.true(r3.stdout.startsWith('podsecuritypolicy.policy/restricted created\n'));
  t.is(node.faults.list()[0].count, 0);
  t.is(node.faults.list()[0].fired, 2);
  const calls = node.calls().filter((c) => c.tool === 'kubectl');
  t.deepEqual(
    calls.map((c) => c.exitCode),
    [1, 1, 0],
  );
  for (const c of calls) {
    t.deepEqual(c.argv.slice(2), ['apply', '-f', f]);
    t.true(c.end! >= c.start);
  }
  t.is(node.calls()[0].tool, 'kubeadm');
});

test('hang until killed: the call is logged with the signal exit', async (t) => {
  const node = await readyNode({ faults: [{ tool: 'kubeadm', match: 'init', action: 'hang' }] });
  t.teardown(() => node.cleanup());
  const ac = new AbortController();
  const p = node.exec('kubeadm', ['init', '--config', `${golden(V)}/kubeadm-config.yaml`], { signal: ac.signal });
  // Wait until the fake is running (a loaded machine may take a while to start it).
  for (let i = 0; i < 200 && !node.calls().some((c) => c.tool === 'kubeadm'); i++)
    await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 200));
  t.is(node.state().cluster, null);
  t.is(node.calls().find((c) => c.tool === 'kubeadm')!.exitCode, null);
  ac.abort();
  const r = await p;
  t.is(r.exitCode, 143);
  await new Promise((r) => setTimeout(r, 50));
  const call = node.calls().find((c) => c.tool === 'kubeadm')!;
  t.is(call.exitCode, 143);
});

test('an injected preflight error fails init once with the real block', async (t) => {
  const node = await readyNode({
    faults: [
      {
        tool: 'kubeadm',
        action: 'preflight',
        count: 1,
        errors: [{ name: 'NumCPU', message: 'the number of available CPUs 1 is less than the required 2' }],
      },
    ],
  });
  t.teardown(() => node.cleanup());
  const cfg = `${golden(V)}/kubeadm-config.yaml`;
  const r = await node.exec('kubeadm', ['init', '--config', cfg]);
  t.is(r.exitCode, 1);
  t.true(r.stderr.includes('\t[ERROR NumCPU]: the number of available CPUs 1 is less than the required 2\n'));
  t.is((await node.exec('kubeadm', ['init', '--config', cfg])).exitCode, 0);
});

test('a dropped binding: apply says created, the object is missing, flannel is refused', async (t) => {
  const node = await readyNode({
    faults: [{ action: 'dropObject', kind: 'RoleBinding', name: 'psp:privileged', namespace: 'kube-flannel' }],
  });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  const a = await kubectl(node, ['apply', '-f', manifest(V, 'pod-security')]);
  t.true(
    a.stdout.endsWith('namespace/kube-flannel created\nrolebinding.rbac.authorization.k8s.io/psp:privileged created\n'),
  );
  const get = await kubectl(node, ['get', 'rolebinding', 'psp:privileged', '-n', 'kube-flannel', '-o', 'name']);
  t.is(get.stderr, 'Error from server (NotFound): rolebindings.rbac.authorization.k8s.io "psp:privileged" not found\n');
  const can = await kubectl(node, [
    'auth',
    'can-i',
    'use',
    'podsecuritypolicy/privileged',
    '--as=system:serviceaccount:kube-flannel:flannel',
    '-n',
    'kube-flannel',
  ]);
  t.is(can.stdout, 'no\n');
  await kubectl(node, ['apply', '-f', manifest(V, 'cni')]);
  t.deepEqual(podsIn(node, 'kube-flannel'), []);
  const ev = eventsFor(node, 'kube-flannel-ds').find((e) => e.reason === 'FailedCreate')!;
  t.regex(
    ev.message,
    /^Error creating: pods "kube-flannel-ds-" is forbidden: PodSecurityPolicy: unable to admit pod: \[spec\.securityContext\.hostNetwork: Invalid value: true: Host network is not allowed to be used /,
  );
});

test('a pod admitted by the wrong policy carries that policy in kubernetes.io/psp', async (t) => {
  const node = await readyNode({ faults: [{ action: 'wrongPolicy', podPrefix: 'kube-proxy-', policy: 'restricted' }] });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  await kubectl(node, ['apply', '-f', manifest(V, 'pod-security')]);
  const proxy = podsIn(node, 'kube-system').find((p) => p.metadata.name.startsWith('kube-proxy-'))!;
  t.is(proxy.metadata.annotations['kubernetes.io/psp'], 'restricted');
  const api = podsIn(node, 'kube-system').find((p) => p.metadata.name === 'kube-apiserver-cp')!;
  t.is(api.metadata.annotations['kubernetes.io/psp'], 'privileged');
});
