/** The simulated kubectl's argv checking and error texts (REAL-OUTPUTS §4-§7, §10). */
import fs from 'node:fs';
import test from 'ava';
import { createSimNode } from './install.js';
import { readyNode, initFromGolden, kubectl, kc, manifest } from './harness.js';

const V = 'v1.24.17';

test('unknown flags, shorthands and commands are rejected as real kubectl does', async (t) => {
  const node = await createSimNode();
  t.teardown(() => node.cleanup());
  const a = await kubectl(node, ['get', 'nodes', '--show-all']);
  t.is(a.exitCode, 1);
  t.is(a.stdout, '');
  t.is(a.stderr, "error: unknown flag: --show-all\nSee 'kubectl get --help' for usage.\n");
  const b = await kubectl(node, ['apply', '-z', 'x']);
  t.is(b.stderr, "error: unknown shorthand flag: 'z' in -z\nSee 'kubectl apply --help' for usage.\n");
  const c = await kubectl(node, ['frobnicate']);
  t.is(c.exitCode, 1);
  t.is(c.stderr, 'error: unknown command "frobnicate" for "kubectl"\n');
  const d = await kubectl(node, ['wait', '--for=condition=Ready', 'nodes', '--timeout']);
  t.is(d.stderr, "error: flag needs an argument: --timeout\nSee 'kubectl wait --help' for usage.\n");
  // A real command the simulation does not model fails loudly instead of pretending.
  const e = await kubectl(node, ['describe', 'node', 'cp']);
  t.is(e.exitCode, 1);
  t.regex(e.stderr, /does not model "kubectl describe"/);
});

test('missing kubeconfig and an API server that is down: the real texts per kubectl version', async (t) => {
  const node = await createSimNode();
  t.teardown(() => node.cleanup());
  const missing = await kubectl(node, ['get', 'nodes']);
  t.is(missing.stderr, `error: stat ${node.at('/etc/kubernetes/admin.conf')}: no such file or directory\n`);
  // A kubeconfig from an earlier cluster, API server gone.
  fs.mkdirSync(node.at('/etc/kubernetes'), { recursive: true });
  fs.writeFileSync(
    node.at('/etc/kubernetes/admin.conf'),
    'apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.2.15:6443\n  name: kubernetes\n',
  );
  const down = await kubectl(node, ['get', 'nodes']);
  t.is(down.exitCode, 1);
  t.is(
    down.stderr,
    'The connection to the server 10.0.2.15:6443 was refused - did you specify the right host or port?\n',
  );
  const apply = await kubectl(node, ['apply', '-f', manifest(V, 'cni')]);
  t.is(
    apply.stderr,
    `error: error validating "${manifest(V, 'cni')}": error validating data: failed to download openapi: Get "https://10.0.2.15:6443/openapi/v2?timeout=32s": dial tcp 10.0.2.15:6443: connect: connection refused; if you choose to ignore these errors, turn validation off with --validate=false\n`,
  );
  node.setState((s) => void (s.versions.kubectl = 'v1.31.4'));
  const e31 = await kubectl(node, ['get', 'nodes']);
  const lines = e31.stderr.trimEnd().split('\n');
  t.is(lines.length, 6);
  for (const l of lines.slice(0, 5)) {
    t.regex(
      l,
      /^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ memcache\.go:265\] "Unhandled Error" err="couldn't get current server API group list: Get \\"https:\/\/10\.0\.2\.15:6443\/api\?timeout=32s\\": dial tcp 10\.0\.2\.15:6443: connect: connection refused"$/,
    );
  }
  t.is(lines[5], 'The connection to the server 10.0.2.15:6443 was refused - did you specify the right host or port?');
  node.setState((s) => void (s.versions.kubectl = 'v1.27.16'));
  t.is(
    (await kubectl(node, ['apply', '-f', manifest(V, 'cni')])).stderr,
    'The connection to the server 10.0.2.15:6443 was refused - did you specify the right host or port?\n',
  );
});

test('a kubeconfig from a previous cluster fails TLS verification against the new one', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  const old = fs.readFileSync(node.at('/etc/kubernetes/admin.conf'), 'utf8');
  await node.exec('kubeadm', ['reset', '-f']);
  await initFromGolden(node, V);
  fs.mkdirSync(node.at('/root/.kube'), { recursive: true });
  fs.writeFileSync(node.at('/root/.kube/config'), old);
  const r = await node.exec('kubectl', ['--kubeconfig', node.at('/root/.kube/config'), 'get', 'nodes']);
  t.is(r.exitCode, 1);
  t.is(
    r.stderr,
    'Unable to connect to the server: x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "kubernetes")\n',
  );
});

