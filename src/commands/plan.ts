/** `kubestrap plan`: the ordered steps of `up` and the exact commands each would run on a fresh node. */
import type { Io } from '../io.js';
import { UserError } from '../errors.js';
import { formatArgv } from '../exec/runner.js';
import { UP_STEPS } from '../steps/index.js';
import { selectSteps } from '../workflow/engine.js';
import { openSession } from './session.js';

export async function planCommand(
  opts: { config?: string; output?: string; inventory?: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  if (opts.output !== undefined && opts.output !== 'json')
    throw new UserError(`unknown output format "${opts.output}"; use json`, undefined, '-o');
  if (opts.inventory !== undefined) return planInventoryCommand({ ...opts, inventory: opts.inventory }, io, signal);
  // A dry-run session: nothing can change, even by mistake.
  const { ctx } = await openSession({ config: opts.config, dryRun: true }, io, signal);
  const steps = selectSteps(ctx, UP_STEPS, {}).map((s) => ({ name: s.id, title: s.title, commands: s.plan(ctx) }));
  if (opts.output === 'json') {
    io.out(JSON.stringify({ steps: steps.map(({ name, commands }) => ({ name, commands })) }));
    return 0;
  }
  steps.forEach((s, i) => {
    io.out(`${i + 1}. ${s.name}: ${s.title}`);
    for (const c of s.commands) io.out(`     ${formatArgv(c)}`);
    if (s.commands.length === 0)
      io.out(s.name === 'preflight' ? '     (read-only checks of the host)' : '     (read-only checks of the cluster)');
  });
  return 0;
}

async function planInventoryCommand(
  opts: { config?: string; output?: string; inventory: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  const { loadConfig } = await import('../config/load.js');
  const { loadInventory } = await import('../config/inventory.js');
  const { checkClusterFits } = await import('../multinode/cluster.js');
  const { planInventory } = await import('../multinode/plan.js');
  const config = loadConfig(opts.config);
  const inventory = loadInventory(opts.inventory);
  checkClusterFits(config, inventory);
  const { checkSshOptions } = await import('../multinode/hosts.js');
  await checkSshOptions(inventory);
  const steps = planInventory(config, inventory, io, signal);
  if (opts.output === 'json') {
    io.out(JSON.stringify({ steps: steps.map(({ name, host, commands }) => ({ name, host, commands })) }));
    return 0;
  }
  steps.forEach((s, i) => {
    io.out(`${i + 1}. [${s.host}] ${s.name}: ${s.title}`);
    for (const c of s.commands) io.out(`     ${formatArgv(c)}`);
    if (s.commands.length === 0) io.out('     (read-only checks)');
  });
  return 0;
}
