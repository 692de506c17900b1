/** Host tools: swap, modules and sysctls, services, users, listening ports, iptables. */
import fs from 'node:fs';
import test from 'ava';
import { createSimNode } from './install.js';
import { readyNode, initFromGolden } from './harness.js';

test('swap, br_netfilter and sysctls as a fresh host has them, then fixed', async (t) => {
  const node = await createSimNode({ host: { swap: true } });
  t.teardown(() => node.cleanup());
  t.is((await node.exec('swapon', ['--show', '--noheadings'])).stdout, '/swap.img file 2G 0B -2\n');
  t.is((await node.exec('swapoff', ['-a'])).exitCode, 0);
  t.is((await node.exec('swapon', ['--show', '--noheadings'])).stdout, '');
  const missing = await node.exec('sysctl', ['-n', 'net.bridge.bridge-nf-call-iptables']);
  t.is(missing.exitCode, 255);
  t.is(missing.stderr, 'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory\n');
  const w = await node.exec('sysctl', ['-w', 'net.bridge.bridge-nf-call-iptables=1']);
  t.is(w.exitCode, 255);
  t.is((await node.exec('modprobe', ['br_netfilter'])).exitCode, 0);
  t.is((await node.exec('sysctl', ['-n', 'net.bridge.bridge-nf-call-iptables'])).stdout, '1\n');
  t.true(fs.existsSync(node.at('/proc/sys/net/bridge/bridge-nf-call-iptables')));
  const bad = await node.exec('modprobe', ['nosuchmod']);
  t.is(bad.stderr, 'modprobe: FATAL: Module nosuchmod not found in directory /lib/modules/5.15.0-91-generic\n');
  t.is((await node.exec('sysctl', ['net.ipv4.ip_forward'])).stdout, 'net.ipv4.ip_forward = 0\n');
  fs.mkdirSync(node.at('/etc/sysctl.d'), { recursive: true });
  fs.writeFileSync(
    node.at('/etc/sysctl.d/k8s.conf'),
    'net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\n',
  );
  const sys = await node.exec('sysctl', ['--system']);
  t.is(sys.exitCode, 0);
  t.is(
    sys.stdout,
    '* Applying /etc/sysctl.d/k8s.conf ...\nnet.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\n',
  );
  t.is((await node.exec('sysctl', ['-n', 'net.ipv4.ip_forward'])).stdout, '1\n');
});

test('systemctl and getent', async (t) => {
  const node = await createSimNode({ host: { kubeletEnabled: false, containerd: false } });
  t.teardown(() => node.cleanup());
  const a = await node.exec('systemctl', ['is-active', 'containerd']);
  t.deepEqual([a.stdout, a.exitCode], ['inactive\n', 3]);
  const e = await node.exec('systemctl', ['is-enabled', 'kubelet']);
  t.deepEqual([e.stdout, e.exitCode], ['disabled\n', 1]);
  const en = await node.exec('systemctl', ['enable', 'kubelet']);
  t.is(
    en.stderr,
    'Created symlink /etc/systemd/system/multi-user.target.wants/kubelet.service → /lib/systemd/system/kubelet.service.\n',
  );
  t.is((await node.exec('systemctl', ['is-enabled', 'kubelet'])).stdout, 'enabled\n');
  t.is(
    (await node.exec('systemctl', ['enable', 'nope'])).stderr,
    'Failed to enable unit: Unit file nope.service does not exist.\n',
  );
  t.is((await node.exec('getent', ['passwd', 'vagrant'])).stdout, 'vagrant:x:1000:1000:,,,:/home/vagrant:/bin/bash\n');
  t.is((await node.exec('getent', ['passwd', 'ghost'])).exitCode, 2);
});

