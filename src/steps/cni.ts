/**
 * The pod network: apply flannel (or the user's manifest), wait for its
 * DaemonSets to roll out, then for the node to turn Ready (it stays NotReady
 * until a CNI runs; that is expected, not an error).
 */
import type { Context } from '../session/context.js';
import { StepFailed } from '../workflow/step.js';
import { secondsLeft } from '../exec/wait.js';
import { applyManifestStep, manifestPath } from './apply-manifest.js';
import { manifestFor } from './files.js';

function daemonSets(ctx: Context): { name: string; namespace: string }[] {
  return (manifestFor(ctx, 'cni')?.objects ?? [])
    .filter((o) => o.kind === 'DaemonSet')
    .map((o) => ({ name: String(o.metadata?.name), namespace: String(o.metadata?.namespace ?? 'default') }));
}

export const cni = applyManifestStep('cni', 'Install the pod network (flannel)', {
  plan(ctx) {
    const t = ctx.config.timeouts.waitSeconds;
    return [
      ctx.kubectl.applyArgs(manifestPath(ctx, 'cni')!),
      ...daemonSets(ctx).map((d) => [
        'kubectl',
        ...ctx.kubectl.argv(ctx.kubectl.rolloutStatusArgs('daemonset', d.name, d.namespace, t)),
      ]),
      ['kubectl', ...ctx.kubectl.argv(ctx.kubectl.waitNodesReadyArgs(t))],
    ];
  },
  async verify(ctx) {
    if (ctx.dryRun) return;
    const deadline = ctx.deadline();
    for (const d of daemonSets(ctx)) {
      const r = await ctx.kubectl.rolloutStatus('daemonset', d.name, d.namespace, secondsLeft(deadline));
      if (r.exitCode !== 0) {
        throw new StepFailed(
          `daemonset ${d.namespace}/${d.name} did not roll out: ${r.stderr.trim() || r.stdout.trim().split('\n').pop()}`,
          `see \`kubectl -n ${d.namespace} describe daemonset ${d.name}\` and its pods' events (a PodSecurityPolicy refusal shows as FailedCreate)`,
        );
      }
    }
    const ready = await ctx.kubectl.waitNodesReady(secondsLeft(deadline));
    if (ready.exitCode !== 0) {
      throw new StepFailed(
        `the node did not turn Ready: ${ready.stderr.trim()}`,
        'see `kubectl describe nodes` (the Ready condition says why)',
      );
    }
  },
});
