/**
 * The reset's network cleanup, for real: a network namespace with the
 * iptables chains and rules kube-proxy and flannel leave, and cni0 /
 * flannel.1 links; the cleanup runs inside it, and the host outside the
 * namespace must not change at all.
 */
import { spawnSync } from 'node:child_process';
import { NetnsRunner, netnsAvailable, sh } from '../helpers/netns.js';
import { requires } from '../helpers/requires.js';
import { planNetworkCleanup, runNetworkCleanup } from '../../src/reset/network.js';

const netnsTest = requires(
  netnsAvailable(),
  'network namespaces are not available here (needs root, iproute2 and iptables)',
).serial;

function hostSnapshot(): string {
  const tables = ['filter', 'nat', 'mangle']
    .map((t) => spawnSync('iptables', ['-t', t, '-S'], { encoding: 'utf8' }).stdout)
    .join('\n');
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.replace(
    /\s+(link\/\S+ \S+ brd \S+|state \S+|qlen \d+)/g,
    '',
  );
  return `${tables}\n${links}`;
}

/** What kube-proxy and flannel leave, plus rules and a link that belong to the admin. */
function dirtyNamespace(ns: string) {
  const ipt = (...a: string[]) => sh(ns, 'iptables', ...a);
  ipt('-t', 'filter', '-P', 'FORWARD', 'DROP'); // as Docker and many hardened hosts set it
  ipt('-t', 'filter', '-N', 'KUBE-FORWARD');
  ipt('-t', 'filter', '-N', 'KUBE-FIREWALL');
  ipt(
    '-t',
    'filter',
    '-A',
    'FORWARD',
    '-m',
    'comment',
    '--comment',
    'kubernetes forwarding rules',
    '-j',
    'KUBE-FORWARD',
  );
  ipt('-t', 'filter', '-A', 'INPUT', '-j', 'KUBE-FIREWALL');
  ipt('-t', 'filter', '-N', 'FLANNEL-FWD');
  ipt('-t', 'filter', '-A', 'FORWARD', '-m', 'comment', '--comment', 'flanneld forward', '-j', 'FLANNEL-FWD');
  ipt('-t', 'filter', '-A', 'FLANNEL-FWD', '-s', '10.244.0.0/16', '-j', 'ACCEPT');
  ipt('-t', 'nat', '-N', 'KUBE-SERVICES');
  ipt('-t', 'nat', '-N', 'KUBE-POSTROUTING');
  ipt('-t', 'nat', '-N', 'KUBE-SVC-NPX46M4PTMTKRN6Y');
  ipt(
    '-t',
    'nat',
    '-A',
    'PREROUTING',
    '-m',
    'comment',
    '--comment',
    'kubernetes service portals',
    '-j',
    'KUBE-SERVICES',
  );
  ipt(
    '-t',
    'nat',
    '-A',
    'KUBE-SERVICES',
    '-d',
    '10.96.0.1/32',
    '-p',
    'tcp',
    '--dport',
    '443',
    '-j',
    'KUBE-SVC-NPX46M4PTMTKRN6Y',
  );
  ipt('-t', 'nat', '-A', 'POSTROUTING', '-j', 'KUBE-POSTROUTING');
  ipt('-t', 'nat', '-N', 'CNI-HOSTPORT-DNAT');
  ipt('-t', 'nat', '-A', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT');
  ipt('-t', 'mangle', '-N', 'KUBE-KUBELET-CANARY');
  // The admin's own firewall: kube-only mode must leave it.
  ipt('-t', 'filter', '-N', 'ADMIN-SSH');
  ipt('-t', 'filter', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'ADMIN-SSH');
  ipt('-t', 'filter', '-A', 'ADMIN-SSH', '-j', 'ACCEPT');
  sh(ns, 'ip6tables', '-t', 'nat', '-N', 'KUBE-SERVICES');
  sh(ns, 'ip6tables', '-t', 'filter', '-P', 'FORWARD', 'DROP');
  sh(ns, 'ip', 'link', 'add', 'cni0', 'type', 'bridge');
  sh(ns, 'ip', 'addr', 'add', '10.244.0.1/24', 'dev', 'cni0');
  sh(ns, 'ip', 'link', 'add', 'flannel.1', 'type', 'vxlan', 'id', '1', 'dstport', '8472');
  sh(ns, 'ip', 'link', 'add', 'admin0', 'type', 'bridge');
}

const rules = (ns: string, tool: string, table: string) => sh(ns, tool, '-t', table, '-S').trim().split('\n');
const links = (ns: string) =>
  sh(ns, 'ip', '-o', 'link', 'show')
    .split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1])
    .filter(Boolean);

