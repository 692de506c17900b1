/**
 * Policies and their RBAC, right after kubeadm init and before the CNI. In
 * PSP mode the kubelet's mirror pods (the control plane itself) are refused
 * with "no providers available to validate pod request" until this step; its
 * post-condition is that they are admitted.
 */
import type { Context } from '../session/context.js';
import { TimeoutError, waitFor } from '../exec/wait.js';
import { StepFailed } from '../workflow/step.js';
import { applyManifestStep, manifestPath } from './apply-manifest.js';
import { nudgeCommands, nudgeKubeadmWorkloads } from './controller-nudge.js';

export const CONTROL_PLANE_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const MIRROR = 'kubernetes.io/config.mirror';
const PSP = 'kubernetes.io/psp';

/** Control-plane components whose mirror pod does not exist yet (i.e. was not admitted). */
export async function unadmittedControlPlane(ctx: Context): Promise<string[] | undefined> {
  const pods = await ctx.kubectl.tryGetJson('pods', 'kube-system');
  if (!pods) return undefined;
  const admitted = new Set(
    pods.items
      .filter((p) => p.metadata.annotations?.[MIRROR] !== undefined && p.metadata.annotations?.[PSP] !== undefined)
      .map((p) => p.metadata.labels?.component),
  );
  return CONTROL_PLANE_COMPONENTS.filter((c) => !admitted.has(c));
}

export const podSecurity = applyManifestStep('pod-security', 'Apply pod security policies and RBAC before the CNI', {
  plan(ctx) {
    const apply = ctx.kubectl.applyArgs(manifestPath(ctx, 'pod-security')!);
    return ctx.config.mode === 'psp' ? [apply, ...nudgeCommands(ctx)] : [apply];
  },
  async apply(ctx) {
    await ctx.kubectl.apply(manifestPath(ctx, 'pod-security')!, ctx.deadline());
    if (ctx.config.mode !== 'psp') return;
    const nudged = await nudgeKubeadmWorkloads(ctx);
    if (nudged.length)
      ctx.log.write(
        `restarted ${nudged.join(', ')}: refused until the policies existed, their controllers were backing off`,
      );
  },
  async verify(ctx) {
    if (ctx.dryRun || ctx.config.mode !== 'psp') return;
    let missing: string[] = CONTROL_PLANE_COMPONENTS;
    try {
      await waitFor(
        async () => {
          missing = (await unadmittedControlPlane(ctx)) ?? missing;
          return missing.length === 0 ? true : undefined;
        },
        ctx.deadline(),
        { what: 'the control plane mirror pods to be admitted', signal: ctx.signal, minDelayMs: 200 },
      );
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      throw new StepFailed(
        `the kubelet's mirror pods were not admitted within ${ctx.config.timeouts.waitSeconds}s: ${missing.join(', ')}`,
        'see `kubectl get events -n kube-system` for the PodSecurityPolicy refusals, and check the psp:privileged RoleBinding in kube-system',
      );
    }
  },
});
