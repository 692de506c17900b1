/**
 * Host tools: kubelet --version, systemctl, swapon/swapoff, modprobe, sysctl,
 * ss, getent. Sysctls live as files under $ROOT/proc/sys (as on a real host);
 * swap, modules and services in the state.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Sim } from '../state.js';
import type { Listener, SimState } from '../types.js';
import { writeHostFile } from '../cluster.js';
import { loadContainerdConfig } from './apt.js';

export async function run(sim: Sim): Promise<number> {
  switch (sim.tool) {
    case 'kubelet':
      return kubelet(sim);
    case 'systemctl':
      return systemctl(sim);
    case 'swapon':
      return swapon(sim);
    case 'swapoff':
      return swapoff(sim);
    case 'modprobe':
      return modprobe(sim);
    case 'sysctl':
      return sysctl(sim);
    case 'ss':
      return ss(sim);
    case 'getent':
      return getent(sim);
  }
  return 127;
}

async function kubelet(sim: Sim): Promise<number> {
  const s = sim.peek();
  if (sim.argv.length === 1 && (sim.argv[0] === '--version' || sim.argv[0] === '--version=true')) {
    sim.io.out(`Kubernetes ${s.versions.kubelet}\n`);
    return 0;
  }
  sim.io.err(`kubelet: the simulated node only answers --version (got: ${sim.argv.join(' ')})\n`);
  return 1;
}

// ------------------------------------------------------------------ systemctl

const KNOWN_UNITS = ['containerd', 'kubelet', 'ssh', 'systemd-resolved', 'docker', 'cri-docker', 'crio'];

function unitName(u: string): string {
  return u.replace(/\.service$/, '');
}

/** Whether the kubelet has a config to run with (otherwise systemd keeps restarting it). */
function kubeletConfigured(sim: Sim): boolean {
  return fs.existsSync(sim.at('/var/lib/kubelet/config.yaml'));
}

async function systemctl(sim: Sim): Promise<number> {
  const args = sim.argv.filter((a) => a !== '--quiet' && a !== '-q' && a !== '--no-pager');
  const quiet = sim.argv.includes('--quiet') || sim.argv.includes('-q');
  const now = args.includes('--now');
  const rest = args.filter((a) => a !== '--now');
  const [verb, ...units] = rest;
  if (!verb) {
    sim.io.err('systemctl: the simulated node needs a verb\n');
    return 1;
  }
  if (verb === 'daemon-reload') return 0;
  if (verb === 'list-units') return listUnits(sim, rest.slice(1));
  if (verb === 'mask' || verb === 'unmask') return mask(sim, verb, units);
  if (units.length === 0) {
    sim.io.err(`Too few arguments.\n`);
    return 1;
  }
  return sim.update((s) => {
    let code = 0;
    for (const raw of units) {
      const u = unitName(raw);
      const svc = s.host.services[u];
      const known = svc !== undefined;
      switch (verb) {
        case 'is-active': {
          let state = svc?.active ? 'active' : 'inactive';
          if (u === 'kubelet' && svc?.active && !kubeletConfigured(sim)) state = 'activating';
          if (!quiet) sim.io.out(`${state}\n`);
          if (state !== 'active') code = 3;
          break;
        }
        case 'is-enabled': {
          if (!known) {
            sim.io.err(`Failed to get unit file state for ${u}.service: No such file or directory\n`);
            code = 1;
            break;
          }
          if (!quiet) sim.io.out(`${svc.enabled ? 'enabled' : 'disabled'}\n`);
          if (!svc.enabled) code = 1;
          break;
        }
        case 'enable':
        case 'disable': {
          if (!known) {
            sim.io.err(`Failed to ${verb} unit: Unit file ${u}.service does not exist.\n`);
            return 1;
          }
          const on = verb === 'enable';
          if (svc.enabled !== on) {
            sim.io.err(
              on
                ? `Created symlink /etc/systemd/system/multi-user.target.wants/${u}.service → /lib/systemd/system/${u}.service.\n`
                : `Removed /etc/systemd/system/multi-user.target.wants/${u}.service.\n`,
            );
            svc.enabled = on;
          }
          if (now) {
            svc.active = on;
            if (u === 'containerd' && on) loadContainerdConfig(sim, s);
          }
          break;
        }
        case 'start':
        case 'restart':
        case 'stop':
        case 'reload': {
          if (!known) {
            sim.io.err(`Failed to ${verb} ${u}.service: Unit ${u}.service not found.\n`);
            return 5;
          }
          svc.active = verb !== 'stop';
          // containerd reads its config when it starts, and its socket exists while it runs.
          if (u === 'containerd') {
            if (svc.active) loadContainerdConfig(sim, s);
            else fs.rmSync(sim.at('/run/containerd/containerd.sock'), { force: true });
          }
          break;
        }
        case 'status': {
          if (!known) {
            sim.io.err(`Unit ${u}.service could not be found.\n`);
            return 4;
          }
          sim.io.out(
            `● ${u}.service\n     Loaded: loaded (/lib/systemd/system/${u}.service; ${svc.enabled ? 'enabled' : 'disabled'}; vendor preset: enabled)\n     Active: ${svc.active ? 'active (running)' : 'inactive (dead)'}\n`,
          );
          if (!svc.active) code = 3;
          break;
        }
        default:
          sim.io.err(`Unknown command verb ${verb}.\n`);
          return 1;
      }
    }
    return code;
  });
}