test('ss: the control plane ports appear after init and block a second init', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  const before = (await node.exec('ss', ['-Htln'])).stdout;
  t.notRegex(before, /:6443 /);
  await initFromGolden(node, 'v1.24.17');
  const after = (await node.exec('ss', ['-Htln'])).stdout;
  for (const port of [6443, 10250, 10257, 10259, 2379, 2380])
    t.regex(after, new RegExp(`^LISTEN +0 +4096 +\\S+:${port} `, 'm'));
  const again = await node.exec('kubeadm', ['init', '--config', 'test/golden/v1.24.17/kubeadm-config.yaml']);
  t.is(again.exitCode, 1);
  for (const port of [6443, 10259, 10257, 10250, 2379, 2380])
    t.true(again.stderr.includes(`\t[ERROR Port-${port}]: Port ${port} is in use\n`), String(port));
  t.true(
    again.stderr.includes(
      '\t[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists\n',
    ),
  );
  t.true(again.stderr.includes('\t[ERROR DirAvailable--var-lib-etcd]: /var/lib/etcd is not empty\n'));
});

test('iptables: -S, -D by the printed line, -F/-X, policies, and the SSH lock-out trap', async (t) => {
  const node = await createSimNode({
    host: { iptables: { filter: { INPUT: { policy: 'DROP', rules: ['-p tcp -m tcp --dport 22 -j ACCEPT'] } } } },
  });
  t.teardown(() => node.cleanup());
  t.is((await node.exec('iptables', ['-N', 'KUBE-TEST'])).exitCode, 0);
  t.is((await node.exec('iptables', ['-A', 'INPUT', '-j', 'KUBE-TEST'])).exitCode, 0);
  t.is(
    (await node.exec('iptables', ['-S', 'INPUT'])).stdout,
    '-P INPUT DROP\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -j KUBE-TEST\n',
  );
  const busy = await node.exec('iptables', ['-X', 'KUBE-TEST']);
  t.is(busy.exitCode, 1);
  t.is(busy.stderr, 'iptables v1.8.7 (nf_tables): CHAIN_USER_DEL failed (Device or resource busy): chain KUBE-TEST\n');
  t.is((await node.exec('iptables', ['-D', 'INPUT', '-j', 'KUBE-TEST'])).exitCode, 0);
  t.is((await node.exec('iptables', ['-X', 'KUBE-TEST'])).exitCode, 0);
  t.is(
    (await node.exec('iptables', ['-D', 'INPUT', '-j', 'KUBE-TEST'])).stderr,
    'iptables: Bad rule (does a matching rule exist in that chain?).\n',
  );
  t.falsy(node.state().host.sshLockedOut);
  // Flushing while INPUT drops: the session is gone.
  t.is((await node.exec('iptables', ['-F'])).exitCode, 0);
  t.true(node.state().host.sshLockedOut);
  t.regex((await node.exec('iptables-save', [])).stdout, /^\*filter\n:INPUT DROP \[0:0\]\n/m);
});

test('sandbox guards: tee writes host paths under the root, ipvsadm is absent, iptables-restore replaces tables', async (t) => {
  const node = await createSimNode();
  t.teardown(() => node.cleanup());
  const tee = await node.exec('tee', ['/etc/sysctl.d/99-test.conf'], { input: 'net.ipv4.ip_forward = 1\n' });
  t.is(tee.exitCode, 0);
  t.is(tee.stdout, 'net.ipv4.ip_forward = 1\n');
  t.is(fs.readFileSync(node.at('/etc/sysctl.d/99-test.conf'), 'utf8'), 'net.ipv4.ip_forward = 1\n');
  t.false(fs.existsSync('/etc/sysctl.d/99-test.conf'));
  const ipvs = await node.exec('ipvsadm', ['--version']);
  t.is(ipvs.exitCode, 127);
  t.is((await node.exec('iptables', ['--version'])).stdout, 'iptables v1.8.7 (nf_tables)\n');
  await node.exec('iptables', ['-t', 'nat', '-N', 'KUBE-SERVICES']);
  const r = await node.exec('iptables-restore', [], {
    input:
      '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n',
  });
  t.is(r.exitCode, 0, r.stderr);
  t.is(
    (await node.exec('iptables', ['-t', 'nat', '-S'])).stdout,
    '-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n',
  );
});