test('taint: untainted, not found, several keys, --all, already has', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  const both = await kubectl(node, [
    'taint',
    'nodes',
    'cp',
    'node-role.kubernetes.io/control-plane-',
    'node-role.kubernetes.io/master-',
  ]);
  t.is(both.exitCode, 0, both.stderr);
  t.is(both.stdout, 'node/cp untainted\n');
  const again = await kubectl(node, ['taint', 'nodes', 'cp', 'node-role.kubernetes.io/control-plane-']);
  t.is(again.exitCode, 1);
  t.is(again.stdout, '');
  t.is(again.stderr, 'error: taint "node-role.kubernetes.io/control-plane" not found\n');
  const eff = await kubectl(node, ['taint', 'nodes', '--all', 'node-role.kubernetes.io/master:NoSchedule-']);
  t.is(eff.stderr, 'error: taint "node-role.kubernetes.io/master:NoSchedule" not found\n');
  const nope = await kubectl(node, ['taint', 'nodes', 'nope', 'x-']);
  t.is(nope.stderr, 'Error from server (NotFound): nodes "nope" not found\n');
  const add = await kubectl(node, ['taint', 'nodes', 'cp', 'dedicated=x:NoSchedule']);
  t.is(add.stdout, 'node/cp tainted\n');
  const dup = await kubectl(node, ['taint', 'nodes', 'cp', 'dedicated=x:NoSchedule']);
  t.is(dup.stderr, 'error: node cp already has dedicated taint(s) with same effect(s) and --overwrite is false\n');
});

test('wait and rollout status: texts and exit codes', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  const absent = await kubectl(node, ['wait', '--for=condition=Ready', 'node/nope', '--timeout=1s']);
  t.is(absent.stderr, 'Error from server (NotFound): nodes "nope" not found\n');
  t.is(absent.exitCode, 1);
  const started = Date.now();
  const to = await kubectl(node, ['rollout', 'status', 'daemonset/kube-proxy', '-n', 'kube-system', '--timeout=1s']);
  t.true(Date.now() - started >= 1000);
  t.is(to.exitCode, 1);
  t.is(to.stdout, 'Waiting for daemon set "kube-proxy" rollout to finish: 0 out of 1 new pods have been updated...\n');
  t.is(to.stderr, 'error: timed out waiting for the condition\n');
  const nf = await kubectl(node, [
    'rollout',
    'status',
    'daemonset/kube-flannel-ds',
    '-n',
    'kube-flannel',
    '--timeout=1s',
  ]);
  t.is(nf.stderr, 'Error from server (NotFound): daemonsets.apps "kube-flannel-ds" not found\n');
});

test('apply and get -f: created / unchanged / configured, NotFound for missing objects', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  const f = manifest(V, 'pod-security');
  const missing = await kubectl(node, ['get', '-f', f, '-o', 'name']);
  t.is(missing.exitCode, 1);
  t.true(missing.stderr.includes('Error from server (NotFound): podsecuritypolicies.policy "restricted" not found\n'));
  t.true(
    missing.stderr.startsWith(
      'Warning: policy/v1beta1 PodSecurityPolicy is deprecated in v1.21+, unavailable in v1.25+\n',
    ),
  );
  await kubectl(node, ['apply', '-f', f]);
  const again = await kubectl(node, ['apply', '-f', f]);
  t.true(
    again.stdout
      .split('\n')
      .filter(Boolean)
      .every((l) => l.endsWith(' unchanged')),
    again.stdout,
  );
  const names = await kubectl(node, ['get', '-f', f, '-o', 'name']);
  t.is(names.exitCode, 0);
  t.true(names.stdout.startsWith('podsecuritypolicy.policy/restricted\npodsecuritypolicy.policy/privileged\n'));
  const ns = await kubectl(
    node,
    ['apply', '-f', '-'],
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-flannel\n  labels: {x: y}\n',
  );
  t.is(ns.stdout, 'namespace/kube-flannel configured\n');
});

test('version --client -o json has the real shape', async (t) => {
  const node = await createSimNode({ kubernetesVersion: 'v1.24.17' });
  t.teardown(() => node.cleanup());
  const r = await node.exec('kubectl', ['version', '--client', '-o', 'json']);
  t.is(r.exitCode, 0);
  const v = JSON.parse(r.stdout);
  t.deepEqual(Object.keys(v), ['clientVersion', 'kustomizeVersion']);
  t.deepEqual(Object.keys(v.clientVersion), [
    'major',
    'minor',
    'gitVersion',
    'gitCommit',
    'gitTreeState',
    'buildDate',
    'goVersion',
    'compiler',
    'platform',
  ]);
  t.is(v.clientVersion.gitVersion, 'v1.24.17');
  t.is(v.clientVersion.minor, '24');
  t.is((await node.exec('kubelet', ['--version'])).stdout, 'Kubernetes v1.24.17\n');
  t.is((await node.exec('kubeadm', ['version', '-o', 'short'])).stdout, 'v1.24.17\n');
  void kc;
});
