/** verify catching what is wrong, reset on a half-built node, rebuild, plan and dry run. */
import test from 'ava';
import { existsSync } from 'node:fs';
import { lab, mutations } from './harness.js';

const CONFIG = `kubernetesVersion: v1.24.17
controlPlane: {nodeName: cp}
tenants:
  - {namespace: demo, serviceAccounts: [app], role: edit, policy: restricted}
`;

test('verify catches a missing binding (the tenant cannot use its policy)', async (t) => {
  const l = await lab(
    `${CONFIG}  - {namespace: ops, serviceAccounts: [runner], role: edit, policy: privileged-restricted}\n`,
  );
  // The binding of the ops tenant's policy never reaches the server.
  l.node.faults.add({ action: 'dropObject', kind: 'RoleBinding', name: 'psp:privileged-restricted', namespace: 'ops' });
  const up = await l.kubestrap(['up', '--yes']);
  t.is(up.exitCode, 1);
  t.regex(up.stderr, /verify: FAILED/);
  t.regex(
    up.stderr,
    /✗ can-i use psp\/privileged-restricted as system:serviceaccount:ops:runner -n ops: no: the binding is missing/,
  );
  const r = await l.kubestrap(['verify', '-o', 'json']);
  t.is(r.exitCode, 1);
  const report = JSON.parse(r.stdout);
  t.false(report.ok);
  t.deepEqual(
    report.checks.filter((c: any) => !c.ok).map((c: any) => c.name),
    [
      'can-i use psp/privileged-restricted as system:serviceaccount:ops:runner -n ops',
      'can-i use psp/privileged-restricted as system:serviceaccount:ops:default -n ops',
    ],
  );
  l.node.cleanup();
});

test('verify catches a system pod admitted by the wrong policy', async (t) => {
  const l = await lab(CONFIG, {
    faults: [{ action: 'wrongPolicy', podPrefix: 'kube-proxy-', namespace: 'kube-system', policy: 'restricted' }],
  });
  t.is((await l.kubestrap(['up', '--yes'])).exitCode, 1);
  const r = await l.kubestrap(['verify', '-o', 'json']);
  t.is(r.exitCode, 1);
  const check = JSON.parse(r.stdout).checks.find((c: any) => c.name === 'system-pods-policy');
  t.false(check.ok);
  t.regex(check.detail, /kube-system\/kube-proxy-\S+ admitted by restricted/);
  l.node.cleanup();
});

