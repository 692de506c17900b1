/**
 * The install step on a simulated bare host (nothing installed: no containerd, no
 * Kubernetes packages, none of the tools kubeadm wants): `up` installs, then
 * bootstraps, and a second `up` changes nothing; `--dry-run` and `plan` list the exact
 * commands and files; a package at the wrong version is reported with the exact fix;
 * what cannot be installed (a minor older than pkgs.k8s.io serves, a patch that does
 * not exist) says so and what to do.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { FAST_TIMING, type SimHostOptions } from '../sim/install.js';
import { lab, mutations } from './harness.js';

const config = (version: string, extra = '') => `kubernetesVersion: ${version}\ncontrolPlane: {nodeName: cp}\n${extra}`;

async function bare(version: string, host: SimHostOptions = {}, extra = '') {
  return lab(config(version, extra), {
    kubernetesVersion: version,
    host: { bare: true, brNetfilter: false, ipForward: false, ...host },
    timing: FAST_TIMING,
  });
}

test('a bare Ubuntu host: up installs containerd and the packages, bootstraps, and a second up changes nothing', async (t) => {
  const l = await bare('v1.31.4');
  t.teardown(() => l.node.cleanup());
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /This host needs packages before kubeadm can run:\n {2}- kubeadm is not installed/);
  t.regex(r.stderr, /Cluster v1\.31\.4 is up/);

  const order = mutations(l.callsSince());
  const at = (re: RegExp) => order.findIndex((c) => re.test(c));
  // The repository first (its key, then its line), the packages pinned and held, containerd configured, then kubeadm.
  t.true(at(/^curl .* https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.31\/deb\/Release\.key$/) >= 0, order.join('\n'));
  t.true(at(/^curl /) < at(/^tee .*sources\.list\.d\/kubernetes\.list$/));
  t.true(at(/^tee .*kubernetes\.list$/) < at(/^apt-get update/));
  const installCall = order[at(/^apt-get install/)];
  t.regex(installCall, / containerd kubeadm=1\.31\.4-\* kubelet=1\.31\.4-\* kubectl=1\.31\.4-\* cri-tools conntrack /);
  t.true(at(/^apt-get install/) < at(/^apt-mark hold kubeadm kubelet kubectl$/));
  t.true(at(/^tee .*containerd\/config\.toml$/) < at(/^systemctl restart containerd$/));
  t.true(at(/^systemctl restart containerd$/) < at(/^kubeadm init/));

  t.is(
    readFileSync(l.node.at('/etc/apt/sources.list.d/kubernetes.list'), 'utf8'),
    'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] https://pkgs.k8s.io/core:/stable:/v1.31/deb/ /\n',
  );
  t.regex(readFileSync(l.node.at('/etc/apt/keyrings/kubernetes-apt-keyring.asc'), 'utf8'), /BEGIN PGP PUBLIC KEY/);
  const toml = readFileSync(l.node.at('/etc/containerd/config.toml'), 'utf8');
  t.regex(toml, /^version = 2$/m);
  t.regex(toml, /sandbox_image = "registry\.k8s\.io\/pause:3\.10"/);
  t.regex(toml, /SystemdCgroup = true/);
  const s = l.node.state();
  t.like(s.host.packages, { kubeadm: '1.31.4-1.1', kubelet: '1.31.4-1.1', kubectl: '1.31.4-1.1' });
  t.deepEqual([...(s.host.held ?? [])].sort(), ['kubeadm', 'kubectl', 'kubelet']);
  t.like(s.host.containerdRuntime, {
    criPlugin: true,
    systemdCgroup: true,
    sandboxImage: 'registry.k8s.io/pause:3.10',
  });
  t.like(s.host.services.containerd, { enabled: true, active: true });

  const mark = l.mark();
  const again = await l.kubestrap(['up', '--yes']);
  t.is(again.exitCode, 0, again.stderr);
  t.regex(again.stderr, /install: ok \(already in place\)/);
  t.regex(again.stderr, /Nothing to change: every step was already done, and the cluster verifies\./);
  t.deepEqual(mutations(l.callsSince(mark)), []);
});

test('--dry-run on a bare host lists the install commands and the files, and changes nothing', async (t) => {
  // br_netfilter and forwarding on: preflight's own fixes are not what this is about.
  const l = await bare('v1.31.4', { brNetfilter: true, ipForward: true });
  t.teardown(() => l.node.cleanup());
  const before = l.node.state().host.packages;
  const r = await l.kubestrap(['up', '--dry-run']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /install: would run:/);
  t.regex(
    r.stderr,
    /curl -fsSL --retry 3 -o \S+\/etc\/apt\/keyrings\/kubernetes-apt-keyring\.asc https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.31\/deb\/Release\.key/,
  );
  t.regex(
    r.stderr,
    /env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --allow-downgrades --allow-change-held-packages -o Dpkg::Options::=--force-confold containerd 'kubeadm=1\.31\.4-\*' 'kubelet=1\.31\.4-\*' 'kubectl=1\.31\.4-\*'/,
  );
  t.regex(r.stderr, /apt-mark hold kubeadm kubelet kubectl/);
  t.regex(r.stderr, /this host lacks:\n {2}- kubeadm is not installed/);
  // Preflight cannot check what is not installed yet: it does not call it a stop.
  t.notRegex(r.stderr, /a real run stops here[^[]*✗ kubeadm:/);
  t.regex(r.stderr, /kubeadm-init: would run:/);
  t.regex(
    r.stdout,
    /# --- \/etc\/apt\/sources\.list\.d\/kubernetes\.list ---\ndeb \[signed-by=\/etc\/apt\/keyrings\/kubernetes-apt-keyring\.asc\] https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.31\/deb\/ \//,
  );
  t.regex(r.stdout, /# --- \/etc\/containerd\/config\.toml ---\n# Written by kubestrap for the kubelet/);
  t.deepEqual(mutations(l.callsSince()), []);
  t.deepEqual(l.node.state().host.packages, before);
  t.false(existsSync(l.node.at('/etc/apt/sources.list.d/kubernetes.list')));
});

test('a package at the wrong version is reported with the exact fix, and --yes applies it', async (t) => {
  const l = await lab(config('v1.31.4'), {
    kubernetesVersion: 'v1.31.4',
    versions: { kubeadm: 'v1.31.2' },
    timing: FAST_TIMING,
  });
  t.teardown(() => l.node.cleanup());
  const r = await l.kubestrap(['up']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /- kubeadm 1\.31\.2-1\.1 is installed; Kubernetes v1\.31\.4 needs 1\.31\.4/);
  t.regex(
    r.stderr,
    /apt-get install -y -q --no-install-recommends --allow-downgrades --allow-change-held-packages -o Dpkg::Options::=--force-confold 'kubeadm=1\.31\.4-\*' 'kubelet=1\.31\.4-\*' 'kubectl=1\.31\.4-\*'/,
  );
  t.regex(r.stderr, /there is no terminal to ask on: run `sudo kubestrap up --yes` to install them/);
  t.deepEqual(mutations(l.callsSince()), []);
  t.false(existsSync(l.node.at('/etc/kubernetes/admin.conf')));

  const fixed = await l.kubestrap(['up', '--yes', '--only', 'install']);
  t.is(fixed.exitCode, 0, fixed.stderr);
  t.is(l.node.state().host.packages?.kubeadm, '1.31.4-1.1');
  t.is(l.node.state().versions.kubeadm, 'v1.31.4');
});

test("1.37 on a bare Debian host: containerd.io 2 from Docker's repository, with a version 3 config", async (t) => {
  const l = await bare('v1.37.1', { os: 'debian' });
  t.teardown(() => l.node.cleanup());
  const plan = await l.kubestrap(['plan', '-o', 'json']);
  t.is(plan.exitCode, 0, plan.stderr);
  const install = JSON.parse(plan.stdout).steps[0];
  t.is(install.name, 'install');
  const cmds = install.commands.map((c: string[]) => c.join(' '));
  t.true(cmds.some((c: string) => /^curl .*docker\.asc https:\/\/download\.docker\.com\/linux\/debian\/gpg$/.test(c)));
  t.true(
    cmds.some((c: string) => /apt-get install .* containerd\.io=2\.\* kubeadm=1\.37\.1-\*/.test(c)),
    cmds.join('\n'),
  );
  const files = Object.fromEntries(install.files.map((f: any) => [f.path, f.content]));
  t.is(
    files['/etc/apt/sources.list.d/docker.list'],
    'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable\n',
  );
  t.regex(files['/etc/containerd/config.toml'], /^version = 3$/m);
  t.regex(files['/etc/containerd/config.toml'], /sandbox = 'registry\.k8s\.io\/pause:3\.10\.1'/);

  const r = await l.kubestrap(['up', '--yes', '--only', 'install']);
  t.is(r.exitCode, 0, r.stderr);
  const s = l.node.state();
  t.regex(s.host.packages?.['containerd.io'] ?? '', /^2\./);
  // Docker's package shipped the CRI plugin off; kubestrap's config turned it on, with systemd.
  t.like(s.host.containerdRuntime, { criPlugin: true, systemdCgroup: true });
});

