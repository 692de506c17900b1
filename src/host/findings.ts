/**
 * Preflight findings about the host itself, shared by `up` and `join`: the tools
 * kubeadm's preflight wants for the minor, a container runtime whose CRI plugin
 * answers with the kubelet's cgroup driver, and the combinations of an old minor
 * and a modern host that fail later and less clearly (cgroup v2, nf_tables
 * iptables, containerd 2).
 */
import type { Runner } from '../exec/runner.js';
import type { HostAccess } from './access.js';
import type { HostPaths } from './paths.js';
import { containerdRange, hostTools } from './requirements.js';
import { askCri, containerdVersion, notInstalled, systemdCgroupInConfig } from './runtime.js';
import { describeSwap, swapFixes, swapSettled, type SwapState } from './swap.js';

/** One thing preflight checked on the host: kubestrap up's, and a worker's before it joins. */
export interface Finding {
  name: string;
  ok: boolean;
  message: string;
  /** Commands that fix it (run with --yes or after a yes on the terminal). */
  fix?: { argv: string[]; input?: string }[];
  /** Worth knowing, but kubeadm goes ahead (its own preflight warns too). */
  warning?: boolean;
}

const PERSIST_MODULES = '/etc/modules-load.d/kubestrap.conf';
const PERSIST_SYSCTL = '/etc/sysctl.d/99-kubestrap.conf';

