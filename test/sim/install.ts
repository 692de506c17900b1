/**
 * createSimNode: a simulated node for tests. Makes a scratch root
 * (KUBESTRAP_ROOT for kubestrap and the fakes), a bin dir with one executable
 * per fake tool, and the state file they share; returns the env to run
 * kubestrap (or the fakes) with.
 *
 *   const node = await createSimNode({ kubernetesVersion: 'v1.24.17', host: { swap: true } });
 *   await execa('node', ['dist/cli.js', 'up', '--yes'], { env: node.env });
 *   node.state().cluster?.objects ...; node.calls() ...; node.cleanup();
 *
 * Needs dist-sim/ (npm run build:sim).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import type { CallRecord, Fault, HostState, IptTables, SimState, Timing, Versions } from './types.js';
import { emptyTables } from './tools/iptables-model.js';
import { lock, readCalls, writeAtomic } from './state.js';
import { onCleanup, type Teardown } from '../helpers/scratch.js';
import { PACKAGE_TOOLS, kubeDebVersion } from './tools/apt.js';

const OS_RELEASE = {
  ubuntu: {
    id: 'ubuntu' as const,
    versionId: '24.04',
    codename: 'noble',
    text: 'PRETTY_NAME="Ubuntu 24.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.3 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\nHOME_URL="https://www.ubuntu.com/"\nUBUNTU_CODENAME=noble\n',
  },
  debian: {
    id: 'debian' as const,
    versionId: '12',
    codename: 'bookworm',
    text: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n',
  },
};

/** What the image has from the start: the base system and what fetching a key takes. */
const BASE_PACKAGES: Record<'ubuntu' | 'debian', Record<string, string>> = {
  ubuntu: {
    'ca-certificates': '20240203',
    curl: '8.5.0-2ubuntu10.6',
    iproute2: '6.1.0-1ubuntu6',
    iptables: '1.8.10-3ubuntu2',
    mount: '2.39.3-9ubuntu6.1',
    'util-linux': '2.39.3-9ubuntu6.1',
  },
  debian: {
    'ca-certificates': '20230311',
    curl: '7.88.1-10+deb12u14',
    iproute2: '6.1.0-3',
    iptables: '1.8.9-2',
    mount: '2.38.1-5+deb12u3',
    'util-linux': '2.38.1-5+deb12u3',
  },
};

/** A prepared node also has these (the tools kubeadm wants), unless a test says one is missing. */
const NODE_PACKAGES: Record<string, string> = {
  conntrack: '1:1.4.8-1ubuntu1',
  socat: '1.8.0.0-4build3',
  ebtables: '2.0.11-6build1',
  ethtool: '1:6.7-1build1',
};

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SIM_MAIN = path.join(REPO_ROOT, 'dist-sim/test/sim/main.js');
/** One-file bundle of the same code (test/sim/bundle.mjs): loads several times faster. */
export const SIM_BUNDLE = path.join(REPO_ROOT, 'dist-sim/sim.cjs');

export const SIM_TOOL_NAMES = [
  'kubeadm',
  'kubectl',
  'kubelet',
  'systemctl',
  'swapon',
  'swapoff',
  'modprobe',
  'sysctl',
  'ss',
  'getent',
  'iptables',
  'ip6tables',
  'iptables-save',
  'ip6tables-save',
  'iptables-restore',
  'ip6tables-restore',
  'ip',
  // Not faithful fakes but sandbox guards: `tee` writes host paths under the root (the node's
  // filesystem), `ipvsadm` is "not installed" (exit 127) whatever the machine has.
  'tee',
  'ipvsadm',
  // What the node's packages bring besides: kubeadm's preflight looks for these.
  'conntrack',
  'socat',
  'ebtables',
  'ethtool',
  'crictl',
  'containerd',
  'update-alternatives',
  // The package tools: dpkg's database, apt's repositories, and the two signing keys curl fetches.
  'apt-get',
  'apt-mark',
  'dpkg-query',
  'dpkg',
  'curl',
];

