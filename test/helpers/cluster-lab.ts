/**
 * A cluster of simulated nodes reached over real SSH: each host of an ssh-lab is a
 * simulated node (its own root, the first node's shared cluster state), and kubestrap
 * runs in the lab's client namespace with an inventory of those hosts, as `kubestrap up
 * -i` runs on an admin's machine. The orchestrator's own files (its log) go to a scratch
 * root of their own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { createSimNode, FAST_TIMING, type SimNode } from '../sim/install.js';
import { CLI } from './cli.js';
import { scratchDir, type Teardown } from './scratch.js';
import { createSshLab, SUBNET, type SshLab } from './ssh-lab.js';

export interface ClusterHost {
  name: string;
  role: 'control-plane' | 'worker';
}

export interface ClusterLab {
  lab: SshLab;
  nodes: Map<string, SimNode>;
  /** The simulated node holding the cluster's state (the first host's). */
  first: SimNode;
  dir: string;
  inventory: string;
  /** Runs `kubestrap ARGS` in the client namespace, in the lab's directory. */
  kubestrap(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

export async function createClusterLab(
  t: Teardown,
  hosts: ClusterHost[],
  opts: { version: string; config: string; inventoryExtra?: (h: ClusterHost, i: number) => Record<string, unknown> },
): Promise<ClusterLab> {
  const nodes = new Map<string, SimNode>();
  for (const [i, h] of hosts.entries())
    nodes.set(
      h.name,
      await createSimNode({
        kubernetesVersion: opts.version,
        timing: FAST_TIMING,
        teardown: t,
        host: { hostname: h.name, ip: `${SUBNET}.${11 + i}`, brNetfilter: true, ipForward: true },
      }),
    );
  const first = nodes.get(hosts[0].name)!;
  const lab = await createSshLab(
    t,
    hosts.map((h) => {
      const node = nodes.get(h.name)!;
      return { name: h.name, env: { ...node.env, SIM_STATE: first.statePath } };
    }),
  );
  const dir = scratchDir('ks-cluster', t);
  const localRoot = path.join(dir, 'local-root');
  mkdirSync(localRoot);
  writeFileSync(path.join(dir, 'cluster.yaml'), opts.config);
  const inventory = path.join(dir, 'inventory.yaml');
  writeFileSync(
    inventory,
    stringify({
      apiVersion: 'kubestrap.io/v1alpha1',
      kind: 'Inventory',
      ssh: { user: 'root', identityFile: lab.identityFile, options: lab.sshOptions },
      hosts: hosts.map((h, i) => ({
        name: h.name,
        address: lab.host(h.name).address,
        role: h.role,
        ...opts.inventoryExtra?.(h, i),
      })),
    }),
  );
  return {
    lab,
    nodes,
    first,
    dir,
    inventory,
    async kubestrap(args) {
      const r = await execa('ip', ['netns', 'exec', lab.clientNs, 'node', CLI, ...args], {
        cwd: dir,
        env: { KUBESTRAP_ROOT: localRoot, SUDO_USER: '', KUBECONFIG: '', HOME: dir },
        input: '',
        reject: false,
        timeout: 600_000,
      });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
  };
}
