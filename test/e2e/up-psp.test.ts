/**
 * `kubestrap up` on a simulated 1.24 node with PodSecurityPolicy: the seeds'
 * cluster, from nothing to verified, then idempotent.
 */
import test from 'ava';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { lab, mutations } from './harness.js';

const CONFIG = `kubernetesVersion: v1.24.17
controlPlane: {nodeName: cp}
tenants:
  - {namespace: demo, serviceAccounts: [app], role: edit, policy: restricted}
  - {namespace: ops, serviceAccounts: [runner], role: edit, policy: privileged-restricted}
`;

test('PSP cluster on 1.24: up brings a fresh node to a verified cluster, and again changes nothing', async (t) => {
  const l = await lab(CONFIG, { host: { brNetfilter: false, ipForward: false } });
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /Preflight found what kubestrap can fix/);
  t.regex(r.stderr, /Cluster v1\.24\.17 is up/);

  const calls = l.callsSince();
  const order = mutations(calls);
  // The host fixes (offered, applied with --yes), then init, then policies before the CNI.
  t.true(
    order.indexOf('modprobe br_netfilter') >= 0 &&
      order.indexOf('modprobe br_netfilter') < order.findIndex((c) => c.startsWith('kubeadm init')),
  );
  const podSecurity = order.findIndex((c) => /apply -f .*01-pod-security\.yaml/.test(c));
  const cni = order.findIndex((c) => /apply -f .*02-cni\.yaml/.test(c));
  t.true(order.findIndex((c) => c.startsWith('kubeadm init')) < podSecurity && podSecurity < cni, order.join('\n'));
  t.true(
    order.some((c) =>
      /taint nodes cp node-role\.kubernetes\.io\/master- node-role\.kubernetes\.io\/control-plane-/.test(c),
    ),
  );

  // The control plane's mirror pods were admitted by privileged, once the policies existed.
  const pods = Object.values(l.node.state().cluster!.objects).filter(
    (o: any) => o.kind === 'Pod' && o.metadata.namespace === 'kube-system',
  );
  t.true(pods.length >= 6);
  for (const p of pods as any[]) t.is(p.metadata.annotations?.['kubernetes.io/psp'], 'privileged', p.metadata.name);

  // The admin kubeconfig for the invoking user, mode 0600.
  const kubeconfig = l.node.at('/root/.kube/config');
  t.is(statSync(kubeconfig).mode & 0o777, 0o600);
  t.is(readFileSync(kubeconfig, 'utf8'), readFileSync(l.node.at('/etc/kubernetes/admin.conf'), 'utf8'));

  // The join command kubeadm printed is in the log only with its token redacted.
  const log = readFileSync(l.node.at('/var/log/kubestrap.log'), 'utf8');
  const token = l.node.state().cluster!.token;
  t.true(log.includes('kubeadm init --config'));
  t.false(log.includes(token.split('.')[1]), 'the bootstrap token secret is not in the log');
  t.true(log.includes(`${token.split('.')[0]}.<redacted>`));

  // Again: nothing changes, and it says so.
  const mark = l.mark();
  const again = await l.kubestrap(['up']);
  t.is(again.exitCode, 0, again.stderr);
  t.regex(again.stderr, /Nothing to change: every step was already done, and the cluster verifies\./);
  t.deepEqual(mutations(l.callsSince(mark)), []);
  l.node.cleanup();
});

test('kubestrap verify on the finished cluster: every check passes, in text and JSON', async (t) => {
  const l = await lab(CONFIG);
  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const text = await l.kubestrap(['verify']);
  t.is(text.exitCode, 0, text.stdout + text.stderr);
  t.regex(text.stdout, /✔ node-ready/);
  t.regex(text.stdout, /✔ can-i use psp\/restricted as system:serviceaccount:demo:app -n demo: yes/);
  t.regex(text.stdout, /✔ can-i use psp\/privileged as system:serviceaccount:demo:app -n demo: no, as intended/);
  t.regex(
    text.stdout,
    /✔ limits as system:serviceaccount:demo:app: privileged pod refused: .*PodSecurityPolicy: unable to admit pod/,
  );
  t.regex(text.stdout, /✔ limits as system:serviceaccount:ops:runner: privileged pod refused/);
  t.regex(text.stdout, /All checks passed\./);
  const json = await l.kubestrap(['verify', '-o', 'json']);
  t.is(json.exitCode, 0);
  const report = JSON.parse(json.stdout);
  t.true(report.ok);
  t.true(report.checks.every((c: any) => typeof c.name === 'string' && c.ok === true && typeof c.detail === 'string'));
  t.is(json.stderr.includes('{'), false, 'nothing but the document on stdout; no JSON on stderr');
  l.node.cleanup();
});

test('without --yes and without a terminal, preflight lists the fixes and changes nothing', async (t) => {
  const l = await lab(CONFIG, { host: { swap: true, brNetfilter: false, ipForward: false } });
  const r = await l.kubestrap(['up']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /swap: swap is on/);
  t.regex(r.stderr, /fix: swapoff -a/);
  t.regex(r.stderr, /br_netfilter: the br_netfilter module is not loaded/);
  t.regex(r.stderr, /run `sudo kubestrap up --yes` to apply the fixes shown/);
  t.deepEqual(mutations(l.callsSince()), []);
  t.false(existsSync(l.node.at('/etc/kubernetes/admin.conf')));
  l.node.cleanup();
});

test('preflight names what it cannot fix: ports in use, missing runtime, version skew', async (t) => {
  // With host.install on, the install step would install containerd and the kubelet of the version.
  const l = await lab(`${CONFIG}host: {install: false}\n`, {
    host: { portsInUse: [6443], containerd: false },
    versions: { kubelet: 'v1.25.16' },
  });
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /ports: port 6443 in use/);
  t.regex(r.stderr, /container-runtime: no container runtime socket at \/var\/run\/containerd\/containerd\.sock/);
  t.regex(
    r.stderr,
    /kubelet: kubelet v1\.25\.16 is outside the supported skew for Kubernetes v1\.24: install kubelet v1\.24/,
  );
  t.deepEqual(mutations(l.callsSince()), []);
  l.node.cleanup();
});
