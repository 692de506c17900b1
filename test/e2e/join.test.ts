/** join-command on the control plane, join on a worker: on simulated nodes sharing one cluster. */
import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSimNode, FAST_TIMING } from '../sim/install.js';
import { CLI } from '../helpers/cli.js';
import { lab } from './harness.js';

test('a worker joins with the command the control plane hands out, and a second join changes nothing', async (t) => {
  const cp = await lab('kubernetesVersion: v1.31.4\ncontrolPlane: {nodeName: cp}\n', { kubernetesVersion: 'v1.31.4' });
  t.is((await cp.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);

  const printed = await cp.kubestrap(['join-command', '--ttl', '30m']);
  t.is(printed.exitCode, 0, printed.stderr);
  t.regex(
    printed.stdout,
    /^kubeadm join \S+:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[a-f0-9]{64}$/,
  );
  const file = path.join(cp.dir, 'join-command');
  t.is((await cp.kubestrap(['join-command', '-o', file])).exitCode, 0);
  t.is(statSync(file).mode & 0o777, 0o600);
  // The token is handed out, but never logged in clear.
  const secret = printed.stdout.split('--token ')[1].split(' ')[0].split('.')[1];
  t.false(readFileSync(cp.node.at('/var/log/kubestrap.log'), 'utf8').includes(secret));

  // The worker: its own root and fakes, the same cluster.
  const worker = await createSimNode({
    kubernetesVersion: 'v1.31.4',
    host: { hostname: 'w1', brNetfilter: true, ipForward: true },
  });
  const env = { ...worker.env, SIM_STATE: cp.node.statePath };
  const join = await execa('node', [CLI, 'join', '--join-file', file, '--node-name', 'w1'], { env, reject: false });
  t.is(join.exitCode, 0, String(join.stderr));
  t.regex(String(join.stderr), /Node w1 is Ready\./);
  const nodes = Object.values(cp.node.state().cluster!.objects)
    .filter((o: any) => o.kind === 'Node')
    .map((o: any) => o.metadata.name);
  t.deepEqual(nodes.sort(), ['cp', 'w1']);

  const again = await execa('node', [CLI, 'join', '--join-file', file, '--node-name', 'w1'], { env, reject: false });
  t.is(again.exitCode, 0);
  t.regex(String(again.stderr), /already joined a cluster/);
  cp.node.cleanup();
  worker.cleanup();
});

test('join refuses a tampered join file with its line, and changes nothing', async (t) => {
  const worker = await createSimNode({ host: { brNetfilter: true, ipForward: true } });
  const file = path.join(worker.root, 'join');
  writeFileSync(
    file,
    '# from cp\nkubeadm join 10.0.2.15:6443 --token abcdef.0123456789abcdef --discovery-token-unsafe-skip-ca-verification\n',
  );
  const r = await execa('node', [CLI, 'join', '--join-file', file], { env: worker.env, reject: false });
  t.is(r.exitCode, 2);
  t.regex(String(r.stderr), /join:2: unexpected "--discovery-token-unsafe-skip-ca-verification" in the join command/);
  t.false(worker.calls().some((c) => c.tool === 'kubeadm'));
  worker.cleanup();
});

test('join-command needs a control plane', async (t) => {
  const l = await lab('kubernetesVersion: v1.24.17\n');
  const r = await l.kubestrap(['join-command']);
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /admin\.conf not found: run join-command on the control plane/);
  l.node.cleanup();
});

test('join refuses a node name that is not a DNS-1123 subdomain before kubeadm runs (issue 15.7)', async (t) => {
  const worker = await createSimNode({ host: { brNetfilter: true, ipForward: true } });
  t.teardown(() => worker.cleanup());
  const file = path.join(worker.root, 'join');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    file,
    'kubeadm join 10.0.2.15:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:2c662bccbb9491d97b141a2b4b578867f240614ddcc399949c803d1f5093bba5\n',
  );
  for (const name of ['W1/../x', 'w1 --v=9', '-w1', 'w1.']) {
    const r = await execa('node', [CLI, 'join', '--join-file', file, '--node-name', name], {
      env: worker.env,
      reject: false,
    });
    t.is(r.exitCode, 2, name);
    t.regex(String(r.stderr), /^error: --node-name: .* is not a valid DNS-1123 subdomain/, name);
  }
  t.false(
    worker.calls().some((c) => c.tool === 'kubeadm'),
    'kubeadm never ran',
  );
});