export interface SimHostOptions {
  /**
   * A fresh VM: no containerd, no Kubernetes packages, none of the tools kubeadm's preflight
   * wants, no kubelet unit; apt can install them from the repositories kubestrap adds.
   */
  bare?: boolean;
  /** The distribution (/etc/os-release): Ubuntu 24.04 (default) or Debian 12. */
  os?: 'ubuntu' | 'debian';
  /** Base packages the image lacks (e.g. curl on a minimal Debian). */
  missingPackages?: string[];
  hostname?: string;
  /** The default route's address; what kubeadm advertises when the config names none. */
  ip?: string;
  cpus?: number;
  memoryMB?: number;
  /** Running as root (kubeadm's IsPrivilegedUser check). Default true. */
  root?: boolean;
  /** Swap on. Default false. */
  swap?: boolean;
  /**
   * Where that swap comes from at boot: an /etc/fstab line (default, as on Ubuntu's
   * /swap.img), or a generator (a GPT swap partition, zram) that only masking stops.
   */
  swapFrom?: 'fstab' | 'generator';
  /** Tools not installed (conntrack, socat, ebtables, ethtool, crictl, containerd): they answer 127. */
  missingTools?: string[];
  /** containerd's version (default: the distribution's 1.7.28, or Docker's containerd.io 2.2.1 for kubelets from 1.36, which need 2.x); 2.x is Docker's containerd.io. */
  containerdVersion?: string;
  /** containerd's CRI plugin is on (default); off is Docker's containerd.io with its shipped config. */
  criPlugin?: boolean;
  /** runc's SystemdCgroup in containerd's config (default true, matching the kubelet). */
  systemdCgroup?: boolean;
  /** The cgroup hierarchy: 2 (default, current distributions) or 1 (hosts of the 1.1x era). */
  cgroupVersion?: 1 | 2;
  /** What /usr/sbin/iptables is: nft (default, current distributions) or legacy. */
  iptablesMode?: 'nft' | 'legacy';
  /**
   * The environment file with KUBELET_EXTRA_ARGS that the kubeadm package's kubelet drop-in
   * reads. Default: /etc/sysconfig/kubelet for v1.24 (pkgs.k8s.io Debian packages published
   * before 2023-09-18, kubernetes/release#3276), /etc/default/kubelet otherwise.
   */
  kubeletEnvFile?: string;
  /** Docker's socket is there too (a host that had Docker): kubeadm before 1.24 then cannot pick a runtime. */
  dockerSocket?: boolean;
  /** br_netfilter loaded (its sysctls exist, set to 1). Default false, as on a fresh Ubuntu. */
  brNetfilter?: boolean;
  /** net.ipv4.ip_forward = 1. Default false. */
  ipForward?: boolean;
  /** Ports something else listens on (kubeadm's Port-N checks). */
  portsInUse?: number[];
  /** containerd installed, running, its socket present. Default true. */
  containerd?: boolean;
  /** The kubelet unit is enabled. Default true (the packages enable it). */
  kubeletEnabled?: boolean;
  /** The kubelet is running (crash-looping until kubeadm configures it). Default true. */
  kubeletActive?: boolean;
  /** Extra /etc/passwd lines (root and vagrant are always there). */
  users?: string[];
  /** Extra network interfaces besides lo and eth0 (e.g. eth1 on Vagrant). */
  interfaces?: string[];
  /** Initial iptables (v4) rules and policies: table -> chain -> {policy, rules}. */
  iptables?: Record<string, Record<string, { policy?: string; rules?: string[] }>>;
}