/** `systemctl list-units --type=swap [--all] --plain --no-legend`: one line per swap unit. */
function listUnits(sim: Sim, args: string[]): number {
  const type = args.find((a) => a.startsWith('--type='))?.slice('--type='.length) ?? args[args.indexOf('--type') + 1];
  const bad = args.find(
    (a) => !['--all', '-a', '--plain', '--no-legend', '--type', 'swap'].includes(a) && !a.startsWith('--type='),
  );
  if (type !== 'swap' || bad) {
    sim.io.err(`systemctl: the simulated node lists swap units only (got: ${args.join(' ')})\n`);
    return 1;
  }
  const s = sim.peek();
  const all = args.includes('--all') || args.includes('-a');
  const masked = new Set(s.host.maskedUnits ?? []);
  for (const u of s.host.swapUnits ?? []) {
    const active = s.host.swap;
    if (!active && !all) continue;
    const load = masked.has(u.unit) ? 'masked' : 'loaded';
    sim.io.out(`${u.unit} ${load} ${active ? 'active active' : 'inactive dead'} ${u.what}\n`);
  }
  return 0;
}

async function mask(sim: Sim, verb: 'mask' | 'unmask', units: string[]): Promise<number> {
  if (units.length === 0) {
    sim.io.err('Too few arguments.\n');
    return 1;
  }
  return sim.update((s) => {
    const masked = new Set(s.host.maskedUnits ?? []);
    for (const u of units) {
      if (verb === 'mask' && !masked.has(u)) {
        sim.io.err(`Created symlink /etc/systemd/system/${u} → /dev/null.\n`);
        masked.add(u);
      } else if (verb === 'unmask' && masked.delete(u)) sim.io.err(`Removed "/etc/systemd/system/${u}".\n`);
    }
    s.host.maskedUnits = [...masked];
    return 0;
  });
}

export function isKnownUnit(u: string): boolean {
  return KNOWN_UNITS.includes(u);
}

// ------------------------------------------------------------------ swap

function swapLine(): { name: string; type: string; size: string; used: string; prio: string } {
  return { name: '/swap.img', type: 'file', size: '2G', used: '0B', prio: '-2' };
}

