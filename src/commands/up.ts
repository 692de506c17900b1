/** `kubestrap up`: bring this node from nothing to a verified cluster, resumably. */
import type { Io } from '../io.js';
import { UserError } from '../errors.js';
import { UP_STEPS } from '../steps/index.js';
import { writeRender } from '../render/write.js';
import { runSteps } from '../workflow/engine.js';
import { acquireLock } from '../host/lock.js';
import { openHostSession } from '../session/open.js';
import { chooseReporter } from '../workflow/progress.js';

export interface UpOptions {
  config?: string;
  dryRun?: boolean;
  from?: string;
  only?: string;
  yes?: boolean;
  quiet?: boolean;
  output?: string;
  inventory?: string;
}

export async function upCommand(opts: UpOptions, io: Io, signal: AbortSignal): Promise<number> {
  if (opts.output !== undefined && opts.output !== 'json')
    throw new UserError(`unknown output format "${opts.output}"; use json`, undefined, '-o');
  if (opts.from && opts.only) throw new UserError('use either --from or --only, not both');
  if (opts.inventory !== undefined) {
    for (const [flag, set] of [
      ['--from', opts.from],
      ['--only', opts.only],
      ['--dry-run', opts.dryRun],
    ] as const)
      if (set)
        throw new UserError(
          `${flag} does not work with -i yet; \`kubestrap plan -i\` shows every host's steps`,
          undefined,
          flag,
        );
    const { upInventory } = await import('../multinode/up.js');
    return upInventory(
      { config: opts.config, inventory: opts.inventory, yes: opts.yes, output: opts.output },
      io,
      signal,
    );
  }
  const ctx = await openHostSession({ ...opts, log: true }, io, signal);
  const paths = ctx.paths;
  const release = ctx.dryRun ? () => {} : acquireLock(paths.stateDir);
  try {
    if (!ctx.dryRun)
      writeRender(paths.renderDir, ctx.rendered.artifacts, {
        owner: 'host',
        protect: ctx.config.source ? [{ path: ctx.config.source, what: `the config file ${ctx.config.source}` }] : [],
      });
    const reporter = chooseReporter(io, opts);
    const result = await runSteps(ctx, UP_STEPS, { from: opts.from, only: opts.only }, reporter);
    if (ctx.dryRun && result.ok && opts.output !== 'json') {
      // The files planned steps would write on the host (install's apt source, containerd's config).
      for (const o of result.outcomes) {
        const step = UP_STEPS.find((s) => s.id === o.name);
        if (o.status !== 'planned' || !step?.files) continue;
        for (const f of await step.files(ctx)) io.out(`# --- ${f.path} ---\n${f.text.trimEnd()}`);
      }
    }
    if (ctx.dryRun && result.ok) {
      // The manifests the planned steps would apply, so a reviewer sees everything.
      for (const a of ctx.rendered.artifacts) {
        const planned = result.outcomes.some(
          (o) => o.status === 'planned' && (o.name === a.step || (a.kind !== 'manifest' && o.name === 'kubeadm-init')),
        );
        if (planned && opts.output !== 'json') io.out(`# --- ${a.path} ---\n${a.text.trimEnd()}`);
      }
    }
    if (result.ok && result.unchanged && !ctx.dryRun)
      reporter.note('Nothing to change: every step was already done, and the cluster verifies.');
    if (result.ok && !ctx.dryRun && !result.unchanged)
      reporter.note(`Cluster ${ctx.config.version.text} is up. kubectl uses ${ctx.kubeconfig}.`);
    reporter.end();
    if (result.interrupted) return 130;
    return result.ok ? 0 : 1;
  } finally {
    release();
  }
}