export interface SimNodeOptions {
  /** Kubernetes version of kubeadm, kubelet and kubectl (default v1.24.17). */
  kubernetesVersion?: string;
  /** Per-binary versions, to test skew. */
  versions?: Partial<Versions>;
  host?: SimHostOptions;
  timing?: Partial<Timing>;
  faults?: Fault[];
  /** Use this directory as the root instead of a fresh temp dir. */
  root?: string;
  /** The test (`t`): the node is cleaned up when it ends, pass or fail. */
  teardown?: Teardown;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface SimNode {
  binDir: string;
  root: string;
  statePath: string;
  /** PATH (bin dir first), SIM_STATE, KUBESTRAP_ROOT, HOME: merge into a child's env. */
  env: Record<string, string>;
  /** The state as the fakes last wrote it, with `calls` filled from the call log. */
  state(): SimState;
  /** Changes the state under the lock: mutate it in place or return a new one. */
  setState(fn: (s: SimState) => SimState | undefined): void;
  faults: {
    add(f: Fault): void;
    list(): Fault[];
    clear(): void;
  };
  /** Every fake call so far: argv, exit code, start/end ms. */
  calls(): CallRecord[];
  /** Moves the node's clock forward: a pause of that long, without waiting for it. */
  advanceClock(ms: number): void;
  /**
   * What a reboot does to what kubestrap fixes on the host: swap comes back from every
   * swap unit that is not masked (for fstab units: while their line is in /etc/fstab).
   */
  reboot(): void;
  /** Runs one fake tool directly (for the sim's own tests). */
  exec(
    tool: string,
    args: string[],
    opts?: { input?: string; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<ExecResult>;
  /** An absolute path under the root. */
  at(p: string): string;
  /** Stops the fakes still running and removes the node (not a root given in the options). */
  cleanup(): void;
}

/** A real node's pace: pods take about 2 s to start, CoreDNS about 5 s more to turn Ready. */
export const DEFAULT_TIMING: Timing = {
  nodeReadyAfterCniMs: 150,
  podStartMs: 2000,
  podReadyMs: 5000,
  pollMs: 50,
  kubeadmInitMs: 0,
  apiServerRestartMs: 400,
};

/** For tests about something other than timing: the same order of events, a few hundred ms in all. */
export const FAST_TIMING: Partial<Timing> = { podStartMs: 150, podReadyMs: 100 };

function mac(i: number): string {
  return `08:00:27:${(0x10 + i).toString(16)}:c0:4d`;
}

function writeFile(root: string, p: string, text: string): void {
  const f = path.join(root, p);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
}

export async function createSimNode(opts: SimNodeOptions = {}): Promise<SimNode> {
  if (!fs.existsSync(SIM_MAIN)) throw new Error(`${SIM_MAIN} is missing: run \`npm run build:sim\` (npm test does it)`);
  const base = opts.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kubestrap-sim-'));
  // Removed with every fake still running when the node is cleaned up: by the test, or at
  // the latest when the test process exits (a test that threw never reached its cleanup).
  // Only a process that still runs one of this node's fakes: a fake that died without
  // logging its end left its pid behind, and pids are reused (pid_max is 32768 here),
  // so the pid alone may now be any other process, another test's kubestrap included.
  // (A fake that ended but is not yet reaped has an empty command line: gone too.)
  const runsAFake = (pid: number) => {
    try {
      return fs
        .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .some((arg) => arg.startsWith(binDir + path.sep));
    } catch {
      return false;
    }
  };
  const cleanup = onCleanup(() => {
    const stopped: number[] = [];
    for (const c of readCalls(statePath)) {
      if (c.end !== null || !c.pid || !runsAFake(c.pid)) continue;
      try {
        process.kill(c.pid, 'SIGTERM');
        stopped.push(c.pid);
      } catch {
        // Gone meanwhile.
      }
    }
    // A fake logs its end as it exits: removing the node before that, on a busy machine,
    // raced with its last write (ENOTEMPTY). Wait for them, a few seconds at most.
    const tick = new Int32Array(new SharedArrayBuffer(4));
    for (let waited = 0; waited < 5000 && stopped.some(runsAFake); waited += 20) Atomics.wait(tick, 0, 0, 20);
    if (!opts.root) fs.rmSync(base, { recursive: true, force: true, maxRetries: 3 });
  }, opts.teardown);
  const root = path.join(base, opts.root ? '' : 'root');
  const binDir = path.join(base, opts.root ? '.sim-bin' : 'bin');
  const statePath = path.join(base, opts.root ? '.sim-state.json' : 'state.json');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(binDir, { recursive: true });

  const v = opts.kubernetesVersion ?? 'v1.24.17';
  const versions: Versions = { kubeadm: v, kubelet: v, kubectl: v, ...opts.versions };
  const h = opts.host ?? {};
  const containerd = h.bare ? false : (h.containerd ?? true);
  const ifaces = ['eth0', ...(h.interfaces ?? [])];
  const v4: IptTables = emptyTables();
  for (const [table, chains] of Object.entries(h.iptables ?? {})) {
    v4[table] ??= {};
    for (const [chain, c] of Object.entries(chains)) {
      v4[table][chain] ??= { rules: [] };
      if (c.policy) v4[table][chain].policy = c.policy;
      if (c.rules) v4[table][chain].rules.push(...c.rules);
    }
  }
  const osName = h.os ?? 'ubuntu';
  const bareTools = [
    'kubeadm',
    'kubelet',
    'kubectl',
    'crictl',
    'conntrack',
    'socat',
    'ebtables',
    'ethtool',
    'containerd',
  ];
  const missingTools = [...new Set([...(h.bare ? bareTools : []), ...(h.missingTools ?? [])])];
  const minorOf = (x: string) => Number(/^v?1\.(\d+)/.exec(x)?.[1] ?? 0);
  // A prepared node has the containerd its kubelet speaks.
  const containerdVersion = h.containerdVersion ?? (minorOf(versions.kubelet) >= 36 ? '2.2.1' : '1.7.28');
  const packages: Record<string, string> = { ...BASE_PACKAGES[osName] };
  if (!h.bare) {
    Object.assign(packages, NODE_PACKAGES);
    packages['cri-tools'] = `1.${minorOf(versions.kubeadm)}.0-1.1`;
    for (const k of ['kubeadm', 'kubelet', 'kubectl'] as const) packages[k] = kubeDebVersion(versions[k]);
    if (containerd) {
      const cv = containerdVersion;
      if (cv.startsWith('2.')) packages['containerd.io'] = `${cv}-1~ubuntu.24.04~noble`;
      else packages.containerd = `${cv}-0ubuntu1~24.04.1`;
    }
  }
  for (const [pkg, tools] of Object.entries(PACKAGE_TOOLS))
    if (tools.some((t) => missingTools.includes(t))) delete packages[pkg];
  for (const p of h.missingPackages ?? []) delete packages[p];
  const host: HostState = {
    os: { id: OS_RELEASE[osName].id, versionId: OS_RELEASE[osName].versionId, codename: OS_RELEASE[osName].codename },
    arch: 'amd64',
    packages,
    held: h.bare ? [] : ['kubeadm', 'kubectl', 'kubelet'],
    aptLists: [],
    hostname: h.hostname ?? 'sim-node',
    ip: h.ip ?? '10.0.2.15',
    cpus: h.cpus ?? 2,
    memoryMB: h.memoryMB ?? 4096,
    root: h.root ?? true,
    swap: h.swap ?? false,
    swapUnits: !h.swap
      ? []
      : h.swapFrom === 'generator'
        ? [{ unit: 'dev-sda3.swap', what: '/dev/sda3', fromFstab: false }]
        : [{ unit: 'swap.img.swap', what: '/swap.img', fromFstab: true }],
    maskedUnits: [],
    missingTools,
    containerdRuntime: {
      version: containerdVersion,
      criPlugin: h.criPlugin ?? true,
      systemdCgroup: h.systemdCgroup ?? true,
    },
    cgroupVersion: h.cgroupVersion ?? 2,
    iptablesMode: h.iptablesMode ?? 'nft',
    kernel: '5.15.0-91-generic',
    modules: ['overlay', ...(h.brNetfilter ? ['br_netfilter'] : [])],
    services: {
      ...(h.bare ? {} : { containerd: { enabled: containerd, active: containerd } }),
      ...(h.bare ? {} : { kubelet: { enabled: h.kubeletEnabled ?? true, active: h.kubeletActive ?? true } }),
      ssh: { enabled: true, active: true },
      'systemd-resolved': { enabled: true, active: true },
    },
    listeners: [
      { addr: '127.0.0.53%lo', port: 53 },
      { addr: '0.0.0.0', port: 22 },
      { addr: '[::]', port: 22 },
      ...(h.portsInUse ?? []).map((port) => ({ addr: '0.0.0.0', port })),
    ],
    iptables: { v4, v6: emptyTables() },
    links: [
      { name: 'lo', kind: 'loopback', mtu: 65536, mac: '00:00:00:00:00:00' },
      ...ifaces.map((name, i) => ({ name, kind: 'ether' as const, mtu: 1500, mac: mac(i) })),
    ],
  };
  const state: SimState = {
    schema: 1,
    versions,
    host,
    timing: { ...DEFAULT_TIMING, ...opts.timing },
    faults: opts.faults ?? [],
    cluster: null,
    extraTokens: [],
  };
  writeAtomic(statePath, JSON.stringify(state));
  fs.writeFileSync(`${statePath}.calls.jsonl`, '');

  // The host's files.
  writeFile(root, '/proc/sys/net/ipv4/ip_forward', h.ipForward ? '1\n' : '0\n');
  writeFile(root, '/proc/sys/net/ipv6/conf/all/forwarding', '0\n');
  if (h.brNetfilter)
    for (const f of ['bridge-nf-call-iptables', 'bridge-nf-call-ip6tables', 'bridge-nf-call-arptables'])
      writeFile(root, `/proc/sys/net/bridge/${f}`, '1\n');
  writeFile(
    root,
    '/proc/swaps',
    `Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n${host.swap ? '/swap.img                               file\t\t2097148\t\t0\t\t-2\n' : ''}`,
  );
  writeFile(root, '/proc/modules', host.modules.map((m) => `${m} 32768 0 - Live 0x0000000000000000\n`).join(''));
  writeFile(
    root,
    '/etc/passwd',
    `${['root:x:0:0:root:/root:/bin/bash', 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin', 'vagrant:x:1000:1000:,,,:/home/vagrant:/bin/bash', ...(h.users ?? [])].join('\n')}\n`,
  );
  writeFile(root, '/etc/group', 'root:x:0:\nsudo:x:27:vagrant\nvagrant:x:1000:\n');
  writeFile(root, '/etc/hosts', `127.0.0.1 localhost\n127.0.1.1 ${host.hostname}\n`);
  writeFile(root, '/etc/hostname', `${host.hostname}\n`);
  writeFile(root, '/etc/os-release', OS_RELEASE[osName].text);
  writeFile(
    root,
    '/etc/fstab',
    `# /etc/fstab: static file system information.\nUUID=0a1b / ext4 defaults 0 1\n${h.swap && h.swapFrom !== 'generator' ? '/swap.img\tnone\tswap\tsw\t0\t0\n' : ''}`,
  );
  fs.mkdirSync(path.join(root, 'root'), { recursive: true });
  fs.mkdirSync(path.join(root, 'home/vagrant'), { recursive: true });
  if (containerd) {
    writeFile(root, '/run/containerd/containerd.sock', '');
    // Docker's containerd.io ships this config; the distribution's package and the lab write a full one.
    writeFile(
      root,
      '/etc/containerd/config.toml',
      h.criPlugin === false
        ? 'disabled_plugins = ["cri"]\n'
        : `version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = ${h.systemdCgroup ?? true}\n`,
    );
  }
  const kubeletMinor = Number(/^v?1\.(\d+)/.exec(versions.kubelet)?.[1] ?? 0);
  if (!h.bare)
    writeFile(
      root,
      '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf',
      `# Note: This dropin only works with kubeadm and kubelet v1.11+\n[Service]\nEnvironment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"\nEnvironment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-${h.kubeletEnvFile ?? (kubeletMinor === 24 ? '/etc/sysconfig/kubelet' : '/etc/default/kubelet')}\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n`,
    );
  if (h.dockerSocket) writeFile(root, '/run/docker.sock', '');
  // The unified hierarchy has cgroup.controllers at its root; cgroup v1 mounts a tmpfs of controllers there.
  if ((h.cgroupVersion ?? 2) === 2)
    writeFile(root, '/sys/fs/cgroup/cgroup.controllers', 'cpuset cpu io memory hugetlb pids rdma misc\n');
  else writeFile(root, '/sys/fs/cgroup/memory/memory.limit_in_bytes', '9223372036854771712\n');
  if (!fs.existsSync(path.join(root, 'var/run'))) {
    fs.mkdirSync(path.join(root, 'var'), { recursive: true });
    fs.mkdirSync(path.join(root, 'run'), { recursive: true });
    fs.symlinkSync('../run', path.join(root, 'var/run'));
  }

  // The bin dir has no package.json above it, so these scripts are CommonJS. With the
  // bundle, V8's code cache (written by the first process that runs without one) saves
  // most of the compile time; the shebang names this Node so no `env` lookup is needed.
  const script =
    fs.existsSync(SIM_BUNDLE) && !process.env.SIM_NO_BUNDLE
      ? `#!${process.execPath}
const fs = require('fs'), vm = require('vm'), Module = require('module');
const file = ${JSON.stringify(SIM_BUNDLE)}, cacheFile = file + '.v8cache';
let cachedData;
try { cachedData = fs.readFileSync(cacheFile); } catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
const m = { exports: {} };
script.runInThisContext()(m.exports, require, m, file, ${JSON.stringify(path.dirname(SIM_BUNDLE))});
if (!cachedData || script.cachedDataRejected) process.on('exit', () => {
  try { const t = cacheFile + '.' + process.pid; fs.writeFileSync(t, script.createCachedData()); fs.renameSync(t, cacheFile); } catch {}
});
m.exports.main();
`
      : `#!${process.execPath}\nimport(${JSON.stringify(`file://${SIM_MAIN}`)}).then((m) => m.main());\n`;
  for (const tool of SIM_TOOL_NAMES) {
    const f = path.join(binDir, tool);
    fs.writeFileSync(f, script);
    fs.chmodSync(f, 0o755);
  }

  const env: Record<string, string> = {
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`,
    SIM_STATE: statePath,
    KUBESTRAP_ROOT: root,
  };

  const read = (): SimState => JSON.parse(fs.readFileSync(statePath, 'utf8')) as SimState;
  const setState = (fn: (s: SimState) => SimState | undefined) => {
    const release = lock(statePath);
    try {
      const s = read();
      const next = fn(s) ?? s;
      writeAtomic(statePath, JSON.stringify(next));
    } finally {
      release();
    }
  };

  return {
    binDir,
    root,
    statePath,
    env,
    state: () => ({ ...read(), calls: readCalls(statePath) }),
    setState,
    faults: {
      add: (f) => setState((s) => void s.faults.push(f)),
      list: () => read().faults,
      clear: () => setState((s) => void (s.faults = [])),
    },
    calls: () => readCalls(statePath),
    advanceClock: (ms) => setState((s) => void (s.clockOffsetMs = (s.clockOffsetMs ?? 0) + ms)),
    reboot: () =>
      setState((s) => {
        let fstab = '';
        try {
          fstab = fs.readFileSync(path.join(root, 'etc/fstab'), 'utf8');
        } catch {
          /* no fstab: no fstab swap */
        }
        const inFstab = (what: string) =>
          fstab.split('\n').some((l) => {
            const f = l.trim().split(/\s+/);
            return !l.trim().startsWith('#') && f[0] === what && f[2] === 'swap';
          });
        const masked = new Set(s.host.maskedUnits ?? []);
        s.host.swap = (s.host.swapUnits ?? []).some((u) => !masked.has(u.unit) && (!u.fromFstab || inFstab(u.what)));
        fs.writeFileSync(
          path.join(root, 'proc/swaps'),
          `Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n${s.host.swap ? '/swap.img                               file\t\t2097148\t\t0\t\t-2\n' : ''}`,
        );
      }),
    at: (p) => path.join(root, p),
    exec: (tool, args, o = {}) =>
      new Promise<ExecResult>((resolve, reject) => {
        const started = performance.now();
        const child = spawn(path.join(binDir, tool), args, {
          env: { ...process.env, ...env },
          signal: o.signal,
          timeout: o.timeoutMs,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', (e) => {
          if ((e as NodeJS.ErrnoException).name === 'AbortError') return;
          reject(e);
        });
        child.on('close', (code, sig) =>
          resolve({
            exitCode: code ?? (sig ? 128 + (os.constants.signals[sig] ?? 0) : -1),
            stdout,
            stderr,
            ms: performance.now() - started,
          }),
        );
        child.stdin.end(o.input ?? '');
      }),
    cleanup,
  };
}
