/**
 * Preflight catches, before anything changes, what would make kubeadm or the kubelet
 * fail later on a real host: a tool kubeadm's preflight wants (conntrack below 1.32),
 * a containerd whose CRI plugin is off or whose cgroup driver is not the kubelet's,
 * and an old minor on a host of a later generation.
 */
import test from 'ava';
import { FAST_TIMING, type SimHostOptions } from '../sim/install.js';
import { lab, mutations } from './harness.js';

// Preflight on its own: the install step would install or fix most of these (test/e2e/install.test.ts).
const config = (version: string, extra = '') =>
  `kubernetesVersion: ${version}\ncontrolPlane: {nodeName: cp}\nhost: {install: false}\n${extra}`;

async function up(version: string, host: SimHostOptions, extra = '') {
  const l = await lab(config(version, extra), { kubernetesVersion: version, host, timing: FAST_TIMING });
  const r = await l.kubestrap(['up', '--yes']);
  return { l, r, changed: mutations(l.callsSince()) };
}

test('conntrack missing on 1.31: preflight names it and its package; kubeadm init never runs', async (t) => {
  const { l, r, changed } = await up('v1.31.4', { missingTools: ['conntrack'] });
  t.teardown(() => l.node.cleanup());
  t.is(r.exitCode, 1);
  t.regex(
    r.stderr,
    /✗ host-tools: missing for Kubernetes v1\.31:\n\s+conntrack: kube-proxy before 1\.32 needs it .*apt-get install conntrack \(or dnf install conntrack-tools\)/,
  );
  t.false(
    changed.some((c) => c.startsWith('kubeadm init')),
    changed.join('\n'),
  );
});

test('conntrack missing on 1.32 is fine; socat, ebtables and ethtool missing are warnings, as in kubeadm', async (t) => {
  const { l, r } = await up('v1.32.2', { missingTools: ['conntrack', 'socat', 'ethtool'] });
  t.teardown(() => l.node.cleanup());
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /! host-tools-recommended: not installed:\n\s+ethtool: kubeadm warns without it .*\n\s+socat: /);
  t.notRegex(r.stderr, /conntrack/);
  // kubeadm said the same in its own words.
  const log = l.node.calls().find((c) => c.tool === 'kubeadm' && c.argv[0] === 'init');
  t.is(log?.exitCode, 0);
});

test("crictl missing on 1.24: kubeadm's preflight would refuse; kubestrap says so first", async (t) => {
  const { l, r, changed } = await up('v1.24.17', { missingTools: ['crictl'] });
  t.teardown(() => l.node.cleanup());
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /crictl: kubeadm's preflight needs it .*apt-get install cri-tools/);
  t.regex(r.stderr, /container-runtime: cannot ask containerd's CRI plugin/);
  t.false(changed.some((c) => c.startsWith('kubeadm init')));
});

test("Docker's containerd.io with its shipped config: the socket is there, the CRI plugin is not", async (t) => {
  const { l, r, changed } = await up('v1.31.4', { criPlugin: false });
  t.teardown(() => l.node.cleanup());
  t.is(r.exitCode, 1);
  t.regex(
    r.stderr,
    /✗ container-runtime: containerd answers at \/var\/run\/containerd\/containerd\.sock but not its CRI plugin \(.*unknown service runtime\.v1\.RuntimeService\)\. Docker's containerd\.io ships \/etc\/containerd\/config\.toml with disabled_plugins = \["cri"\]/,
  );
  t.false(changed.some((c) => c.startsWith('kubeadm init')));
});

test('containerd on the cgroupfs driver while the kubelet uses systemd: named, with the setting to change', async (t) => {
  const { l, r } = await up('v1.31.4', { systemdCgroup: false });
  t.teardown(() => l.node.cleanup());
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /✗ cgroup-driver: containerd runs containers with the cgroupfs driver .* set SystemdCgroup = true/);
});

test('1.15 on a current host (cgroup v2, nf_tables iptables) is refused with what to do; on a host of its era it comes up', async (t) => {
  const modern = await up('v1.15.12', {}, 'podSecurity: {privilegedNamespaces: [kube-system]}\n');
  t.teardown(() => modern.l.node.cleanup());
  t.is(modern.r.exitCode, 1);
  t.regex(
    modern.r.stderr,
    /✗ cgroup-v2: this host runs cgroup v2, which kubelet v1\.15 does not support .*systemd\.unified_cgroup_hierarchy=0/,
  );
  t.regex(modern.r.stderr, /iptables-backend: iptables here is the nf_tables backend .* Switch the host to legacy/);
  t.false(modern.changed.some((c) => c.startsWith('kubeadm init')));

  const era = await up(
    'v1.15.12',
    { cgroupVersion: 1, iptablesMode: 'legacy' },
    'podSecurity: {privilegedNamespaces: [kube-system]}\n',
  );
  t.teardown(() => era.l.node.cleanup());
  t.is(era.r.exitCode, 0, era.r.stderr);
});

test('1.16 on nf_tables iptables: --yes switches the host to iptables-legacy, and the cluster comes up', async (t) => {
  const { l, r, changed } = await up(
    'v1.16.15',
    { cgroupVersion: 1 },
    'podSecurity: {privilegedNamespaces: [kube-system]}\n',
  );
  t.teardown(() => l.node.cleanup());
  t.is(r.exitCode, 0, r.stderr);
  const switched = l.node
    .calls()
    .filter((c) => c.tool === 'update-alternatives')
    .map((c) => c.argv.join(' '));
  t.deepEqual(switched, ['--set iptables /usr/sbin/iptables-legacy', '--set ip6tables /usr/sbin/ip6tables-legacy']);
  t.true(changed.findIndex((c) => c.startsWith('kubeadm init')) >= 0);
});

test("containerd 2 with a kubelet that speaks only CRI v1alpha2 (1.22), and containerd 1.5 with 1.26's kubelet", async (t) => {
  const old = await up('v1.22.17', { containerdVersion: '2.1.4' });
  t.teardown(() => old.l.node.cleanup());
  t.is(old.r.exitCode, 1);
  t.regex(
    old.r.stderr,
    /containerd-version: containerd 2\.1\.4 serves only CRI v1, and kubelet v1\.22 speaks only v1alpha2/,
  );
  const young = await up('v1.26.15', { containerdVersion: '1.5.18' });
  t.teardown(() => young.l.node.cleanup());
  t.is(young.r.exitCode, 1);
  t.regex(
    young.r.stderr,
    /containerd-version: containerd 1\.5\.18 is too old for kubelet v1\.26, which speaks only CRI v1/,
  );
});
