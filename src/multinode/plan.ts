/**
 * `kubestrap plan -i`: every host's steps in the order `up -i` runs them, each with the
 * exact commands it would run on a fresh host. Reads the config and the inventory only:
 * no host is contacted (the commands of a fresh host do not depend on what is there).
 */
import type { Inventory } from '../config/inventory.js';
import type { ClusterConfig } from '../config/load.js';
import { NO_LOG } from '../exec/log.js';
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

export function planInventory(config: ClusterConfig, inventory: Inventory, io: Io, signal: AbortSignal): PlannedStep[] {
  const contexts = new Map(
    inventory.hosts.map((h) => [
      h,
      hostContext({
        config,
        host: h,
        runner: NO_COMMANDS,
        paths: hostPaths('/'),
        user: { name: 'root', uid: 0, gid: 0, home: '/root' },
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
  const planned = phases.map(({ h, steps }) => {
    const ctx = contexts.get(h)!;
    return selectSteps(ctx, steps, {}).map((s) => ({
      name: s.id,
      host: h.name,
      title: s.title,
      commands: s.plan(ctx),
    }));
  });
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
