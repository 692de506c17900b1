/**
 * Entry point of every fake executable: `#!/usr/bin/env node` scripts in the
 * sim's bin dir import this module; the tool is the script's file name. Logs
 * the call, applies injected faults, then runs the tool.
 */
import fs from 'node:fs';
import path from 'node:path';
import { appendCall, lock, writeAtomic, Sim, type Io } from './state.js';
import type { Fault, SimState } from './types.js';
import { randomHex } from './util.js';

type ToolModule = { run(sim: Sim): Promise<number> };

// Literal import paths, so a bundler can follow them; each tool loads only its own module.
const kubectl = () => import('./tools/kubectl.js');
const kubeadm = () => import('./tools/kubeadm.js');
const host = () => import('./tools/host.js');
const iptables = () => import('./tools/iptables.js');
const ip = () => import('./tools/ip.js');
const files = () => import('./tools/files.js');
const packages = () => import('./tools/packages.js');
const apt = () => import('./tools/apt.js');

const TOOLS: Record<string, () => Promise<ToolModule>> = {
  kubectl,
  kubeadm,
  kubelet: host,
  systemctl: host,
  swapon: host,
  swapoff: host,
  modprobe: host,
  sysctl: host,
  ss: host,
  getent: host,
  iptables,
  ip6tables: iptables,
  'iptables-save': iptables,
  'ip6tables-save': iptables,
  'iptables-restore': iptables,
  'ip6tables-restore': iptables,
  ip,
  tee: files,
  ipvsadm: files,
  conntrack: packages,
  socat: packages,
  ebtables: packages,
  ethtool: packages,
  crictl: packages,
  containerd: packages,
  'update-alternatives': packages,
  'apt-get': apt,
  'apt-mark': apt,
  'dpkg-query': apt,
  dpkg: apt,
  curl: apt,
};

/** Executables a package brings: "command not found" until it is installed (host.missingTools). */
const PACKAGED = new Set(['kubeadm', 'kubectl', 'kubelet']);

export const SIM_TOOLS = Object.keys(TOOLS);

/** Faults that act on the whole call (fail, hang, delay) are matched and counted here. */
function takeCallFault(statePath: string, stateText: string, tool: string, argv: string[]): Fault | undefined {
  const joined = argv.join(' ');
  const applies = (f: Fault) =>
    (f.action === 'fail' || f.action === 'hang' || f.action === 'delay') &&
    (f.tool === undefined || f.tool === tool) &&
    (f.match === undefined || joined.includes(f.match)) &&
    (f.count === undefined || f.count > 0);
  // Cheap check without the lock first: most calls have no fault.
  if (stateText.includes('"faults":[]')) return undefined;
  const peek = JSON.parse(stateText) as SimState;
  if (!peek.faults.some(applies)) return undefined;
  const release = lock(statePath);
  try {
    const s = JSON.parse(fs.readFileSync(statePath, 'utf8')) as SimState;
    const f = s.faults.find(applies);
    if (!f) return undefined;
    if (f.count !== undefined) f.count--;
    f.fired = (f.fired ?? 0) + 1;
    writeAtomic(statePath, JSON.stringify(s));
    return { ...f };
  } finally {
    release();
  }
}

export async function main(): Promise<void> {
  const tool = path.basename(process.argv[1] ?? '');
  const argv = process.argv.slice(2);
  const statePath = process.env.SIM_STATE;
  if (!statePath) {
    process.stderr.write(`${tool}: simulated node: SIM_STATE is not set\n`);
    process.exitCode = 127;
    return;
  }
  const root = process.env.KUBESTRAP_ROOT ?? '/';
  const id = `${process.pid}-${randomHex(4)}`;
  appendCall(statePath, { id, tool, argv, start: Date.now(), pid: process.pid });
  let finished = false;
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    appendCall(statePath, { id, end: Date.now(), exitCode: code });
  };
  for (const [sig, n] of [
    ['SIGTERM', 15],
    ['SIGINT', 2],
    ['SIGHUP', 1],
  ] as const) {
    process.on(sig, () => {
      finish(128 + n);
      process.exit(128 + n);
    });
  }

  // A fake that outlives its caller (killed by a test or a timeout) or its node (cleaned
  // up by the test) ends on its own, so no test leaves a process behind: a wait such as
  // `rollout status --timeout=600s` would otherwise poll for ten minutes. Unref'd: it
  // never keeps a finished command alive.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid === parent && fs.existsSync(statePath)) return;
    if (fs.existsSync(statePath)) finish(143);
    process.exit(143);
  }, 200).unref();

  const stateText = fs.readFileSync(statePath, 'utf8');
  const fault = takeCallFault(statePath, stateText, tool, argv);
  if (fault?.action === 'fail') {
    if (fault.stdout) process.stdout.write(fault.stdout);
    if (fault.stderr) process.stderr.write(fault.stderr);
    const code = fault.exitCode ?? 1;
    finish(code);
    process.exitCode = code;
    return;
  }
  if (fault?.action === 'hang') {
    // Until killed (the signal handlers above record the exit) or orphaned (the watchdog
    // above); this timer only keeps the process alive.
    setInterval(() => {}, 1 << 30);
    return;
  }
  if (fault?.action === 'delay') await new Promise((r) => setTimeout(r, fault.ms));

  if (PACKAGED.has(tool) && stateText.includes(`"${tool}"`)) {
    const missing = (JSON.parse(stateText) as SimState).host.missingTools ?? [];
    if (missing.includes(tool)) {
      process.stderr.write(`${tool}: command not found\n`);
      finish(127);
      process.exitCode = 127;
      return;
    }
  }
  const load = TOOLS[tool];
  if (!load) {
    process.stderr.write(`${tool}: not a tool of the simulated node\n`);
    finish(127);
    process.exitCode = 127;
    return;
  }
  let stdinText: string | undefined;
  const io: Io = {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    stdin: () => {
      if (stdinText !== undefined) return stdinText;
      try {
        stdinText = process.stdin.isTTY ? '' : fs.readFileSync(0, 'utf8');
      } catch {
        stdinText = '';
      }
      return stdinText;
    },
  };
  const sim = new Sim({ statePath, root, tool, argv, io, stateText: fault ? undefined : stateText });
  let code: number;
  try {
    const mod = await load();
    code = await mod.run(sim);
  } catch (e) {
    process.stderr.write(`${tool}: simulated node crashed: ${(e as Error).stack ?? String(e)}\n`);
    code = 70;
  }
  finish(code);
  process.exitCode = code;
}
