/**
 * Whether ingress-nginx runs as kubestrap installed it: the controller Deployment
 * available, its pods admitted by the ingress-nginx policy (PSP) or under the
 * namespace's level (PSS), and the admission webhook's certificate in place, which
 * only the certgen jobs make: so they were admitted and ran too.
 */
import type { Context } from '../context.js';
import type { Check } from './checks.js';
import { INGRESS_POLICY } from '../render/ingress.js';
import { deploymentState } from './system-workloads.js';

export const INGRESS_CONTROLLER = 'ingress-nginx-controller';
/** The Secret kube-webhook-certgen's create job writes and the controller mounts. */
export const INGRESS_WEBHOOK_SECRET = 'ingress-nginx-admission';

export async function ingressChecks(ctx: Context): Promise<Check[]> {
  const ns = ctx.config.ingress.namespace;
  const k = ctx.kubectl;
  const out: Check[] = [];
  const deployment = await k.getObject('deployment', INGRESS_CONTROLLER, ns);
  const state = deployment ? deploymentState(deployment) : undefined;
  out.push({
    name: 'ingress-nginx-controller',
    ok: state?.available ?? false,
    detail: state
      ? `deployment ${ns}/${INGRESS_CONTROLLER}: ${state.detail}`
      : `no deployment ${ns}/${INGRESS_CONTROLLER}`,
  });
  const pods = ((await k.tryGetJson('pods', ns))?.items ?? []).filter(
    (p) => p.metadata.labels?.['app.kubernetes.io/component'] === 'controller',
  );
  if (ctx.config.mode === 'psp') {
    const wrong = pods
      .filter((p) => p.metadata.annotations?.['kubernetes.io/psp'] !== INGRESS_POLICY)
      .map((p) => `${p.metadata.name} admitted by ${p.metadata.annotations?.['kubernetes.io/psp'] ?? 'no policy'}`);
    out.push({
      name: 'ingress-nginx-policy',
      ok: pods.length > 0 && wrong.length === 0,
      detail:
        pods.length === 0
          ? `no controller pod in ${ns} (a refusal shows as FailedCreate on its ReplicaSet)`
          : wrong.length
            ? wrong.join(', ')
            : `${pods.length} controller pod(s) admitted by ${INGRESS_POLICY}`,
    });
  } else {
    const namespace = await k.getObject('namespace', ns);
    const level = namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? '(unset)';
    out.push({
      name: 'ingress-nginx-policy',
      ok: pods.length > 0,
      detail:
        pods.length > 0
          ? `${pods.length} controller pod(s) admitted in ${ns}, which enforces ${level}`
          : `no controller pod in ${ns}, which enforces ${level} (a refusal shows as FailedCreate on its ReplicaSet)`,
    });
  }
  const secret = await k.getObject('secret', INGRESS_WEBHOOK_SECRET, ns);
  out.push({
    name: 'ingress-nginx-webhook-certificate',
    ok: secret !== undefined,
    detail: secret
      ? `secret ${ns}/${INGRESS_WEBHOOK_SECRET} made by the certgen job`
      : `no secret ${ns}/${INGRESS_WEBHOOK_SECRET}: the certgen jobs did not run (see \`kubectl -n ${ns} describe job ingress-nginx-admission-create\`)`,
  });
  return out;
}