netnsTest(
  'reset (iptables all): every rule and chain gone, policies ACCEPT, CNI links deleted; the host untouched',
  async (t) => {
    const ns = `ks-reset-all-${process.pid}`;
    const before = hostSnapshot();
    sh(undefined, 'ip', 'netns', 'add', ns);
    try {
      dirtyNamespace(ns);
      const runner = new NetnsRunner(ns);
      const plan = await planNetworkCleanup(runner, 'all');
      const argvs = plan.map((p) => p.argv.join(' '));
      // Policies go to ACCEPT before anything is flushed, or a DROP policy would cut the SSH session.
      t.true(argvs.indexOf('iptables -t filter -P FORWARD ACCEPT') < argvs.indexOf('iptables -t filter -F'));
      await runNetworkCleanup(runner, plan);
      for (const table of ['filter', 'nat', 'mangle']) {
        t.deepEqual(
          rules(ns, 'iptables', table).filter((r) => !r.startsWith('-P ')),
          [],
          `iptables ${table}`,
        );
        t.deepEqual(
          rules(ns, 'ip6tables', table).filter((r) => !r.startsWith('-P ')),
          [],
          `ip6tables ${table}`,
        );
      }
      t.deepEqual(rules(ns, 'iptables', 'filter'), ['-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT']);
      t.deepEqual(rules(ns, 'ip6tables', 'filter'), ['-P INPUT ACCEPT', '-P FORWARD ACCEPT', '-P OUTPUT ACCEPT']);
      t.deepEqual(links(ns).sort(), ['admin0', 'lo']);
    } finally {
      sh(undefined, 'ip', 'netns', 'del', ns);
    }
    t.is(hostSnapshot(), before, 'nothing outside the namespace changed');
  },
);

netnsTest(
  'reset (iptables kube-only): kube-proxy, CNI and flannel rules gone; the admin firewall and policies stay',
  async (t) => {
    const ns = `ks-reset-kube-${process.pid}`;
    const before = hostSnapshot();
    sh(undefined, 'ip', 'netns', 'add', ns);
    try {
      dirtyNamespace(ns);
      const runner = new NetnsRunner(ns);
      await runNetworkCleanup(runner, await planNetworkCleanup(runner, 'kube-only'));
      const all = ['filter', 'nat', 'mangle'].flatMap((table) => rules(ns, 'iptables', table));
      t.deepEqual(
        all.filter((r) => /KUBE-|CNI-|FLANNEL|kubernetes|flannel/i.test(r)),
        [],
      );
      t.true(all.includes('-N ADMIN-SSH'));
      t.true(all.includes('-A INPUT -p tcp -m tcp --dport 22 -j ADMIN-SSH'));
      t.true(all.includes('-P FORWARD DROP'), 'kube-only leaves policies as the admin set them');
      t.deepEqual(
        rules(ns, 'ip6tables', 'nat').filter((r) => /KUBE-/.test(r)),
        [],
      );
      t.deepEqual(links(ns).sort(), ['admin0', 'lo']);
    } finally {
      sh(undefined, 'ip', 'netns', 'del', ns);
    }
    t.is(hostSnapshot(), before);
  },
);

netnsTest('a clean namespace needs no link deletions and the cleanup is idempotent', async (t) => {
  const ns = `ks-reset-clean-${process.pid}`;
  sh(undefined, 'ip', 'netns', 'add', ns);
  try {
    const runner = new NetnsRunner(ns);
    const plan = await planNetworkCleanup(runner, 'all');
    t.false(plan.some((p) => p.argv[0] === 'ip'));
    await runNetworkCleanup(runner, plan);
    await runNetworkCleanup(runner, await planNetworkCleanup(runner, 'all'));
    t.deepEqual(
      rules(ns, 'iptables', 'nat').filter((r) => !r.startsWith('-P ')),
      [],
    );
  } finally {
    sh(undefined, 'ip', 'netns', 'del', ns);
  }
});

/** Every table's policies, chains and rules in order, as `iptables -S` lists them: what a firewall is. */
function firewall(ns: string, tool = 'iptables'): string {
  return ['filter', 'nat', 'mangle', 'raw'].map((table) => `*${table}\n${sh(ns, tool, '-t', table, '-S')}`).join('');
}