/** The worker's Node as the control plane sees it: its InternalIP. */
function internalIp(cp: { node: { state(): any } }, name: string): string | undefined {
  const node = Object.values(cp.node.state().cluster!.objects).find(
    (o: any) => o.kind === 'Node' && o.metadata.name === name,
  ) as any;
  return node?.status.addresses.find((a: any) => a.type === 'InternalIP')?.address;
}

test('a v1.24.17 worker registers the address given with --node-ip, whichever file its kubelet package reads', async (t) => {
  const cp = await lab('kubernetesVersion: v1.24.17\ncontrolPlane: {nodeName: cp}\n', { timing: FAST_TIMING });
  t.teardown(() => cp.node.cleanup());
  t.is((await cp.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const file = path.join(cp.dir, 'join-command');
  t.is((await cp.kubestrap(['join-command', '-o', file])).exitCode, 0);

  // Two workers with v1.24.17 packages: their kubelet drop-in reads /etc/sysconfig/kubelet
  // (kubernetes/release#3276). The lab used to write /etc/default/kubelet, which this kubelet never reads.
  const joinAs = async (name: string, args: string[]) => {
    const w = await createSimNode({
      timing: FAST_TIMING,
      host: { hostname: name, brNetfilter: true, ipForward: true, interfaces: ['eth1'] },
    });
    t.teardown(() => w.cleanup());
    t.regex(
      readFileSync(w.at('/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf'), 'utf8'),
      /^EnvironmentFile=-\/etc\/sysconfig\/kubelet$/m,
    );
    mkdirSync(w.at('/etc/default'), { recursive: true });
    writeFileSync(w.at('/etc/default/kubelet'), 'KUBELET_EXTRA_ARGS=--node-ip=192.168.56.11\n');
    const env = { ...w.env, SIM_STATE: cp.node.statePath };
    const r = await execa('node', [CLI, 'join', '--join-file', file, '--node-name', name, ...args], {
      env,
      reject: false,
    });
    return { r, w };
  };
  const old = await joinAs('w0', []);
  t.is(old.r.exitCode, 0, String(old.r.stderr));
  t.is(internalIp(cp, 'w0'), '10.0.2.15', 'without --node-ip it registers the NAT address');

  const fixed = await joinAs('w1', ['--node-ip', '192.168.56.11']);
  t.is(fixed.r.exitCode, 0, String(fixed.r.stderr));
  t.is(internalIp(cp, 'w1'), '192.168.56.11');
  // kubeadm wrote it where every package's drop-in reads it; the token never sat in the argv.
  t.regex(readFileSync(fixed.w.at('/var/lib/kubelet/kubeadm-flags.env'), 'utf8'), /--node-ip=192\.168\.56\.11/);
  // The workers share the control plane's state, and so its call log.
  const call = [...cp.node.calls()].reverse().find((c) => c.tool === 'kubeadm' && c.argv[0] === 'join')!;
  t.deepEqual(call.argv.slice(0, 2), ['join', '--config']);
  t.false(existsSync(call.argv[2]), 'the join config (it holds the token) is removed afterwards');
});

test('--node-ip must be an address: exit 2 naming the flag, nothing run', async (t) => {
  const w = await createSimNode({ host: { brNetfilter: true, ipForward: true } });
  t.teardown(() => w.cleanup());
  const file = path.join(w.root, 'join');
  writeFileSync(
    file,
    'kubeadm join 10.0.2.15:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:2c662bccbb9491d97b141a2b4b578867f240614ddcc399949c803d1f5093bba5\n',
  );
  const r = await execa('node', [CLI, 'join', '--join-file', file, '--node-ip', '192.168.56'], {
    env: w.env,
    reject: false,
  });
  t.is(r.exitCode, 2);
  t.regex(String(r.stderr), /--node-ip: "192\.168\.56" is not an IP address/);
  t.deepEqual(w.calls(), []);
});

test('a 1.21 worker that once had Docker: kubeadm is told containerd, so join and reset do not stop at two CRI sockets', async (t) => {
  const cp = await lab('kubernetesVersion: v1.21.14\ncontrolPlane: {nodeName: cp}\n', {
    kubernetesVersion: 'v1.21.14',
    timing: FAST_TIMING,
  });
  t.teardown(() => cp.node.cleanup());
  t.is((await cp.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const file = path.join(cp.dir, 'join-command');
  t.is((await cp.kubestrap(['join-command', '-o', file])).exitCode, 0);
  const w = await createSimNode({
    kubernetesVersion: 'v1.21.14',
    timing: FAST_TIMING,
    host: { hostname: 'w1', brNetfilter: true, ipForward: true, dockerSocket: true },
  });
  t.teardown(() => w.cleanup());
  const env = { ...w.env, SIM_STATE: cp.node.statePath };
  const join = await execa('node', [CLI, 'join', '--join-file', file, '--node-name', 'w1'], { env, reject: false });
  t.is(join.exitCode, 0, String(join.stderr));
  const reset = await execa('node', [CLI, 'reset', '--yes'], { env, reject: false });
  t.is(reset.exitCode, 0, String(reset.stderr));
  const argv = cp.node.calls().find((c) => c.tool === 'kubeadm' && c.argv[0] === 'reset')!.argv;
  t.deepEqual(argv, ['reset', '-f', '--cri-socket', '/run/containerd/containerd.sock']);
});

test('join on a bare worker: the install step of the cluster config first, the host fixes with --yes, then kubeadm join', async (t) => {
  const worker = await createSimNode({
    kubernetesVersion: 'v1.31.4',
    host: { hostname: 'w1', bare: true, brNetfilter: false, ipForward: false },
    timing: FAST_TIMING,
  });
  t.teardown(() => worker.cleanup());
  const dir = path.join(worker.root, 'home/vagrant');
  writeFileSync(path.join(dir, 'cluster.yaml'), 'kubernetesVersion: v1.31.4\n');
  const file = path.join(dir, 'join');
  writeFileSync(
    file,
    'kubeadm join 10.0.2.15:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:2c662bccbb9491d97b141a2b4b578867f240614ddcc399949c803d1f5093bba5\n',
  );
  const run = (args: string[]) =>
    execa('node', [CLI, 'join', '--join-file', file, '--node-name', 'w1', ...args], {
      env: { ...worker.env, SUDO_USER: '' },
      cwd: dir,
      reject: false,
    });
  // Without --yes and a terminal nothing is installed, and it says how.
  const asked = await run(['-c', 'cluster.yaml']);
  t.is(asked.exitCode, 1);
  t.regex(String(asked.stderr), /- kubeadm is not installed/);
  t.regex(String(asked.stderr), /run `sudo kubestrap join --yes` to install them/);
  t.false(worker.calls().some((c) => c.tool === 'apt-get'));

  const r = await run(['-c', 'cluster.yaml', '--yes']);
  const calls = worker.calls().map((c) => [c.tool, ...c.argv].join(' '));
  const at = (re: RegExp) => calls.findIndex((c) => re.test(c));
  t.true(at(/^apt-get install .* kubeadm=1\.31\.4-\*/) >= 0, String(r.stderr));
  t.true(at(/^apt-get install/) < at(/^modprobe br_netfilter$/), 'packages, then the host fixes');
  t.true(at(/^modprobe br_netfilter$/) < at(/^kubeadm join/), 'then kubeadm join');
  t.like(worker.state().host.packages, { kubeadm: '1.31.4-1.1', kubelet: '1.31.4-1.1' });
});
