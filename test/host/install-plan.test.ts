/**
 * The install step's pure parts: the pkgs.k8s.io repository line and keyring per minor,
 * the containerd config per containerd major, and the plan computed from a host's facts
 * (nothing for a host that has everything; a foreign working config kept; Docker's shipped
 * config replaced, with a copy; a running node's packages left alone; an old minor refused).
 */
import test from 'ava';
import { configServesKubelet, containerdConfig, isKubestrapConfig } from '../../src/host/containerd-config.js';
import { type InstallFacts, parseDpkgQuery, parseOsRelease } from '../../src/host/install-facts.js';
import { planInstall } from '../../src/host/install-plan.js';
import {
  OLDEST_PACKAGED_MINOR,
  dockerAptRepository,
  kubeAptRepository,
  kubePackagePin,
  upstreamVersion,
} from '../../src/host/package-repos.js';
import { hostPaths } from '../../src/host/paths.js';
import { containerdPackage, containerdRange, sandboxImage } from '../../src/host/requirements.js';
import { parseKubeVersion } from '../../src/versions.js';

test('the pkgs.k8s.io repository of each minor, signed by its own keyring under /etc/apt/keyrings', (t) => {
  for (const minor of [24, 31, 37]) {
    const r = kubeAptRepository(minor);
    t.is(r.keyring, '/etc/apt/keyrings/kubernetes-apt-keyring.asc');
    t.is(r.keyUrl, `https://pkgs.k8s.io/core:/stable:/v1.${minor}/deb/Release.key`);
    t.is(
      r.line,
      `deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] https://pkgs.k8s.io/core:/stable:/v1.${minor}/deb/ /`,
    );
    t.is(r.listFile, '/etc/apt/sources.list.d/kubernetes.list');
  }
  t.is(OLDEST_PACKAGED_MINOR, 24);
  t.is(kubePackagePin({ minor: 31, patch: 4 }), '1.31.4-*');
  t.is(
    dockerAptRepository({ id: 'ubuntu', codename: 'noble' }, 'arm64').line,
    'deb [arch=arm64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu noble stable',
  );
  t.is(upstreamVersion('1.31.4-1.1'), '1.31.4');
  t.is(upstreamVersion('1:1.4.8-1ubuntu1'), '1.4.8');
});

test('containerd per minor: the distribution 1.x up to 1.35, Docker containerd.io 2.x from 1.36', (t) => {
  t.like(containerdPackage(35), { name: 'containerd', major: 1 });
  t.like(containerdPackage(36), { name: 'containerd.io', major: 2, pin: '2.*' });
  t.deepEqual(containerdRange(36), { min: [2, 0] });
  t.deepEqual(containerdRange(31), { min: [1, 6] });
  t.is(sandboxImage(24), 'registry.k8s.io/pause:3.7');
  t.is(sandboxImage(30), 'registry.k8s.io/pause:3.9');
  t.is(sandboxImage(31), 'registry.k8s.io/pause:3.10');
  t.is(sandboxImage(37), 'registry.k8s.io/pause:3.10.1');
});

test('containerd 1.x gets a version 2 config, 2.x a version 3 one: CRI on, runc on systemd, the sandbox image', (t) => {
  const v2 = containerdConfig(1, 31);
  t.regex(v2, /^version = 2$/m);
  t.regex(v2, /^\[plugins\."io\.containerd\.grpc\.v1\.cri"\]\n {2}sandbox_image = "registry\.k8s\.io\/pause:3\.10"$/m);
  t.regex(
    v2,
    /^\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\.options\]\n {2}SystemdCgroup = true$/m,
  );
  t.regex(v2, /bin_dir = "\/opt\/cni\/bin"/);
  t.notRegex(v2, /disabled_plugins/);
  const v3 = containerdConfig(2, 37);
  t.regex(v3, /^version = 3$/m);
  t.regex(
    v3,
    /^\[plugins\.'io\.containerd\.cri\.v1\.images'\.pinned_images\]\n {2}sandbox = 'registry\.k8s\.io\/pause:3\.10\.1'$/m,
  );
  t.regex(
    v3,
    /^\[plugins\.'io\.containerd\.cri\.v1\.runtime'\.containerd\.runtimes\.runc\.options\]\n {2}SystemdCgroup = true$/m,
  );
  t.notRegex(v3, /io\.containerd\.grpc\.v1\.cri/, 'no version 2 plugin names in a version 3 file');
  for (const c of [v2, v3]) {
    t.true(isKubestrapConfig(c));
    t.true(configServesKubelet(c));
  }
  t.false(configServesKubelet('disabled_plugins = ["cri"]\n'), "Docker's shipped config");
  t.false(configServesKubelet('version = 2\n[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "/usr/lib/cni"\n'));
});

test('os-release and dpkg-query as the real tools print them', (t) => {
  t.like(parseOsRelease('PRETTY_NAME="Ubuntu 24.04.3 LTS"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n'), {
    id: 'ubuntu',
    idLike: ['debian'],
    codename: 'noble',
  });
  // dpkg-query prints known packages (ii installed, rc removed with config) and names the unknown on stderr.
  t.deepEqual(parseDpkgQuery('curl\tii \t7.88.1-10+deb12u14\nkubeadm\trc \t1.30.1-1.1\niptables\tii \t1.8.9-2\n'), {
    curl: '7.88.1-10+deb12u14',
    iptables: '1.8.9-2',
  });
});