netnsTest(
  'reset (iptables kube-only) keeps a firewall whose comments and chains merely look like Kubernetes (issue 15)',
  async (t) => {
    const ns = `ks-reset-bastion-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const before = hostSnapshot();
    sh(undefined, 'ip', 'netns', 'add', ns);
    try {
      const ipt = (...a: string[]) => sh(ns, 'iptables', ...a);
      // The admin's firewall: default DROP, loopback, SSH with a comment that starts with "Kubernetes",
      // and a chain of their own whose name starts with kube-.
      ipt('-P', 'INPUT', 'DROP');
      ipt('-A', 'INPUT', '-i', 'lo', '-j', 'ACCEPT');
      ipt('-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');
      ipt(
        '-A',
        'INPUT',
        '-p',
        'tcp',
        '--dport',
        '22',
        '-m',
        'comment',
        '--comment',
        'Kubernetes admins ssh from office',
        '-j',
        'ACCEPT',
      );
      ipt('-N', 'kube-bastion');
      ipt('-A', 'kube-bastion', '-s', '192.0.2.0/24', '-j', 'ACCEPT');
      ipt('-A', 'INPUT', '-p', 'tcp', '--dport', '2222', '-j', 'kube-bastion');
      ipt('-N', 'Flannel-audit');
      ipt('-A', 'Flannel-audit', '-m', 'comment', '--comment', 'flannel -j KUBE-SERVICES', '-j', 'RETURN');
      ipt('-A', 'FORWARD', '-j', 'Flannel-audit');
      ipt('-t', 'nat', '-A', 'POSTROUTING', '-m', 'comment', '--comment', 'kubernetes-era NAT', '-j', 'MASQUERADE');
      const admins = firewall(ns);

      // What kube-proxy, the kubelet, flannel and the CNI plugins add on top, interleaved with it.
      ipt('-N', 'KUBE-FIREWALL');
      ipt('-I', 'INPUT', '2', '-j', 'KUBE-FIREWALL');
      ipt('-A', 'KUBE-FIREWALL', '-m', 'comment', '--comment', 'block incoming localnet connections', '-j', 'DROP');
      ipt('-N', 'KUBE-PROXY-FIREWALL');
      ipt(
        '-I',
        'INPUT',
        '1',
        '-m',
        'comment',
        '--comment',
        'kubernetes load balancer firewall',
        '-j',
        'KUBE-PROXY-FIREWALL',
      );
      ipt('-N', 'KUBE-FORWARD');
      ipt('-A', 'FORWARD', '-m', 'comment', '--comment', 'kubernetes forwarding rules', '-j', 'KUBE-FORWARD');
      ipt('-N', 'FLANNEL-FWD');
      ipt('-A', 'FORWARD', '-m', 'comment', '--comment', 'flanneld forward', '-j', 'FLANNEL-FWD');
      ipt('-A', 'FLANNEL-FWD', '-s', '10.244.0.0/16', '-m', 'comment', '--comment', 'flanneld forward', '-j', 'ACCEPT');
      ipt('-t', 'nat', '-N', 'KUBE-SERVICES');
      ipt('-t', 'nat', '-N', 'KUBE-SVC-NPX46M4PTMTKRN6Y');
      ipt('-t', 'nat', '-N', 'KUBE-SEP-ABCDEFGHIJKLMNOP');
      ipt(
        '-t',
        'nat',
        '-A',
        'KUBE-SERVICES',
        '-d',
        '10.96.0.1/32',
        '-p',
        'tcp',
        '--dport',
        '443',
        '-j',
        'KUBE-SVC-NPX46M4PTMTKRN6Y',
      );
      ipt('-t', 'nat', '-A', 'KUBE-SVC-NPX46M4PTMTKRN6Y', '-j', 'KUBE-SEP-ABCDEFGHIJKLMNOP');
      ipt(
        '-t',
        'nat',
        '-A',
        'KUBE-SEP-ABCDEFGHIJKLMNOP',
        '-p',
        'tcp',
        '-j',
        'DNAT',
        '--to-destination',
        '10.0.2.15:6443',
      );
      ipt(
        '-t',
        'nat',
        '-I',
        'PREROUTING',
        '1',
        '-m',
        'comment',
        '--comment',
        'kubernetes service portals',
        '-j',
        'KUBE-SERVICES',
      );
      ipt('-t', 'nat', '-N', 'FLANNEL-POSTRTG');
      ipt(
        '-t',
        'nat',
        '-I',
        'POSTROUTING',
        '1',
        '-m',
        'comment',
        '--comment',
        'flanneld masq',
        '-j',
        'FLANNEL-POSTRTG',
      );
      ipt('-t', 'nat', '-N', 'CNI-HOSTPORT-DNAT');
      ipt('-t', 'nat', '-A', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'CNI-HOSTPORT-DNAT');
      ipt('-t', 'nat', '-N', 'CNI-DN-0123456789abcdef01234');
      ipt('-t', 'nat', '-A', 'CNI-HOSTPORT-DNAT', '-p', 'tcp', '-j', 'CNI-DN-0123456789abcdef01234');
      ipt('-t', 'nat', '-N', 'CNI-0123456789abcdef01234567');
      ipt('-t', 'nat', '-A', 'POSTROUTING', '-s', '10.244.0.5/32', '-j', 'CNI-0123456789abcdef01234567');
      ipt('-t', 'mangle', '-N', 'KUBE-IPTABLES-HINT');
      ipt('-t', 'mangle', '-N', 'KUBE-KUBELET-CANARY');
      t.not(firewall(ns), admins);

      const runner = new NetnsRunner(ns);
      await runNetworkCleanup(runner, await planNetworkCleanup(runner, 'kube-only'));
      t.is(firewall(ns), admins, 'exactly the admin firewall is left, in its order, policy DROP included');
    } finally {
      sh(undefined, 'ip', 'netns', 'del', ns);
    }
    t.is(hostSnapshot(), before);
  },
);