async function swapon(sim: Sim): Promise<number> {
  const s = sim.peek();
  const a = sim.argv;
  const show = a.some((x) => x === '--show' || x.startsWith('--show='));
  const noHead = a.includes('--noheadings') || a.includes('--noheading');
  if (show) {
    if (!s.host.swap) return 0;
    const l = swapLine();
    const rows = noHead ? [] : [['NAME', 'TYPE', 'SIZE', 'USED', 'PRIO']];
    rows.push([l.name, l.type, l.size, l.used, l.prio]);
    // util-linux right-aligns the numeric columns.
    const w = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows)
      sim.io.out(
        `${r[0].padEnd(w[0])} ${r[1].padEnd(w[1])} ${r[2].padStart(w[2])} ${r[3].padStart(w[3])} ${r[4].padStart(w[4])}\n`,
      );
    return 0;
  }
  if (a.includes('-s') || a.includes('--summary')) {
    if (!s.host.swap) return 0;
    sim.io.out(
      'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swap.img                               file\t\t2097148\t\t0\t\t-2\n',
    );
    return 0;
  }
  if (a.includes('-a') || a.includes('--all')) {
    return sim.update((st) => {
      st.host.swap = true;
      writeSwaps(sim, st);
      return 0;
    });
  }
  sim.io.err(`swapon: the simulated node does not model: ${a.join(' ')}\n`);
  return 1;
}

function writeSwaps(sim: Sim, s: SimState): void {
  writeHostFile(
    sim,
    '/proc/swaps',
    `Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n${s.host.swap ? '/swap.img                               file\t\t2097148\t\t0\t\t-2\n' : ''}`,
  );
}

async function swapoff(sim: Sim): Promise<number> {
  if (!(sim.argv.includes('-a') || sim.argv.includes('--all') || sim.argv.includes('/swap.img'))) {
    sim.io.err(`swapoff: the simulated node does not model: ${sim.argv.join(' ')}\n`);
    return 1;
  }
  return sim.update((s) => {
    s.host.swap = false;
    writeSwaps(sim, s);
    return 0;
  });
}

// ------------------------------------------------------------------ modules and sysctls

const MODULES = [
  'br_netfilter',
  'overlay',
  'ip_vs',
  'ip_vs_rr',
  'ip_vs_wrr',
  'ip_vs_sh',
  'nf_conntrack',
  'ip_tables',
  'ip6_tables',
  'iptable_nat',
  'iptable_filter',
  'vxlan',
  'bridge',
  'xt_conntrack',
];

async function modprobe(sim: Sim): Promise<number> {
  const args = sim.argv.filter((a) => !a.startsWith('-'));
  const remove = sim.argv.includes('-r') || sim.argv.includes('--remove');
  if (args.length === 0) {
    sim.io.err('modprobe: FATAL: Module  not found.\n');
    return 1;
  }
  return sim.update((s) => {
    for (const m of args) {
      if (!MODULES.includes(m)) {
        sim.io.err(`modprobe: FATAL: Module ${m} not found in directory /lib/modules/${s.host.kernel}\n`);
        return 1;
      }
      if (remove) {
        s.host.modules = s.host.modules.filter((x) => x !== m);
        if (m === 'br_netfilter')
          for (const f of ['bridge-nf-call-iptables', 'bridge-nf-call-ip6tables', 'bridge-nf-call-arptables'])
            fs.rmSync(sim.at(`/proc/sys/net/bridge/${f}`), { force: true });
        continue;
      }
      if (!s.host.modules.includes(m)) {
        s.host.modules.push(m);
        // Loading br_netfilter creates its sysctls, on by default.
        if (m === 'br_netfilter')
          for (const f of ['bridge-nf-call-iptables', 'bridge-nf-call-ip6tables', 'bridge-nf-call-arptables'])
            writeHostFile(sim, `/proc/sys/net/bridge/${f}`, '1\n');
      }
    }
    writeHostFile(sim, '/proc/modules', s.host.modules.map((m) => `${m} 32768 0 - Live 0x0000000000000000\n`).join(''));
    return 0;
  });
}

