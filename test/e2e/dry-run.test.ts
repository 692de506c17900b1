/**
 * `up --dry-run` is how people look before they leap, often on a bare VM: it shows what
 * preflight found (what kubestrap would fix, what must be installed first), then every
 * step's commands and manifests, exits 0 and changes nothing. Only bad input fails it.
 */
import test from 'ava';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { lab, mutations } from './harness.js';

const CONFIG = `kubernetesVersion: v1.24.17
controlPlane: {nodeName: cp}
tenants:
  - {namespace: demo, serviceAccounts: [app], role: edit, policy: restricted}
`;

/**
 * A fresh VM: nothing of Kubernetes installed (the sim's package database agrees), swap on,
 * br_netfilter and forwarding off. With host.install: false, preflight alone looks at it.
 */
async function bareHost(config = `${CONFIG}host: {install: false}\n`) {
  return lab(config, {
    host: { bare: true, brNetfilter: false, ipForward: false, swap: true },
  });
}

test('up --dry-run on a bare host: preflight findings, then every step planned, exit 0, nothing changed', async (t) => {
  const l = await bareHost();
  t.teardown(l.cleanup);
  const r = await l.kubestrap(['up', '--dry-run']);
  t.is(r.exitCode, 0, r.stderr);
  // What kubestrap would fix (with --yes, or after asking), with the commands.
  t.regex(r.stderr, /✗ swap: swap is on/);
  t.regex(
    r.stderr,
    /✗ ip_forward: net\.ipv4\.ip_forward is not 1[^\n]*\n\s+would fix: sysctl -w net\.ipv4\.ip_forward=1/,
  );
  // What must be in place before a real run gets past preflight.
  t.regex(r.stderr, /✗ kubeadm: kubeadm is not installed: install kubeadm v1\.24/);
  t.regex(r.stderr, /✗ container-runtime: no container runtime socket/);
  t.notRegex(r.stderr, /install: /, 'host.install: false leaves the install step out');
  // Then every later step, as on a prepared host.
  for (const step of [
    'kubeadm-init',
    'kubeconfig',
    'pod-security',
    'cni',
    'control-plane-taint',
    'tenants',
    'verify',
  ]) {
    t.regex(r.stderr, new RegExp(`\\] ${step}: would run`), step);
  }
  t.regex(r.stderr, /kubeadm-init: would run:\n\s+kubeadm init --config \S+kubeadm-config\.yaml/);
  t.regex(r.stdout, /# --- manifests\/01-pod-security\.yaml ---\napiVersion: policy\/v1beta1/);
  t.regex(r.stdout, /# --- manifests\/02-cni\.yaml ---/);
  t.deepEqual(mutations(l.callsSince()), []);
  t.false(existsSync(l.node.at('/var/lib/kubestrap')), 'no state, no render written');
});

test('up --dry-run on a bare host with the install step: what it installs, then what preflight would fix; the rest planned', async (t) => {
  const l = await bareHost(CONFIG);
  t.teardown(l.cleanup);
  const r = await l.kubestrap(['up', '--dry-run']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /install: this host lacks:\n {2}- kubeadm is not installed/);
  t.regex(r.stderr, /- containerd is not installed/);
  t.regex(r.stderr, /install: would run:[\s\S]*apt-get install [^\n]*'kubeadm=1\.24\.17-\*'/);
  // Preflight's own fixes are still shown; what the install step brings is not a stop.
  t.regex(r.stderr, /✗ swap: swap is on/);
  t.notRegex(r.stderr, /a real run stops here[^[]*✗ kubeadm:/);
  t.regex(r.stderr, /\] verify: would run/);
  t.deepEqual(mutations(l.callsSince()), []);
});

test('up --dry-run -o json on a bare host: one document, ok, the preflight findings and fixes in its step', async (t) => {
  const l = await bareHost();
  t.teardown(l.cleanup);
  const r = await l.kubestrap(['up', '--dry-run', '-o', 'json']);
  t.is(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  t.true(doc.ok);
  t.true(doc.steps.every((s: { status: string }) => s.status === 'planned'));
  const pre = doc.steps.find((s: { name: string }) => s.name === 'preflight');
  t.regex(pre.detail, /kubeadm is not installed/);
  t.deepEqual(
    pre.commands.filter((c: string[]) => c[0] === 'sysctl'),
    [
      ['sysctl', '-w', 'net.bridge.bridge-nf-call-iptables=1'],
      ['sysctl', '-w', 'net.ipv4.ip_forward=1'],
    ],
  );
  t.true(pre.commands.some((c: string[]) => c.join(' ') === 'swapoff -a'));
});

test('up --dry-run after a half-finished kubeadm init: the leftover is reported, the plan still shown, exit 0', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(l.cleanup);
  // Static pod manifests without admin.conf: a real `up` stops at kubeadm-init and says why.
  mkdirSync(l.node.at('/etc/kubernetes/manifests'), { recursive: true });
  writeFileSync(l.node.at('/etc/kubernetes/manifests/kube-apiserver.yaml'), 'kind: Pod\n');
  const r = await l.kubestrap(['up', '--dry-run']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /left static pod manifests in \S+manifests but no admin\.conf/);
  t.regex(r.stderr, /kubeadm-init: would run:\n\s+kubeadm init/);
  t.regex(r.stderr, /\] verify: would run/);
});

test('up --dry-run still refuses bad input with exit 2', async (t) => {
  const l = await lab('kubernetesVersion: v1.24.17\nnetworking: {podSubnet: not-a-cidr}\n');
  t.teardown(l.cleanup);
  const r = await l.kubestrap(['up', '--dry-run']);
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /podSubnet/);
});

test('reset --dry-run on a host that is not a kubeadm node: says a real reset would refuse, shows the plan, exit 0', async (t) => {
  const l = await bareHost();
  t.teardown(l.cleanup);
  const r = await l.kubestrap(['reset', '--dry-run']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /does not look like a kubeadm node[^\n]*a real reset refuses without --force/);
  t.regex(r.stdout, /kubestrap reset would run on \S+:\n\s+iptables/);
  t.notRegex(r.stdout, /kubeadm reset/, 'kubeadm is not installed here');
  t.deepEqual(mutations(l.callsSince()), []);
});
