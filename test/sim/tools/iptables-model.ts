/** The host's iptables/ip6tables tables, and the rules kube-proxy and flannel add. */
import { createHash } from 'node:crypto';
import type { ClusterState, HostState, IptTables } from '../types.js';

export const BUILTIN: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export function emptyTables(): IptTables {
  const t: IptTables = {};
  for (const [table, chains] of Object.entries(BUILTIN)) {
    t[table] = {};
    for (const ch of chains) t[table][ch] = { policy: 'ACCEPT', rules: [] };
  }
  return t;
}

function ensureChain(t: IptTables, table: string, chain: string): void {
  t[table] ??= {};
  t[table][chain] ??= { rules: [] };
}

/** Appends `-A CHAIN rest` unless an identical rule is there already. */
function add(t: IptTables, table: string, rule: string): void {
  const m = /^-A (\S+) (.*)$/.exec(rule);
  if (!m) return;
  ensureChain(t, table, m[1]);
  const target = /-j (\S+)/.exec(m[2])?.[1];
  if (target && /^(KUBE|FLANNEL|CNI)-/.test(target)) ensureChain(t, table, target);
  if (!t[table][m[1]].rules.includes(m[2])) t[table][m[1]].rules.push(m[2]);
}

export function addKubeProxyRules(host: HostState, c: ClusterState): void {
  const svcIp = firstServiceIp(c.serviceSubnet);
  for (const t of [host.iptables.v4, host.iptables.v6]) {
    const v6 = t === host.iptables.v6;
    for (const ch of [
      'KUBE-EXTERNAL-SERVICES',
      'KUBE-FIREWALL',
      'KUBE-FORWARD',
      'KUBE-KUBELET-CANARY',
      'KUBE-NODEPORTS',
      'KUBE-PROXY-CANARY',
      'KUBE-PROXY-FIREWALL',
      'KUBE-SERVICES',
    ])
      ensureChain(t, 'filter', ch);
    for (const ch of [
      'KUBE-KUBELET-CANARY',
      'KUBE-MARK-MASQ',
      'KUBE-NODEPORTS',
      'KUBE-POSTROUTING',
      'KUBE-PROXY-CANARY',
      'KUBE-SERVICES',
    ])
      ensureChain(t, 'nat', ch);
    for (const ch of ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY', 'KUBE-PROXY-CANARY']) ensureChain(t, 'mangle', ch);
    for (const r of [
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-A INPUT -j KUBE-FIREWALL',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -j KUBE-FIREWALL',
      '-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP',
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ])
      add(t, 'filter', r);
    if (!v6)
      add(
        t,
        'filter',
        '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      );
    for (const r of [
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ])
      add(t, 'nat', r);
    if (!v6) {
      add(
        t,
        'nat',
        `-A KUBE-SERVICES -d ${svcIp}/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y`,
      );
      add(
        t,
        'nat',
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      );
      add(
        t,
        'nat',
        `-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> ${c.advertiseAddress}:${c.bindPort}" -j KUBE-SEP-${sepHash(c.advertiseAddress)}`,
      );
      add(
        t,
        'nat',
        `-A KUBE-SEP-${sepHash(c.advertiseAddress)} -s ${c.advertiseAddress}/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ`,
      );
      add(
        t,
        'nat',
        `-A KUBE-SEP-${sepHash(c.advertiseAddress)} -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination ${c.advertiseAddress}:${c.bindPort}`,
      );
    }
  }
  checkLockout(host);
}

export function addFlannelRules(host: HostState, podSubnet: string): void {
  const t = host.iptables.v4;
  ensureChain(t, 'filter', 'FLANNEL-FWD');
  ensureChain(t, 'nat', 'FLANNEL-POSTRTG');
  add(t, 'filter', '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD');
  add(t, 'filter', `-A FLANNEL-FWD -s ${podSubnet} -m comment --comment "flanneld forward" -j ACCEPT`);
  add(t, 'filter', `-A FLANNEL-FWD -d ${podSubnet} -m comment --comment "flanneld forward" -j ACCEPT`);
  add(t, 'nat', '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG');
  add(t, 'nat', '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN');
  add(t, 'nat', `-A FLANNEL-POSTRTG -s ${podSubnet} -d ${podSubnet} -m comment --comment "flanneld masq" -j RETURN`);
  add(
    t,
    'nat',
    `-A FLANNEL-POSTRTG ! -s ${podSubnet} -d ${podSubnet} -m comment --comment "flanneld masq" -j MASQUERADE --random-fully`,
  );
  for (const ch of ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-MASQ', 'CNI-HOSTPORT-SETMARK']) ensureChain(t, 'nat', ch);
  add(t, 'nat', '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT');
  add(t, 'nat', '-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT');
  add(t, 'nat', '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ');
}

function firstServiceIp(subnet: string): string {
  const [ip] = subnet.split('/');
  const p = ip.split('.').map(Number);
  return `${p[0]}.${p[1]}.${p[2]}.${p[3] + 1}`;
}

/** kube-proxy's chain name hash: base32 of a sha256, 16 characters. */
function sepHash(ip: string): string {
  const h = createHash('sha256').update(`default/kubernetes:https${ip}`).digest();
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  for (let i = 0; i < 16; i++) out += a[h[i] & 31];
  return out;
}

/** A host whose INPUT policy drops and that no longer accepts port 22 has locked its SSH session out. */
export function checkLockout(host: HostState): void {
  const input = host.iptables.v4.filter?.INPUT;
  if (!input) return;
  if (input.policy !== 'DROP') return;
  const accepts22 =
    input.rules.some((r) => /--dport 22\b/.test(r) && /-j ACCEPT/.test(r)) ||
    input.rules.some((r) => /^-j ACCEPT$/.test(r.trim()));
  if (!accepts22) host.sshLockedOut = true;
}