function sysctlPath(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

function readSysctl(sim: Sim, key: string): string | undefined {
  try {
    return fs.readFileSync(sim.at(sysctlPath(key)), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function writeSysctl(sim: Sim, key: string, value: string): boolean {
  const f = sim.at(sysctlPath(key));
  if (!fs.existsSync(f)) return false;
  fs.writeFileSync(f, `${value}\n`);
  return true;
}

function cannotStat(sim: Sim, key: string): void {
  sim.io.err(`sysctl: cannot stat ${sysctlPath(key)}: No such file or directory\n`);
}

/** key = value lines of a sysctl.d file. */
function parseConf(text: string): { key: string; value: string; ignoreErr: boolean }[] {
  const out: { key: string; value: string; ignoreErr: boolean }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^(-?)([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (m) out.push({ ignoreErr: m[1] === '-', key: m[2], value: m[3].trim() });
  }
  return out;
}

async function sysctl(sim: Sim): Promise<number> {
  const a = [...sim.argv];
  let valueOnly = false;
  let write = false;
  let quiet = false;
  const rest: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === '-n' || x === '--values') valueOnly = true;
    else if (x === '-w' || x === '--write') write = true;
    else if (x === '-q' || x === '--quiet') quiet = true;
    else if (x === '-e' || x === '--ignore') continue;
    else if (x === '--system') return sysctlFiles(sim, systemFiles(sim), quiet);
    else if (x === '-p' || x === '--load') {
      const f = a[i + 1] && !a[i + 1].startsWith('-') ? a[++i] : '/etc/sysctl.conf';
      return sysctlFiles(sim, [f], quiet, true);
    } else if (x.startsWith('-p')) return sysctlFiles(sim, [x.slice(2)], quiet, true);
    else rest.push(x);
  }
  let code = 0;
  for (const arg of rest) {
    if (arg.includes('=') || write) {
      const [key, value = ''] = arg.split('=', 2);
      if (!writeSysctl(sim, key, value.trim())) {
        cannotStat(sim, key);
        code = 255;
        continue;
      }
      if (!quiet) sim.io.out(valueOnly ? `${value.trim()}\n` : `${key} = ${value.trim()}\n`);
      continue;
    }
    const v = readSysctl(sim, arg);
    if (v === undefined) {
      cannotStat(sim, arg);
      code = 255;
      continue;
    }
    sim.io.out(valueOnly ? `${v}\n` : `${arg} = ${v}\n`);
  }
  return code;
}

function systemFiles(sim: Sim): string[] {
  const files: string[] = [];
  for (const dir of [
    '/etc/sysctl.d',
    '/run/sysctl.d',
    '/usr/local/lib/sysctl.d',
    '/usr/lib/sysctl.d',
    '/lib/sysctl.d',
  ]) {
    try {
      for (const f of fs.readdirSync(sim.at(dir)).sort()) if (f.endsWith('.conf')) files.push(path.posix.join(dir, f));
    } catch {
      /* no such dir */
    }
  }
  if (fs.existsSync(sim.at('/etc/sysctl.conf'))) files.push('/etc/sysctl.conf');
  return files;
}

function sysctlFiles(sim: Sim, files: string[], quiet: boolean, single = false): number {
  let code = 0;
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(sim.at(f), 'utf8');
    } catch {
      sim.io.err(`sysctl: cannot open "${f}": No such file or directory\n`);
      code = 255;
      continue;
    }
    if (!single && !quiet) sim.io.out(`* Applying ${f} ...\n`);
    for (const { key, value, ignoreErr } of parseConf(text)) {
      if (!writeSysctl(sim, key, value)) {
        if (!ignoreErr) {
          cannotStat(sim, key);
          code = 255;
        }
        continue;
      }
      if (!quiet) sim.io.out(`${key} = ${value}\n`);
    }
  }
  return code;
}

// ------------------------------------------------------------------ ss

/** Listening TCP sockets: the host's own plus those of the kubelet and the control plane. */
export function listeners(sim: Sim, s: SimState): Listener[] {
  const out = [...s.host.listeners];
  const kubeletRunning = s.host.services.kubelet?.active && fs.existsSync(sim.at('/var/lib/kubelet/config.yaml'));
  if (kubeletRunning) out.push({ addr: '127.0.0.1', port: 10248 }, { addr: '*', port: 10250 });
  const c = s.cluster;
  // A control plane's ports; on a cluster of several nodes, only on the control planes.
  if (c && (!c.members || c.members.some((m) => m.root === sim.root && m.controlPlane))) {
    out.push(
      { addr: '*', port: c.bindPort },
      { addr: '127.0.0.1', port: 10257 },
      { addr: '127.0.0.1', port: 10259 },
      { addr: c.advertiseAddress, port: 2379 },
      { addr: '127.0.0.1', port: 2379 },
      { addr: c.advertiseAddress, port: 2380 },
      { addr: '127.0.0.1', port: 2381 },
    );
    if (c.hostEffects.kubeProxy) out.push({ addr: '127.0.0.1', port: 10249 }, { addr: '*', port: 10256 });
  }
  return out;
}

async function ss(sim: Sim): Promise<number> {
  let noHeader = false;
  let tcp = false;
  let listening = false;
  for (const a of sim.argv) {
    if (a === '--no-header') noHeader = true;
    else if (a === '--tcp') tcp = true;
    else if (a === '--listening') listening = true;
    else if (a === '--numeric') continue;
    else if (/^-[A-Za-z]+$/.test(a)) {
      for (const ch of a.slice(1)) {
        if (ch === 'H') noHeader = true;
        else if (ch === 't') tcp = true;
        else if (ch === 'l') listening = true;
        else if (ch === 'n' || ch === 'p') continue;
        else {
          sim.io.err(`ss: the simulated node does not model -${ch}\n`);
          return 1;
        }
      }
    } else {
      sim.io.err(`ss: the simulated node does not model filter "${a}"\n`);
      return 1;
    }
  }
  if (!tcp || !listening) {
    sim.io.err('ss: the simulated node only models listening TCP sockets (-tl)\n');
    return 1;
  }
  const s = await sim.read();
  const ls = listeners(sim, s);
  const fmt = (l: Listener) => {
    const v6 = l.addr.startsWith('[');
    return { local: l.addr, port: String(l.port), peer: l.addr === '*' ? '*' : v6 ? '[::]' : '0.0.0.0' };
  };
  const rows = ls.map(fmt);
  const lw = Math.max(17, ...rows.map((r) => r.local.length + 1 + r.port.length));
  const pw = Math.max(17, ...rows.map((r) => r.peer.length + 2));
  const out: string[] = [];
  if (!noHeader)
    out.push(
      `${'State'.padEnd(6)} ${'Recv-Q'.padEnd(6)} ${'Send-Q'.padEnd(6)} ${'Local Address:Port'.padStart(lw)} ${'Peer Address:Port'.padStart(pw)}Process`,
    );
  for (const r of rows) {
    // ss right-aligns the address and left-aligns the port within the column.
    const addrW = lw - 1 - Math.max(5, r.port.length);
    const local = `${r.local.padStart(addrW)}:${r.port.padEnd(Math.max(5, r.port.length))}`;
    const peerAddrW = pw - 2 - 5;
    const peer = `${r.peer.padStart(peerAddrW)}:${'*'.padEnd(6)}`;
    out.push(`LISTEN ${'0'.padEnd(6)} ${'4096'.padEnd(6)} ${local} ${peer}`);
  }
  sim.io.out(out.map((l) => `${l}\n`).join(''));
  return 0;
}

// ------------------------------------------------------------------ getent

async function getent(sim: Sim): Promise<number> {
  const [db, ...keys] = sim.argv;
  const file =
    db === 'passwd' ? '/etc/passwd' : db === 'group' ? '/etc/group' : db === 'hosts' ? '/etc/hosts' : undefined;
  if (!file) {
    sim.io.err(`Unknown database: ${db ?? ''}\nTry \`getent --help' or \`getent --usage' for more information.\n`);
    return 1;
  }
  let lines: string[] = [];
  try {
    lines = fs
      .readFileSync(sim.at(file), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
  } catch {
    lines = [];
  }
  if (keys.length === 0) {
    sim.io.out(lines.map((l) => `${l}\n`).join(''));
    return 0;
  }
  let code = 0;
  for (const k of keys) {
    const hit =
      db === 'hosts'
        ? lines.find((l) => l.split(/\s+/).slice(1).includes(k) || l.split(/\s+/)[0] === k)
        : lines.find((l) => {
            const f = l.split(':');
            return f[0] === k || (/^\d+$/.test(k) && f[2] === k);
          });
    if (hit) sim.io.out(`${hit}\n`);
    else code = 2;
  }
  return code;
}