test('host.install: false leaves the step out; preflight then names what is missing', async (t) => {
  const l = await bare('v1.31.4', {}, 'host: {install: false}\n');
  t.teardown(() => l.node.cleanup());
  const plan = await l.kubestrap(['plan', '-o', 'json']);
  t.false(JSON.parse(plan.stdout).steps.some((s: any) => s.name === 'install'));
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /kubeadm: kubeadm is not installed: install kubeadm v1\.31/);
  t.false(mutations(l.callsSince()).some((c) => /^apt-get/.test(c)));
});

test('1.21 cannot be installed from any repository: the step says so, and preflight lists what is missing', async (t) => {
  const l = await bare('v1.21.14');
  t.teardown(() => l.node.cleanup());
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /Kubernetes v1\.21\.14 cannot be installed by anyone today: pkgs\.k8s\.io serves v1\.24 and newer/);
  t.regex(r.stderr, /✗ kubeadm: kubeadm is not installed/);
  t.false(mutations(l.callsSince()).some((c) => /^(apt-get|curl)/.test(c)));
});

test('a patch pkgs.k8s.io does not have: apt says so, and kubestrap says how to see what there is', async (t) => {
  const l = await bare('v1.31.99');
  t.teardown(() => l.node.cleanup());
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /E: Version '1\.31\.99-\*' for 'kubeadm' was not found/);
  t.regex(r.stderr, /apt-cache madison kubeadm/);
  t.false(existsSync(l.node.at('/etc/kubernetes/admin.conf')));
});
