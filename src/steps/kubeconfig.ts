/**
 * admin.conf to ~/.kube/config of the user who ran sudo, mode 0600, owned by
 * them; every later kubectl call names this file.
 */
import path from 'node:path';
import type { Context } from '../session/context.js';
import { StepFailed, type Step } from '../workflow/step.js';
import { installArgs, refuseLinks } from './files.js';

function commands(ctx: Context): string[][] {
  const owner = ctx.user.uid === ctx.host.uid ? undefined : { uid: ctx.user.uid, gid: ctx.user.gid };
  const dir = path.dirname(ctx.kubeconfig);
  // The directory first, owned by the user: kubectl keeps its cache there.
  const mkdir = [
    'install',
    '-d',
    '-m',
    '0700',
    ...(owner ? ['-o', String(owner.uid), '-g', String(owner.gid)] : []),
    dir,
  ];
  return [mkdir, installArgs(ctx.paths.adminConf, ctx.kubeconfig, '0600', owner)];
}

export const kubeconfig: Step = {
  id: 'kubeconfig',
  title: 'Install the admin kubeconfig for the invoking user',
  plan: commands,
  async check(ctx) {
    const [mine, admin] = await Promise.all([
      ctx.host.readText(ctx.kubeconfig),
      ctx.host.readText(ctx.paths.adminConf),
    ]);
    return mine !== undefined && admin !== undefined && mine === admin ? 'done' : 'pending';
  },
  async apply(ctx) {
    // The home directory belongs to the user: a link there must not make root write or chown elsewhere.
    await refuseLinks(ctx.host, path.dirname(ctx.kubeconfig), ctx.kubeconfig);
    for (const argv of commands(ctx))
      await ctx.runner.run(argv[0], argv.slice(1), { mutates: true, signal: ctx.signal });
  },
  async verify(ctx) {
    if (ctx.dryRun) return;
    const mode = await ctx.host.mode(ctx.kubeconfig);
    if (mode !== 0o600)
      throw new StepFailed(`${ctx.kubeconfig} has mode ${mode?.toString(8) ?? '(missing)'}, expected 600`);
  },
};
