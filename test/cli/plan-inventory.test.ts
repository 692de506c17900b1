/** `kubestrap plan -i`: every host's steps in the order `up -i` runs them, without contacting any host. */
import test, { type ExecutionContext } from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

function setup(t: ExecutionContext, config: string, hosts: string) {
  const dir = scratchDir('ks-plan-i', t);
  writeFileSync(path.join(dir, 'id'), 'not read by plan\n');
  writeFileSync(path.join(dir, 'cluster.yaml'), config);
  writeFileSync(
    path.join(dir, 'inventory.yaml'),
    `apiVersion: kubestrap.io/v1alpha1\nkind: Inventory\nssh:\n  identityFile: ./id\nhosts:\n${hosts}`,
  );
  return dir;
}

const CONFIG =
  'apiVersion: kubestrap.io/v1alpha1\nkind: ClusterConfig\nkubernetesVersion: v1.31.4\n# The install step looks at each host over SSH: these tests contact none.\nhost:\n  install: false\n';
// TEST-NET addresses: nothing answers there, so a plan that tried SSH would hang or fail.
const HOSTS = [
  '  - {name: cp1, address: 192.0.2.10, role: control-plane}',
  '  - {name: cp2, address: 192.0.2.12, role: control-plane}',
  '  - {name: w1, address: 192.0.2.11, role: worker}',
  '  - {name: w2, address: 192.0.2.13, role: worker}',
  '',
].join('\n');

test('plan -i -o json: each step with its host, in the order up -i runs them', async (t) => {
  const dir = setup(t, `${CONFIG}controlPlane:\n  endpoint: k8s.example\n`, HOSTS);
  const r = await runCli(['plan', '-i', 'inventory.yaml', '-o', 'json'], { cwd: dir, env: { KUBESTRAP_ROOT: dir } });
  t.is(r.exitCode, 0, r.stderr);
  const steps = (JSON.parse(r.stdout) as { steps: { name: string; host: string; commands: string[][] }[] }).steps;
  const order = steps.map((s) => `${s.host}:${s.name}`);
  t.deepEqual(order, [
    'cp1:preflight',
    'cp2:preflight',
    'w1:join-preflight',
    'w2:join-preflight',
    'cp1:kubeadm-init',
    'cp1:kubeconfig',
    'cp1:pod-security',
    'cp1:cni',
    'cp1:control-plane-taint',
    'cp1:join-token',
    'cp2:kubeadm-join',
    'cp2:kubeconfig',
    'cp2:control-plane-taint',
    'w1:kubeadm-join',
    'w2:kubeadm-join',
    'cp1:verify',
  ]);
  const get = (host: string, name: string) => steps.find((s) => s.host === host && s.name === name)!;
  t.deepEqual(get('cp1', 'join-token').commands[1].slice(0, 5), [
    'kubeadm',
    'init',
    'phase',
    'upload-certs',
    '--upload-certs',
  ]);
  // A control plane that joins gets the PodSecurity admission config its API server reads, before kubeadm join.
  t.deepEqual(
    get('cp2', 'kubeadm-join').commands.map((c) => c[0]),
    ['install', 'kubeadm'],
  );
  t.deepEqual(get('w1', 'kubeadm-join').commands, [
    ['kubeadm', 'join', '--config', '/var/lib/kubestrap/join-config.yaml'],
  ]);
});

test('plan -i with two control planes and no controlPlane.endpoint: exit 2 naming the field', async (t) => {
  const dir = setup(t, CONFIG, HOSTS);
  const r = await runCli(['plan', '-i', 'inventory.yaml', '-o', 'json'], { cwd: dir, env: { KUBESTRAP_ROOT: dir } });
  t.is(r.exitCode, 2);
  t.is(r.stdout, '');
  t.regex(r.stderr, /controlPlane\.endpoint: .*2 control planes \(cp1, cp2\)/);
});

test('plan -i with a bad inventory: exit 2 with its file, line and field', async (t) => {
  const dir = setup(
    t,
    CONFIG,
    '  - {name: cp1, address: 192.0.2.10, role: control-plane}\n  - {name: cp1, address: 192.0.2.11, role: worker}\n',
  );
  const r = await runCli(['plan', '-i', 'inventory.yaml'], { cwd: dir, env: { KUBESTRAP_ROOT: dir } });
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /inventory\.yaml:7:\d+: hosts\[1\]\.name: .*hosts\[0\] \(cp1\)/);
});

test('an option OpenSSH refuses is named at its line, before any host is contacted', async (t) => {
  const dir = setup(
    t,
    CONFIG,
    '  - name: cp1\n    address: 192.0.2.10\n    role: control-plane\n    ssh:\n      options: {StrictHostKeyCheking: accept-new}\n',
  );
  const r = await runCli(['plan', '-i', 'inventory.yaml'], { cwd: dir, env: { KUBESTRAP_ROOT: dir } });
  t.is(r.exitCode, 2);
  t.regex(
    r.stderr,
    /inventory\.yaml:10:\d+: hosts\[0\]\.ssh\.options\.StrictHostKeyCheking: OpenSSH refuses this option: Bad configuration option: stricthostkeycheking/,
  );
});

test('reset -i with an unknown --iptables mode: exit 2 naming the flag, before any host is contacted', async (t) => {
  const dir = setup(t, CONFIG, HOSTS);
  const r = await runCli(['reset', '-i', 'inventory.yaml', '--yes', '--iptables', 'some'], {
    cwd: dir,
    env: { KUBESTRAP_ROOT: dir },
  });
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /^error: --iptables: unknown mode "some"; use all or kube-only$/m);
  t.notRegex(r.stderr, /192\.0\.2\./, 'no host was named, so none was tried');
});
