/**
 * Tools that come with packages a Kubernetes node needs and that kubeadm's preflight
 * looks for (conntrack, socat, ebtables, ethtool, crictl from cri-tools), containerd
 * itself, and update-alternatives. A tool the host lacks (`host.missingTools`)
 * answers as a shell does for a missing command (exit 127), so a real binary on the
 * test machine never answers for the node.
 *
 * crictl talks to the simulated containerd: `info` reports the CRI plugin's status
 * and config (SystemdCgroup), or the error crictl prints when the plugin is off (Docker's
 * containerd.io ships with disabled_plugins = ["cri"]) or when the kubelet era's CRI
 * version and containerd's do not meet.
 */
import fs from 'node:fs';
import type { Sim } from '../state.js';
import type { SimState } from '../types.js';
import { writeHostFile } from '../cluster.js';

export async function run(sim: Sim): Promise<number> {
  const s = sim.peek();
  if ((s.host.missingTools ?? []).includes(sim.tool)) {
    sim.io.err(`${sim.tool}: command not found\n`);
    return 127;
  }
  const a = sim.argv;
  const version = a.length === 1 && ['--version', '-V', 'version', '-v'].includes(a[0]);
  switch (sim.tool) {
    case 'conntrack':
      if (version) return say(sim, 'conntrack v1.4.7 (conntrack-tools)\n');
      break;
    case 'socat':
      if (version)
        return say(
          sim,
          'socat by Gerhard Rieger and contributors - see www.dest-unreach.org\nsocat version 1.7.4.4 on 06 Nov 2022 08:15:53\n',
        );
      break;
    case 'ebtables':
      if (version) return say(sim, `ebtables 1.8.9 (${s.host.iptablesMode === 'legacy' ? 'legacy' : 'nf_tables'})\n`);
      break;
    case 'ethtool':
      if (version) return say(sim, 'ethtool version 6.1\n');
      break;
    case 'containerd':
      if (version) return say(sim, `${containerdVersionLine(s)}\n`);
      break;
    case 'crictl':
      return crictl(sim, s);
    case 'update-alternatives':
      return alternatives(sim);
  }
  sim.io.err(`${sim.tool}: the simulated node does not model: ${a.join(' ')}\n`);
  return 1;
}

function say(sim: Sim, text: string): number {
  sim.io.out(text);
  return 0;
}

function containerd(s: SimState) {
  return s.host.containerdRuntime ?? { version: '1.7.28', criPlugin: true, systemdCgroup: true };
}

/** The distribution's package prints its module path, Docker's containerd.io its package name. */
function containerdVersionLine(s: SimState): string {
  const v = containerd(s).version;
  return v.startsWith('2.')
    ? `containerd containerd.io ${v} 05044ec0a9a75232cad458027ca83437aae3f4da`
    : `containerd github.com/containerd/containerd v${v} 1.7.28-0ubuntu1~24.04.1`;
}

function fatal(sim: Sim, msg: string): number {
  sim.io.err(`time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=fatal msg=${JSON.stringify(msg)}\n`);
  return 1;
}

function crictl(sim: Sim, s: SimState): number {
  const a = sim.argv;
  if (a.length === 1 && (a[0] === '--version' || a[0] === '-v')) return say(sim, 'crictl version v1.31.1\n');
  let endpoint = 'unix:///run/containerd/containerd.sock';
  const rest: string[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--runtime-endpoint' || a[i] === '-r') endpoint = a[++i] ?? '';
    else if (a[i].startsWith('--runtime-endpoint=')) endpoint = a[i].slice('--runtime-endpoint='.length);
    else rest.push(a[i]);
  }
  if (rest.join(' ') !== 'info') {
    sim.io.err(`crictl: the simulated node models only \`crictl [--runtime-endpoint E] info\` (got: ${a.join(' ')})\n`);
    return 1;
  }
  const sock = endpoint.replace(/^unix:\/\//, '');
  const c = containerd(s);
  if (!s.host.services.containerd?.active || !fs.existsSync(sim.at(sock)))
    return fatal(
      sim,
      `validate service connection: validate CRI v1 runtime API for endpoint "${endpoint}": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix ${sock}: connect: no such file or directory"`,
    );
  if (!c.criPlugin || !/^(1\.[6-9]|[2-9])/.test(c.version))
    return fatal(
      sim,
      `validate service connection: validate CRI v1 runtime API for endpoint "${endpoint}": rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService`,
    );
  const cni = s.cluster?.hostEffects.cni ?? false;
  const info = {
    status: {
      conditions: [
        { type: 'RuntimeReady', status: true, reason: '', message: '' },
        cni
          ? { type: 'NetworkReady', status: true, reason: '', message: '' }
          : {
              type: 'NetworkReady',
              status: false,
              reason: 'NetworkPluginNotReady',
              message: 'Network plugin returns error: cni plugin not initialized',
            },
      ],
    },
    config: {
      containerd: {
        snapshotter: 'overlayfs',
        defaultRuntimeName: 'runc',
        runtimes: {
          runc: {
            runtimeType: 'io.containerd.runc.v2',
            options: { BinaryName: '', SystemdCgroup: c.systemdCgroup },
          },
        },
      },
      cni: { binDir: '/opt/cni/bin', confDir: '/etc/cni/net.d' },
      sandboxImage: c.sandboxImage ?? 'registry.k8s.io/pause:3.8',
    },
    golang: 'go1.22.12',
  };
  return say(sim, `${JSON.stringify(info, null, 2)}\n`);
}

/** `update-alternatives --set iptables /usr/sbin/iptables-legacy` (and ip6tables, arptables, ebtables). */
async function alternatives(sim: Sim): Promise<number> {
  const [flag, name, target] = sim.argv;
  if (flag !== '--set' || !name || !target) {
    sim.io.err(`update-alternatives: the simulated node models only --set NAME PATH (got: ${sim.argv.join(' ')})\n`);
    return 1;
  }
  const mode = target.endsWith('-legacy') ? 'legacy' : target.endsWith('-nft') ? 'nft' : undefined;
  if (!mode || !['iptables', 'ip6tables', 'arptables', 'ebtables'].includes(name)) {
    sim.io.err(`update-alternatives: error: alternative ${target} for ${name} not registered; not setting\n`);
    return 2;
  }
  return sim.update((s) => {
    if (name === 'iptables') s.host.iptablesMode = mode;
    sim.io.out(`update-alternatives: using ${target} to provide /usr/sbin/${name} (${name}) in manual mode\n`);
    writeHostFile(sim, `/etc/alternatives/${name}`, target);
    return 0;
  });
}
