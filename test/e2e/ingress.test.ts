/**
 * ingress.enabled installs ingress-nginx for real: after its namespace and policy, the
 * controller rolls out, its pods are admitted by the ingress-nginx policy (PSP) or under the
 * namespace's level (PSS), and the certgen jobs are admitted and run (the webhook's secret);
 * `verify` checks all of it. Without the policy's binding the controller is refused, and the
 * step says where to look.
 */
import test from 'ava';
import { FAST_TIMING } from '../sim/install.js';
import { lab } from './harness.js';

const config = (version: string, extra = '') =>
  `kubernetesVersion: ${version}\ncontrolPlane: {nodeName: cp}\ningress: {enabled: true}\n${extra}`;

test('1.24 (PSP): the controller and the certgen jobs are admitted by the ingress-nginx policy, and verify says so', async (t) => {
  const l = await lab(config('v1.24.17'), { timing: FAST_TIMING });
  t.teardown(() => l.node.cleanup());
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  const objects = Object.values(l.node.state().cluster!.objects) as any[];
  const pods = objects.filter((o) => o.kind === 'Pod' && o.metadata.namespace === 'ingress-nginx');
  const byPrefix = (p: string) => pods.find((o) => o.metadata.name.startsWith(p));
  for (const p of ['ingress-nginx-controller-', 'ingress-nginx-admission-create-', 'ingress-nginx-admission-patch-'])
    t.is(byPrefix(p)?.metadata.annotations?.['kubernetes.io/psp'], 'ingress-nginx', p);
  t.is(byPrefix('ingress-nginx-admission-create-')?.status.phase, 'Succeeded');
  const webhook = objects.find((o) => o.kind === 'ValidatingWebhookConfiguration');
  t.truthy(webhook.webhooks[0].clientConfig.caBundle, 'the patch job set the caBundle');
  const v = await l.kubestrap(['verify']);
  t.is(v.exitCode, 0, v.stdout);
  t.regex(v.stdout, /✔ ingress-nginx-controller: deployment ingress-nginx\/ingress-nginx-controller: 1\/1 available/);
  t.regex(v.stdout, /✔ ingress-nginx-policy: 1 controller pod\(s\) admitted by ingress-nginx/);
  t.regex(v.stdout, /✔ ingress-nginx-webhook-certificate: secret ingress-nginx\/ingress-nginx-admission/);
});

test('1.31 (PSS) with host ports: a privileged namespace, the controller on 80 and 443 of the node', async (t) => {
  const l = await lab(
    config('v1.31.4', 'ingress: {enabled: true, hostPorts: true}\n').replace('ingress: {enabled: true}\n', ''),
    {
      kubernetesVersion: 'v1.31.4',
      timing: FAST_TIMING,
    },
  );
  t.teardown(() => l.node.cleanup());
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  const objects = Object.values(l.node.state().cluster!.objects) as any[];
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === 'ingress-nginx');
  t.is(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'privileged');
  const controller = objects.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith('ingress-nginx-controller-'));
  t.deepEqual(
    controller.spec.containers[0].ports.filter((p: any) => p.hostPort).map((p: any) => p.hostPort),
    [80, 443],
  );
  const v = await l.kubestrap(['verify', '-o', 'json']);
  t.is(v.exitCode, 0, v.stdout);
  t.like(
    JSON.parse(v.stdout).checks.find((c: any) => c.name === 'ingress-nginx-policy'),
    { ok: true, detail: '1 controller pod(s) admitted in ingress-nginx, which enforces privileged' },
  );
});

test('without its binding the controller is refused: the ingress step fails and says where to look', async (t) => {
  const l = await lab(config('v1.24.17', 'timeouts: {waitSeconds: 8}\n'), {
    timing: FAST_TIMING,
    faults: [{ action: 'dropObject', kind: 'RoleBinding', name: 'psp:ingress-nginx', namespace: 'ingress-nginx' }],
  });
  t.teardown(() => l.node.cleanup());
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /ingress: FAILED\n {2}deployment ingress-nginx\/ingress-nginx-controller did not roll out/);
  t.regex(r.stderr, /a pod security refusal shows as FailedCreate/);
});