async function sysctlValue(runner: Runner, key: string): Promise<string | undefined> {
  const r = await runner.run('sysctl', ['-n', key], { allowFailure: true });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** Bridged traffic through iptables and IPv4 forwarding, with the fixes that set and persist them. */
export async function kernelFindings(runner: Runner, paths: HostPaths): Promise<Finding[]> {
  const out: Finding[] = [];
  const bridge = await sysctlValue(runner, 'net.bridge.bridge-nf-call-iptables');
  out.push({
    name: 'br_netfilter',
    ok: bridge === '1',
    message:
      bridge === undefined
        ? 'the br_netfilter module is not loaded: bridged pod traffic would bypass iptables (Services break)'
        : bridge === '1'
          ? 'bridged traffic passes iptables'
          : 'net.bridge.bridge-nf-call-iptables is 0: bridged pod traffic would bypass iptables (Services break)',
    fix: [
      ...(bridge === undefined
        ? [
            { argv: ['modprobe', 'br_netfilter'] },
            { argv: ['tee', paths.at(PERSIST_MODULES)], input: 'overlay\nbr_netfilter\n' },
          ]
        : []),
      { argv: ['sysctl', '-w', 'net.bridge.bridge-nf-call-iptables=1'] },
    ],
  });

  const forward = await sysctlValue(runner, 'net.ipv4.ip_forward');
  out.push({
    name: 'ip_forward',
    ok: forward === '1',
    message:
      forward === '1'
        ? 'IPv4 forwarding is on'
        : 'net.ipv4.ip_forward is not 1: pods could not reach anything beyond the node',
    fix: [{ argv: ['sysctl', '-w', 'net.ipv4.ip_forward=1'] }],
  });
  if (bridge !== '1' || forward !== '1') {
    // Persist both settings so a reboot does not undo the fix.
    const persist = {
      argv: ['tee', paths.at(PERSIST_SYSCTL)],
      input: 'net.bridge.bridge-nf-call-iptables = 1\nnet.ipv4.ip_forward = 1\n',
    };
    for (const f of out) if ((f.name === 'br_netfilter' || f.name === 'ip_forward') && !f.ok) f.fix!.push(persist);
  }
  return out;
}

const install = (p: { deb: string; rpm: string }) => `apt-get install ${p.deb} (or dnf install ${p.rpm})`;

export async function toolFindings(runner: Runner, minor: number): Promise<Finding[]> {
  const missing: { level: 'required' | 'recommended'; text: string }[] = [];
  for (const t of hostTools(minor)) {
    const r = await runner.run(t.probe[0], t.probe.slice(1), { allowFailure: true });
    if (notInstalled(r)) missing.push({ level: t.level, text: `${t.name}: ${t.why}; ${install(t.packages)}` });
  }
  const required = missing.filter((m) => m.level === 'required');
  const recommended = missing.filter((m) => m.level === 'recommended');
  const out: Finding[] = [
    {
      name: 'host-tools',
      ok: required.length === 0,
      message: required.length
        ? `missing for Kubernetes v1.${minor}:\n${required.map((m) => `        ${m.text}`).join('\n')}`
        : `the tools Kubernetes v1.${minor} needs are installed`,
    },
  ];
  if (recommended.length)
    out.push({
      name: 'host-tools-recommended',
      ok: false,
      warning: true,
      message: `not installed:\n${recommended.map((m) => `        ${m.text}`).join('\n')}`,
    });
  return out;
}

/** The runtime answers on its socket through CRI, with runc on the systemd cgroup driver (the kubelet's). */
export async function runtimeFindings(runner: Runner, host: HostAccess, socketUri: string): Promise<Finding[]> {
  const socket = socketUri.replace(/^unix:\/\//, '');
  if (!(await host.exists(host.paths.at(socket))))
    return [
      {
        name: 'container-runtime',
        ok: false,
        message: `no container runtime socket at ${socket}: install containerd, set SystemdCgroup = true, and start it`,
      },
    ];
  const cri = await askCri(runner, socketUri);
  const restart = 'then systemctl restart containerd';
  if (cri.kind === 'no-crictl')
    return [
      {
        name: 'container-runtime',
        ok: false,
        message: `cannot ask containerd's CRI plugin at ${socket} without crictl (see host-tools)`,
      },
    ];
  if (cri.kind === 'no-cri-v1')
    return [
      {
        name: 'container-runtime',
        ok: false,
        message:
          `containerd answers at ${socket} but not its CRI plugin (${cri.detail}). Docker's containerd.io ships ` +
          `${'/etc/containerd/config.toml'} with disabled_plugins = ["cri"]: write a full config with ` +
          `\`containerd config default > /etc/containerd/config.toml\`, set SystemdCgroup = true in runc's options, ${restart}. ` +
          'containerd before 1.6 has no CRI v1 at all: upgrade it',
      },
    ];
  if (cri.kind === 'unreachable')
    return [
      { name: 'container-runtime', ok: false, message: `containerd's CRI plugin does not answer: ${cri.detail}` },
    ];
  const out: Finding[] = [
    {
      name: 'container-runtime',
      ok: cri.runtimeReady,
      message: cri.runtimeReady
        ? `containerd's CRI plugin answers at ${socket}`
        : `containerd's CRI plugin answers at ${socket} but reports RuntimeReady false: see \`crictl info\` and \`journalctl -u containerd\``,
    },
  ];
  const systemd = cri.systemdCgroup ?? (await systemdCgroupInConfig(host));
  out.push(
    systemd === true
      ? { name: 'cgroup-driver', ok: true, message: 'containerd and the kubelet both use the systemd cgroup driver' }
      : systemd === false
        ? {
            name: 'cgroup-driver',
            ok: false,
            message:
              'containerd runs containers with the cgroupfs driver but the kubelet is configured with systemd (pods restart at random): ' +
              `set SystemdCgroup = true in runc's options in /etc/containerd/config.toml, ${restart}`,
          }
        : {
            name: 'cgroup-driver',
            ok: false,
            warning: true,
            message:
              "could not tell containerd's cgroup driver (neither crictl info nor /etc/containerd/config.toml says): the kubelet uses systemd, so set SystemdCgroup = true in runc's options",
          },
  );
  return out;
}

const fmt = (v: number[]) => v.join('.');
const below = (v: number[], [major, minor]: [number, number]) => v[0] < major || (v[0] === major && v[1] < minor);

/** An old minor on a host of a later generation: what fails, and exactly what to do. */
export async function generationFindings(runner: Runner, host: HostAccess, minor: number): Promise<Finding[]> {
  const out: Finding[] = [];
  // The unified (v2) hierarchy has cgroup.controllers at its root.
  if (minor < 25 && (await host.exists(host.paths.at('/sys/fs/cgroup/cgroup.controllers')))) {
    const fix =
      'boot the host with cgroup v1 (add systemd.unified_cgroup_hierarchy=0 to GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot), or use a host of that era (Ubuntu 20.04, Debian 10)';
    out.push(
      minor < 19
        ? {
            name: 'cgroup-v2',
            ok: false,
            message: `this host runs cgroup v2, which kubelet v1.${minor} does not support (from 1.19; GA in 1.25, KEP-2254): the kubelet would never become healthy. ${fix}`,
          }
        : {
            name: 'cgroup-v2',
            ok: false,
            warning: true,
            message: `this host runs cgroup v2, which kubelet v1.${minor} supports only before it was GA (1.25): prefer Kubernetes 1.25+ here, or ${fix}`,
          },
    );
  }
  if (minor < 17) {
    const v = await runner.run('iptables', ['--version'], { allowFailure: true });
    if (/nf_tables/.test(v.stdout)) {
      out.push({
        name: 'iptables-backend',
        ok: false,
        message:
          `iptables here is the nf_tables backend (${v.stdout.trim()}), but kube-proxy v1.${minor}'s image writes iptables-legacy rules ` +
          "(it detects the backend from 1.17, kubernetes PR #82966): Services, the API server's included, would not work. Switch the host to legacy",
        fix: [
          { argv: ['update-alternatives', '--set', 'iptables', '/usr/sbin/iptables-legacy'] },
          { argv: ['update-alternatives', '--set', 'ip6tables', '/usr/sbin/ip6tables-legacy'] },
        ],
      });
    }
  }
  const range = containerdRange(minor);
  const version = await containerdVersion(runner);
  if (version && (below(version, range.min) || (range.below && !below(version, range.below)))) {
    out.push({
      name: 'containerd-version',
      ok: false,
      message: range.below
        ? `containerd ${fmt(version)} serves only CRI v1, and kubelet v1.${minor} speaks only v1alpha2 (CRI v1 from 1.23): install containerd 1.6 or 1.7 (your distribution's containerd package, not Docker's containerd.io 2.x)`
        : `containerd ${fmt(version)} is too old for kubelet v1.${minor}, which speaks only CRI v1 (from 1.26, kubernetes PR #110618): install containerd ${fmt(range.min)} or newer`,
    });
  }
  return out;
}

/** Swap off now and after a reboot (fstab commented out, swap units masked). */
export function swapFinding(state: SwapState, paths: HostPaths): Finding {
  const ok = swapSettled(state);
  return { name: 'swap', ok, message: describeSwap(state), ...(ok ? {} : { fix: swapFixes(state, paths) }) };
}

export function describeMisses(findings: Finding[]): string {
  return findings
    .filter((f) => !f.ok)
    .map(
      (f) =>
        `  ${f.warning ? '!' : '✗'} ${f.name}: ${f.message}${f.fix ? `\n      fix: ${f.fix.map((x) => x.argv.join(' ')).join(' && ')}` : ''}`,
    )
    .join('\n');
}

/** Findings that stop preflight: not ok, and not a mere warning. */
export function blocking(findings: Finding[]): Finding[] {
  return findings.filter((f) => !f.ok && !f.warning);
}
