/**
 * Between `kubeadm init` and the policies, PodSecurityPolicy refuses every pod of
 * kubeadm's own workloads, and their controllers back off: 5 ms after the first
 * refusal, doubling, up to 1000 s (client-go's default controller rate limiter).
 * After a pause the next retry can be a quarter of an hour away, and flannel cannot
 * start without kube-proxy. A change to the pod template requeues the controller at
 * once (a new ReplicaSet for a Deployment, a new generation for a DaemonSet), as
 * `kubectl rollout restart` does; the annotation holds the policies' fingerprint, so
 * the same policies never restart a workload twice, and changed policies re-admit
 * the pods under them. Both workloads are restarted whether or not a retry already
 * got through, so `plan` shows exactly what runs.
 */
import { createHash } from 'node:crypto';
import type { Context } from '../session/context.js';
import { manifestsFor } from './files.js';

/** What `kubeadm init` creates in kube-system that runs pods through a controller. */
export const KUBEADM_WORKLOADS = [
  { kind: 'daemonset', name: 'kube-proxy' },
  { kind: 'deployment', name: 'coredns' },
] as const;

export const NUDGE_ANNOTATION = 'kubestrap.io/pod-security-applied';

function policiesFingerprint(ctx: Context): string {
  const h = createHash('sha256');
  for (const m of manifestsFor(ctx, 'pod-security')) h.update(m.text);
  return h.digest('hex').slice(0, 16);
}

export function nudgePatch(ctx: Context): object {
  return { spec: { template: { metadata: { annotations: { [NUDGE_ANNOTATION]: policiesFingerprint(ctx) } } } } };
}

export function nudgeCommands(ctx: Context): string[][] {
  return KUBEADM_WORKLOADS.map((w) => [
    'kubectl',
    ...ctx.kubectl.argv(ctx.kubectl.patchArgs(w.kind, w.name, 'kube-system', nudgePatch(ctx))),
  ]);
}

/** Requeues kubeadm's workloads (those that exist: a user may have removed one). */
export async function nudgeKubeadmWorkloads(ctx: Context): Promise<string[]> {
  const nudged: string[] = [];
  for (const w of KUBEADM_WORKLOADS) {
    if (!(await ctx.kubectl.getObject(w.kind, w.name, 'kube-system'))) continue;
    await ctx.kubectl.patch(w.kind, w.name, 'kube-system', nudgePatch(ctx));
    nudged.push(`${w.kind}/${w.name}`);
  }
  return nudged;
}