const paths = hostPaths('/');
const v1314 = parseKubeVersion('v1.31.4')!;

function ready(extra: Partial<InstallFacts> = {}): InstallFacts {
  return {
    os: parseOsRelease('ID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\nVERSION_ID="24.04"\n'),
    packages: {
      'ca-certificates': '20240203',
      curl: '8.5.0-2ubuntu10.6',
      containerd: '1.7.28-0ubuntu1~24.04.1',
      kubeadm: '1.31.4-1.1',
      kubelet: '1.31.4-1.1',
      kubectl: '1.31.4-1.1',
      'cri-tools': '1.31.1-1.1',
      conntrack: '1:1.4.8-1ubuntu1',
      iproute2: '6.1.0-1ubuntu6',
      iptables: '1.8.10-3ubuntu2',
      mount: '2.39.3-9ubuntu6.1',
      'util-linux': '2.39.3-9ubuntu6.1',
      ebtables: '2.0.11-6build1',
      ethtool: '1:6.7-1build1',
      socat: '1.8.0.0-4build3',
    },
    held: ['kubeadm', 'kubectl', 'kubelet'],
    files: { '/etc/containerd/config.toml': containerdConfig(1, 31) },
    exists: { '/etc/apt/keyrings': true, '/etc/containerd': true },
    containerd: [1, 7, 28],
    services: { containerd: { enabled: true, active: true }, kubelet: { enabled: true } },
    clusterNode: false,
    ...extra,
  };
}

test('a host that has everything plans nothing; one unheld package plans only the hold', (t) => {
  t.deepEqual(planInstall(ready(), v1314, paths).actions, []);
  const unheld = planInstall(ready({ held: ['kubeadm', 'kubelet'] }), v1314, paths);
  t.deepEqual(
    unheld.actions.map((a) => a.argv),
    [['apt-mark', 'hold', 'kubeadm', 'kubelet', 'kubectl']],
  );
  t.deepEqual(unheld.findings, ['kubectl is not held']);
});

test("someone else's config that serves the kubelet is kept; Docker's shipped one is replaced after a copy", (t) => {
  const foreign =
    'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n';
  t.deepEqual(planInstall(ready({ files: { '/etc/containerd/config.toml': foreign } }), v1314, paths).actions, []);
  const docker = planInstall(
    ready({ files: { '/etc/containerd/config.toml': 'disabled_plugins = ["cri"]\n' } }),
    v1314,
    paths,
  );
  t.deepEqual(
    docker.actions.map((a) => a.argv),
    [
      ['cp', '-p', '/etc/containerd/config.toml', '/etc/containerd/config.toml.before-kubestrap'],
      ['tee', '/etc/containerd/config.toml'],
      ['systemctl', 'restart', 'containerd'],
    ],
  );
  t.is(docker.actions[1].input, containerdConfig(1, 31));
});

test('a node that already runs a cluster keeps its packages; an old minor with something missing is refused', (t) => {
  const running = planInstall(
    ready({ clusterNode: true, packages: { ...ready().packages, kubeadm: '1.31.5-1.1' } }),
    v1314,
    paths,
  );
  t.deepEqual(running.actions, []);
  t.regex(
    running.notes[0],
    /kubeadm 1\.31\.5-1\.1 is installed and the config says v1\.31\.4; this node already runs a cluster/,
  );
  const old = planInstall(ready({ packages: {} }), parseKubeVersion('v1.21.14')!, paths);
  t.deepEqual(old.actions, []);
  t.regex(old.blocked ?? '', /cannot be installed by anyone today: pkgs\.k8s\.io serves v1\.24 and newer/);
  const rhel = planInstall(
    ready({ os: parseOsRelease('ID="rocky"\nID_LIKE="rhel centos fedora"\nPRETTY_NAME="Rocky Linux 9.4"\n') }),
    v1314,
    paths,
  );
  t.regex(rhel.blocked ?? '', /Rocky Linux 9\.4 is not Debian or Ubuntu: the install step installs with apt only/);
});

test('a bare host gets containerd enabled and started, without findings about a service it did not have', (t) => {
  const bare = planInstall(
    ready({
      packages: { 'ca-certificates': '20240203' },
      held: [],
      files: {},
      exists: {},
      containerd: undefined,
      services: { containerd: { enabled: false, active: false }, kubelet: { enabled: false } },
    }),
    v1314,
    paths,
  );
  const argvs = bare.actions.map((a) => a.argv.join(' '));
  const enable = argvs.indexOf('systemctl enable containerd');
  t.true(enable >= 0, argvs.join('\n'));
  t.true(argvs.indexOf('systemctl restart containerd') > argvs.indexOf('tee /etc/containerd/config.toml'));
  t.true(argvs.includes('systemctl enable kubelet'));
  t.true(bare.findings.includes('containerd is not installed'));
  t.false(
    bare.findings.some((f) => /containerd (service is not enabled|is not running)/.test(f)),
    bare.findings.join('\n'),
  );
});
