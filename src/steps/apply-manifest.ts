/**
 * Steps that apply one rendered manifest: done when every object in it exists,
 * applied with retries while the API server settles, run again when the
 * manifest changes.
 */
import { createHash } from 'node:crypto';
import type { Context } from '../context.js';
import type { ManifestStep } from '../render/index.js';
import type { Step } from '../workflow/step.js';
import { manifestFor, renderedPath } from './files.js';

export function manifestPath(ctx: Context, step: ManifestStep): string | undefined {
  const m = manifestFor(ctx, step);
  return m ? renderedPath(ctx, m.path) : undefined;
}

export function applyManifestStep(id: ManifestStep, title: string, extra: Partial<Step> = {}): Step {
  return {
    id,
    title,
    enabled: (ctx) => manifestFor(ctx, id) !== undefined,
    plan: (ctx) => [ctx.kubectl.applyArgs(manifestPath(ctx, id)!)],
    inputs: (ctx) => createHash('sha256').update(manifestFor(ctx, id)!.text).digest('hex').slice(0, 16),
    async check(ctx) {
      return (await ctx.kubectl.allExist(manifestPath(ctx, id)!)) ? 'done' : 'pending';
    },
    async apply(ctx) {
      await ctx.kubectl.apply(manifestPath(ctx, id)!, ctx.deadline());
    },
    ...extra,
  };
}
