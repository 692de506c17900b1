/**
 * One cluster from an inventory: the config each host gets, the steps each host runs in
 * which phase, and the contexts they run with. Shared by `up -i`, `plan -i`,
 * `verify -i` and `reset -i`.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import type { ClusterConfig } from '../config/load.js';
import type { Inventory, InventoryHost } from '../config/inventory.js';
import { createContext, type Context, type InvokingUser } from '../session/context.js';
import { UserError } from '../errors.js';
import type { Log } from '../exec/runner.js';
import { DryRunRunner, type Runner } from '../exec/runner.js';
import { RemoteHost } from '../host/access.js';
import type { HostPaths } from '../host/paths.js';
import type { Io } from '../io.js';
import { render } from '../render/index.js';
import { controlPlaneTaint } from '../steps/control-plane-taint.js';
import { UP_STEPS } from '../steps/index.js';
import { kubeconfig } from '../steps/kubeconfig.js';
import type { Step } from '../workflow/step.js';
import { joinPreflight, kubeadmJoin, type JoinCredentials } from './join-steps.js';

/** The address a host's kubelet registers and its API server advertises: nodeIP, else an address that is an IP. */
export function nodeIpOf(h: InventoryHost): string | undefined {
  if (h.nodeIP) return h.nodeIP;
  return isIP(h.address) ? h.address : undefined;
}

/** Several control planes need one address in front of them, which the inventory cannot guess. */
export function checkClusterFits(config: ClusterConfig, inventory: Inventory): void {
  if (inventory.controlPlanes.length > 1 && config.controlPlane.endpoint === '')
    throw new UserError(
      `${inventory.source} has ${inventory.controlPlanes.length} control planes (${inventory.controlPlanes.map((h) => h.name).join(', ')}): set controlPlane.endpoint to the DNS name or load balancer address in front of them (kubeadm's controlPlaneEndpoint)`,
      config.source ? { file: config.source } : undefined,
      'controlPlane.endpoint',
    );
}

/** The cluster config as one host sees it: its node name and address. */
export function configFor(config: ClusterConfig, h: InventoryHost): ClusterConfig {
  return {
    ...config,
    controlPlane: { ...config.controlPlane, nodeName: h.name, advertiseAddress: nodeIpOf(h) ?? '' },
  };
}

/** Steps every host runs first, in parallel: those of `up` before kubeadm init (install, preflight). */
export function prepSteps(role: 'first' | 'control-plane' | 'worker'): Step[] {
  const before = UP_STEPS.slice(
    0,
    UP_STEPS.findIndex((s) => s.id === 'kubeadm-init'),
  );
  // A worker has no API server: its preflight is the join's, not kubeadm init's.
  return role === 'worker' ? [...before.filter((s) => s.id !== 'preflight'), joinPreflight] : before;
}

/** What the first control plane runs after the preparation: `up` from kubeadm init up to (not including) verify. */
export function initSteps(): Step[] {
  return UP_STEPS.slice(UP_STEPS.findIndex((s) => s.id === 'kubeadm-init')).filter((s) => s.id !== 'verify');
}

export const VERIFY_STEP = UP_STEPS.find((s) => s.id === 'verify')!;

/** What a host that joins runs after the preparation. */
export function joinSteps(h: InventoryHost, credentials: () => Promise<JoinCredentials>): Step[] {
  const join = kubeadmJoin({ role: h.role, nodeName: h.name, nodeIp: nodeIpOf(h), credentials });
  // A control plane gets the admin kubeconfig too, and loses the taint when workloads may run there.
  return h.role === 'control-plane' ? [join, kubeconfig, controlPlaneTaint] : [join];
}

export function roleOf(inventory: Inventory, h: InventoryHost): 'first' | 'control-plane' | 'worker' {
  if (h === inventory.controlPlanes[0]) return 'first';
  return h.role;
}

/** Every line a host's steps print, prefixed with the host's name: hosts work at the same time. */
export function hostIo(io: Io, name: string): Io {
  const prefix = (text: string) =>
    text
      .split('\n')
      .map((l) => `[${name}] ${l}`)
      .join('\n');
  return { out: (l) => io.out(l), err: (l) => io.err(prefix(l)), tty: false };
}

export interface HostContextInputs {
  config: ClusterConfig;
  host: InventoryHost;
  runner: Runner;
  paths: HostPaths;
  user: InvokingUser;
  log: Log;
  io: Io;
  dryRun: boolean;
  yes: boolean;
  signal: AbortSignal;
}

/** The context the steps of one host run with: its config, its runner, its files through that runner. */
export function hostContext(i: HostContextInputs): Context {
  const config = configFor(i.config, i.host);
  const runner = i.dryRun ? new DryRunRunner(i.runner) : i.runner;
  return createContext({
    config,
    rendered: render(config),
    runner,
    log: i.log,
    io: hostIo(i.io, i.host.name),
    paths: i.paths,
    dryRun: i.dryRun,
    yes: i.yes,
    interactive: false,
    signal: i.signal,
    user: i.user,
    host: new RemoteHost(runner, i.paths, i.host.name, 0, i.signal),
  });
}

/** The rendered files a control plane's steps read (kubeadm config, manifests, host files), put on that host. */
export async function writeRenderTo(ctx: Context): Promise<void> {
  for (const a of ctx.rendered.artifacts)
    await ctx.host.write(path.posix.join(ctx.paths.renderDir, a.path), a.text, { mode: 0o600, dirMode: 0o700 });
}