test('reset on a half-built node: kubeadm reset, iptables, CNI leftovers, kubeconfig and state, then up works again', async (t) => {
  const l = await lab(CONFIG);
  const cni = l.node.at('/var/lib/kubestrap/rendered/manifests/02-cni.yaml');
  l.node.faults.add({
    tool: 'kubectl',
    match: `rollout status`,
    action: 'fail',
    exitCode: 1,
    stderr: 'error: timed out waiting for the condition\n',
  });
  const up = await l.kubestrap(['up', '--yes']);
  t.is(up.exitCode, 1);
  t.true(existsSync(cni));
  t.true(existsSync(l.node.at('/root/.kube/config')));

  const refused = await l.kubestrap(['reset']);
  t.is(refused.exitCode, 2, 'no terminal and no --yes');
  t.regex(refused.stderr, /pass --yes to confirm/);

  const dry = await l.kubestrap(['reset', '--dry-run']);
  t.is(dry.exitCode, 0);
  t.regex(dry.stdout, /kubeadm reset -f/);
  t.regex(dry.stdout, /iptables -t filter -P FORWARD ACCEPT/);

  const mark = l.mark();
  const r = await l.kubestrap(['reset', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  const done = mutations(l.callsSince(mark));
  t.is(done[0], 'kubeadm reset -f');
  t.true(done.indexOf('iptables -t filter -P FORWARD ACCEPT') < done.indexOf('iptables -t filter -F'));
  t.true(done.includes('ip6tables -t nat -X'));
  for (const p of ['/etc/kubernetes/admin.conf', '/root/.kube/config', '/var/lib/kubestrap', '/etc/cni/net.d'])
    t.false(existsSync(l.node.at(p)), p);
  t.true(existsSync(l.node.at('/var/log/kubestrap.log')), 'the log stays for diagnosis');

  l.node.faults.clear();
  const again = await l.kubestrap(['up', '--yes']);
  t.is(again.exitCode, 0, again.stderr);
  l.node.cleanup();
});

test('reset refuses a host that is not a kubeadm node, unless --force', async (t) => {
  const l = await lab(CONFIG);
  const r = await l.kubestrap(['reset', '--yes']);
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /does not look like a kubeadm node/);
  t.deepEqual(mutations(l.callsSince()), []);
  t.is((await l.kubestrap(['reset', '--yes', '--force'])).exitCode, 0);
  l.node.cleanup();
});

test('rebuild: reset then up, one command; a bad config stops it before anything is torn down', async (t) => {
  const l = await lab(CONFIG);
  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const firstCluster = l.node.state().cluster!.id;

  const bad = await l.kubestrap(['rebuild', '--yes', '-c', 'missing.yaml']);
  t.is(bad.exitCode, 2);
  t.is(l.node.state().cluster!.id, firstCluster, 'the running cluster is untouched');

  const mark = l.mark();
  const r = await l.kubestrap(['rebuild', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  const done = mutations(l.callsSince(mark));
  t.true(done.indexOf('kubeadm reset -f') < done.findIndex((c) => c.startsWith('kubeadm init')));
  t.not(l.node.state().cluster!.id, firstCluster, 'a new cluster');
  t.is((await l.kubestrap(['verify'])).exitCode, 0);
  l.node.cleanup();
});

test('plan -o json lists exactly the mutating commands up then runs on a fresh node', async (t) => {
  const l = await lab(CONFIG);
  const plan = await l.kubestrap(['plan', '-o', 'json']);
  t.is(plan.exitCode, 0, plan.stderr);
  const doc = JSON.parse(plan.stdout);
  t.deepEqual(
    doc.steps.map((s: any) => s.name),
    [
      'install',
      'preflight',
      'kubeadm-init',
      'kubeconfig',
      'pod-security',
      'cni',
      'control-plane-taint',
      'tenants',
      'verify',
    ],
  );
  // A wait gets what is left of the deadline when it starts: the plan shows the whole of it.
  const anyTimeout = (c: string) => c.replace(/--timeout=\d+s/g, '--timeout=<left>s');
  const planned = doc.steps.flatMap((s: any) => s.commands as string[][]).map((c: string[]) => anyTimeout(c.join(' ')));
  t.is((await l.kubestrap(['up', '--yes'])).exitCode, 0);
  const ran = l.callsSince().map((c) => anyTimeout([c.tool, ...c.argv].join(' ')));
  // Every planned command ran, in the planned order (install and rm are real programs, so not in the fakes' log).
  const fakes = planned.filter((c: string) => !/^(install|rm) /.test(c));
  let at = -1;
  for (const c of fakes) {
    const i = ran.indexOf(anyTimeout(c), at + 1);
    t.true(i > at, `planned and run in order: ${c}`);
    at = i;
  }
  // And nothing that changes the cluster ran that the plan did not show (preflight's offered fixes aside).
  t.deepEqual(
    mutations(l.callsSince()).filter((c) => !planned.includes(anyTimeout(c))),
    [],
  );
  l.node.cleanup();
});

test('up --dry-run prints commands and manifests, and touches nothing', async (t) => {
  const l = await lab(CONFIG);
  const r = await l.kubestrap(['up', '--dry-run']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /kubeadm-init: would run:\n\s+kubeadm init --config \S+kubeadm-config\.yaml/);
  t.regex(r.stdout, /# --- manifests\/01-pod-security\.yaml ---\napiVersion: policy\/v1beta1\nkind: PodSecurityPolicy/);
  t.deepEqual(mutations(l.callsSince()), []);
  t.false(existsSync(l.node.at('/var/lib/kubestrap')), 'no state, no render written');
  l.node.cleanup();
});
