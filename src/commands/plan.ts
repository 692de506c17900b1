/** `kubestrap plan`: the ordered steps of `up` and the exact commands each would run on a fresh node. */
import type { Io } from '../io.js';
import { UserError } from '../errors.js';
import { formatArgv } from '../exec/runner.js';
import { NO_LOG } from '../exec/runner.js';
import { UP_STEPS } from '../steps/index.js';
import { selectSteps } from '../workflow/engine.js';
import { openHostSession } from '../session/open.js';

export async function planCommand(
  opts: { config?: string; output?: string; inventory?: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  if (opts.output !== undefined && opts.output !== 'json')
    throw new UserError(`unknown output format "${opts.output}"; use json`, undefined, '-o');
  if (opts.inventory !== undefined) return planInventoryCommand({ ...opts, inventory: opts.inventory }, io, signal);
  // A dry-run session: nothing can change, even by mistake.
  const ctx = await openHostSession({ config: opts.config, dryRun: true }, io, signal);
  const steps = [];
  for (const s of selectSteps(ctx, UP_STEPS, {}))
    steps.push({ name: s.id, title: s.title, commands: await s.plan(ctx), files: (await s.files?.(ctx)) ?? [] });
  if (opts.output === 'json') {
    io.out(
      JSON.stringify({
        steps: steps.map(({ name, commands, files }) => ({
          name,
          commands,
          ...(files.length ? { files: files.map((f) => ({ path: f.path, content: f.text })) } : {}),
        })),
      }),
    );
    return 0;
  }
  steps.forEach((s, i) => {
    io.out(`${i + 1}. ${s.name}: ${s.title}`);
    for (const c of s.commands) io.out(`     ${formatArgv(c)}`);
    if (s.commands.length === 0)
      io.out(
        s.name === 'install'
          ? '     (everything is installed)'
          : s.name === 'preflight'
            ? '     (read-only checks of the host)'
            : '     (read-only checks of the cluster)',
      );
    for (const f of s.files) io.out(`     ${f.path}:\n${f.text.trimEnd().replace(/^/gm, '       | ')}`);
  });
  return 0;
}

async function planInventoryCommand(
  opts: { config?: string; output?: string; inventory: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  const { loadClusterConfig } = await import('../session/config.js');
  const { loadInventory } = await import('../config/inventory.js');
  const { checkClusterFits } = await import('../multinode/cluster.js');
  const { planInventory } = await import('../multinode/plan.js');
  const config = loadClusterConfig(opts.config);
  const inventory = loadInventory(opts.inventory);
  checkClusterFits(config, inventory);
  const { checkSshOptions, connectHost } = await import('../multinode/hosts.js');
  await checkSshOptions(inventory);
  const { SshConnections } = await import('../exec/ssh.js');
  const { eachLimited, HOST_PARALLELISM } = await import('../multinode/pool.js');
  const connected = new Map();
  let unreached = 0;
  const connections = new SshConnections();
  let steps: Awaited<ReturnType<typeof planInventory>>;
  try {
    // Only the install step's commands depend on the host: look at the hosts only for it.
    if (config.host.install)
      await eachLimited(inventory.hosts, HOST_PARALLELISM, async (h) => {
        try {
          connected.set(h, await connectHost(h, connections, NO_LOG, signal));
        } catch (e) {
          if (!(e instanceof Error) || e.name === 'Interrupted') throw e;
          unreached++;
          io.err(`[${h.name}] not reached, so its install commands are unknown: ${e.message}`);
        }
      });
    steps = await planInventory(config, inventory, io, signal, connected);
  } finally {
    await connections.close();
  }
  if (opts.output === 'json') {
    io.out(JSON.stringify({ steps: steps.map(({ name, host, commands }) => ({ name, host, commands })) }));
    return unreached ? 1 : 0;
  }
  steps.forEach((s, i) => {
    io.out(`${i + 1}. [${s.host}] ${s.name}: ${s.title}`);
    for (const c of s.commands) io.out(`     ${formatArgv(c)}`);
    if (s.commands.length === 0)
      io.out(s.name === 'install' ? '     (everything is installed)' : '     (read-only checks)');
  });
  return unreached ? 1 : 0;
}
