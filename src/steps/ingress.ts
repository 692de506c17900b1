/**
 * ingress-nginx: its namespace and policy, then the controller manifest; done when
 * the Deployment has rolled out, its pods were admitted as intended, and the
 * certgen jobs made the webhook's certificate.
 */
import { ingressChecks, INGRESS_CONTROLLER } from '../verify/ingress.js';
import { StepFailed } from '../workflow/step.js';
import { secondsLeft, waitFor } from '../workflow/wait.js';
import { applyManifestStep, manifestPaths } from './apply-manifest.js';

export const ingress = applyManifestStep('ingress', 'Install ingress-nginx after its namespace and policy', {
  plan(ctx) {
    const t = ctx.config.timeouts.waitSeconds;
    return [
      ...manifestPaths(ctx, 'ingress').map((p) => ctx.kubectl.applyArgs(p)),
      [
        'kubectl',
        ...ctx.kubectl.argv(
          ctx.kubectl.rolloutStatusArgs('deployment', INGRESS_CONTROLLER, ctx.config.ingress.namespace, t),
        ),
      ],
    ];
  },
  async verify(ctx) {
    if (ctx.dryRun) return;
    const ns = ctx.config.ingress.namespace;
    const deadline = ctx.deadline();
    const r = await ctx.kubectl.rolloutStatus('deployment', INGRESS_CONTROLLER, ns, secondsLeft(deadline));
    if (r.exitCode !== 0)
      throw new StepFailed(
        `deployment ${ns}/${INGRESS_CONTROLLER} did not roll out: ${r.stderr.trim() || r.stdout.trim().split('\n').pop()}`,
        `see \`kubectl -n ${ns} describe replicaset\` and its events (a pod security refusal shows as FailedCreate)`,
      );
    // The certgen jobs run beside the controller: wait for what they make, then judge everything.
    const failed = await waitFor(
      async () => {
        const bad = (await ingressChecks(ctx)).filter((c) => !c.ok);
        return bad.length === 0 || bad.some((c) => c.name !== 'ingress-nginx-webhook-certificate') ? bad : undefined;
      },
      deadline,
      { what: `the ingress-nginx admission webhook's certificate in ${ns}`, signal: ctx.signal },
    );
    if (failed.length)
      throw new StepFailed(
        `ingress-nginx is not running as installed:\n${failed.map((c) => `  ✗ ${c.name}: ${c.detail}`).join('\n')}`,
        'run `kubestrap verify` for the full report',
      );
  },
});
