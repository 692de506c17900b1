/**
 * `kubestrap plan -i`: every host's steps in the order `up -i` runs them, each with the
 * exact commands it would run. The commands of most steps do not depend on the host;
 * the install step's do (what is installed already), so with `host.install` on, every
 * host is logged in to and looked at through read-only probes (a dry-run runner: nothing
 * can change). With it off, no host is contacted.
 */
import type { Inventory, InventoryHost } from '../config/inventory.js';
import type { ConnectedHost } from './hosts.js';
import type { ClusterConfig } from '../config/load.js';
import { NO_LOG } from '../exec/runner.js';
import type { Runner } from '../exec/runner.js';
import { hostPaths } from '../host/paths.js';
import type { Io } from '../io.js';
import { selectSteps } from '../workflow/engine.js';
import { joinCredentialCommands } from './up.js';
import { hostContext, initSteps, joinSteps, prepSteps, roleOf, VERIFY_STEP } from './cluster.js';

export interface PlannedStep {
  name: string;
  host: string;
  title: string;
  commands: string[][];
}

/** A plan runs nothing: a command reaching this is a bug. */
const NO_COMMANDS: Runner = {
  run: async (file, args) => {
    throw new Error(`bug: plan -i tried to run ${[file, ...args].join(' ')}`);
  },
};

export async function planInventory(
  config: ClusterConfig,
  inventory: Inventory,
  io: Io,
  signal: AbortSignal,
  connected: Map<InventoryHost, ConnectedHost> = new Map(),
): Promise<PlannedStep[]> {
  const contexts = new Map(
    inventory.hosts.map((h) => [
      h,
      hostContext({
        config,
        host: h,
        runner: connected.get(h)?.runner ?? NO_COMMANDS,
        paths: connected.get(h)?.paths ?? hostPaths('/'),
        user: connected.get(h)?.user ?? { name: 'root', uid: 0, gid: 0, home: '/root' },
        log: NO_LOG,
        io,
        dryRun: true,
        yes: false,
        signal,
      }),
    ]),
  );
  const noCredentials = () => Promise.reject(new Error('bug: a plan asks for no join token'));
  const phases = [
    ...inventory.hosts.map((h) => ({ h, steps: prepSteps(roleOf(inventory, h)) })),
    { h: inventory.controlPlanes[0], steps: initSteps() },
    ...inventory.controlPlanes.slice(1).map((h) => ({ h, steps: joinSteps(h, noCredentials) })),
    ...inventory.workers.map((h) => ({ h, steps: joinSteps(h, noCredentials) })),
    { h: inventory.controlPlanes[0], steps: [VERIFY_STEP] },
  ];
  const planned: PlannedStep[][] = [];
  for (const { h, steps } of phases) {
    const ctx = contexts.get(h)!;
    const out: PlannedStep[] = [];
    for (const step of selectSteps(ctx, steps, {}))
      out.push({ name: step.id, host: h.name, title: step.title, commands: await step.plan(ctx) });
    planned.push(out);
  }
  const first = inventory.controlPlanes[0];
  const joining = inventory.hosts.length > 1;
  // Not a step of its own (nothing to record: the token and key are made fresh whenever a host still joins).
  const credentials: PlannedStep = {
    name: 'join-token',
    host: first.name,
    title: 'Make a join token (and upload the certificates for the other control planes)',
    commands: joinCredentialCommands(contexts.get(first)!, inventory.controlPlanes.length > 1),
  };
  const joinsAt = inventory.hosts.length + 1;
  return [...planned.slice(0, joinsAt), ...(joining ? [[credentials]] : []), ...planned.slice(joinsAt)].flat();
}
