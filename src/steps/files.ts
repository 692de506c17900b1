/**
 * Paths of what `up` writes, and the commands that put files in place. Files
 * reach their host location through `install` run by the runner, so a dry run
 * and `plan` show them like any other change.
 */
import path from 'node:path';
import type { Context } from '../session/context.js';
import type { HostAccess } from '../host/access.js';
import type { Artifact } from '../render/index.js';
import { KUBEADM_CONFIG_FILE } from '../render/index.js';
import { StepFailed } from '../workflow/step.js';

export function renderedPath(ctx: Context, rel: string): string {
  return path.join(ctx.paths.renderDir, rel);
}

export function kubeadmConfigPath(ctx: Context): string {
  return renderedPath(ctx, KUBEADM_CONFIG_FILE);
}

export function manifestFor(ctx: Context, step: string): Artifact | undefined {
  return ctx.rendered.artifacts.find((a) => a.kind === 'manifest' && a.step === step);
}

/** Every manifest a step applies, in apply order. */
export function manifestsFor(ctx: Context, step: string): Artifact[] {
  return ctx.rendered.artifacts.filter((a) => a.kind === 'manifest' && a.step === step);
}

export function hostFiles(ctx: Context): Artifact[] {
  return ctx.rendered.artifacts.filter((a) => a.kind === 'host-file');
}

/** `install -D -m 0600 SRC DST`: creates parent directories, sets the mode, replaces atomically. */
export function installArgs(src: string, dst: string, mode = '0600', owner?: { uid: number; gid: number }): string[] {
  const args = ['install', '-D', '-m', mode];
  if (owner) args.push('-o', String(owner.uid), '-g', String(owner.gid));
  return [...args, src, dst];
}

/**
 * `install` (like every program that opens a path) follows a symbolic link, and
 * `install -d -o USER` on a linked directory hands its target to USER. Host paths
 * kubestrap installs to, and the folder they go in, must therefore not be links;
 * checked right before the install runs.
 */
export async function refuseLinks(host: HostAccess, ...hostPaths: string[]): Promise<void> {
  for (const p of hostPaths) {
    // A missing path is no link: install creates a real one.
    if (await host.isSymlink(p))
      throw new StepFailed(
        `${p}: is a symbolic link; kubestrap does not install files through links (that would change what it points to)`,
        `remove the link (rm ${p}) and run \`sudo kubestrap up\` again`,
      );
  }
}
