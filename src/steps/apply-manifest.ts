/**
 * Steps that apply one rendered manifest: done when every object in it exists,
 * applied with retries while the API server settles, run again when the
 * manifest changes.
 */
import { createHash } from 'node:crypto';
import type { Context } from '../context.js';
import type { ManifestStep } from '../render/index.js';
import type { Step } from '../workflow/step.js';
import { manifestFor, manifestsFor, renderedPath } from './files.js';

export function manifestPath(ctx: Context, step: ManifestStep): string | undefined {
  const m = manifestFor(ctx, step);
  return m ? renderedPath(ctx, m.path) : undefined;
}

/** Every manifest of the step, in apply order (the tenants step may have its policies first). */
export function manifestPaths(ctx: Context, step: ManifestStep): string[] {
  return manifestsFor(ctx, step).map((m) => renderedPath(ctx, m.path));
}

export function applyManifestStep(id: ManifestStep, title: string, extra: Partial<Step> = {}): Step {
  return {
    id,
    title,
    enabled: (ctx) => manifestFor(ctx, id) !== undefined,
    plan: (ctx) => manifestPaths(ctx, id).map((p) => ctx.kubectl.applyArgs(p)),
    inputs: (ctx) => {
      const h = createHash('sha256');
      for (const m of manifestsFor(ctx, id)) h.update(m.text);
      return h.digest('hex').slice(0, 16);
    },
    async check(ctx) {
      for (const p of manifestPaths(ctx, id)) if (!(await ctx.kubectl.allExist(p))) return 'pending';
      return 'done';
    },
    async apply(ctx) {
      for (const p of manifestPaths(ctx, id)) await ctx.kubectl.apply(p, ctx.deadline());
    },
    ...extra,
  };
}
