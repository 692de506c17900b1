/**
 * kubeadm init with the rendered config, after the host files it references
 * (the PodSecurity admission config) are in place.
 */
import { createHash } from 'node:crypto';
import type { Context } from '../session/context.js';
import { CommandError } from '../exec/runner.js';
import { StepFailed, type Step } from '../workflow/step.js';
import { hostFiles, installArgs, kubeadmConfigPath, refuseLinks, renderedPath } from './files.js';
import path from 'node:path';

function commands(ctx: Context): string[][] {
  const installs = hostFiles(ctx).map((a) => installArgs(renderedPath(ctx, a.path), ctx.paths.at(a.hostPath!)));
  return [...installs, ['kubeadm', 'init', '--config', kubeadmConfigPath(ctx)]];
}

export const kubeadmInit: Step = {
  id: 'kubeadm-init',
  title: 'Initialise the control plane with kubeadm',
  // kubeadm init runs once: a changed kubeadm config needs a rebuild, not a second init.
  rebuildOnChange: true,
  plan: commands,
  inputs(ctx) {
    const h = createHash('sha256');
    for (const a of ctx.rendered.artifacts) if (a.kind !== 'manifest') h.update(a.path).update(a.text);
    return h.digest('hex').slice(0, 16);
  },
  async check(ctx) {
    if (await ctx.host.exists(ctx.paths.adminConf)) return 'done';
    if (((await ctx.host.list(ctx.paths.manifestsDir)) ?? []).length > 0) {
      throw new StepFailed(
        `an earlier kubeadm init left static pod manifests in ${ctx.paths.manifestsDir} but no admin.conf`,
        'run `sudo kubestrap reset`, then `sudo kubestrap up`',
      );
    }
    return 'pending';
  },
  async apply(ctx) {
    for (const a of hostFiles(ctx)) {
      const dst = ctx.paths.at(a.hostPath!);
      await refuseLinks(ctx.host, path.dirname(dst), dst);
    }
    const all = commands(ctx);
    for (const argv of all.slice(0, -1))
      await ctx.runner.run(argv[0], argv.slice(1), { mutates: true, signal: ctx.signal });
    const [file, ...args] = all[all.length - 1];
    try {
      await ctx.runner.run(file, args, { mutates: true, signal: ctx.signal });
    } catch (e) {
      if (e instanceof CommandError) {
        throw new StepFailed(
          `kubeadm init failed:\n${kubeadmError(e.result.stderr || e.result.stdout)}`,
          'fix the cause above, run `sudo kubestrap reset`, then `sudo kubestrap up`',
        );
      }
      throw e;
    }
  },
  async verify(ctx) {
    if (!ctx.dryRun && !(await ctx.host.exists(ctx.paths.adminConf))) {
      throw new StepFailed(
        `kubeadm init finished but ${ctx.paths.adminConf} is missing`,
        'run `sudo kubestrap reset`, then `sudo kubestrap up`',
      );
    }
  },
};

/** kubeadm's own error, without the stack-trace hint it appends to every failure. */
function kubeadmError(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('To see the stack trace of this error'))
    .slice(-15)
    .join('\n');
}
