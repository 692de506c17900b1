/**
 * `podSecurity.customPolicies: vap`: the tenants' policies as ValidatingAdmissionPolicies
 * in their own manifest, applied by the tenants step before the tenants' namespaces; the
 * config checks; and that the rendered rules enforce what the PSP template says.
 */
import test from 'ava';
import { renderText } from '../helpers/render.js';
import { configErrors } from '../helpers/config.js';
import { RecordingRunner, testContext } from '../helpers/context.js';
import { UP_STEPS } from '../../src/steps/index.js';
import { evaluateVap } from '../helpers/vap-eval.js';

type Obj = Record<string, any>;

const CONFIG = `kubernetesVersion: v1.31.4
podSecurity:
  customPolicies: vap
tenants:
  - {namespace: demo, serviceAccounts: [app], policy: restricted}
  - {namespace: ops, serviceAccounts: [runner], policy: privileged-root-volumes-restricted}
  - {namespace: ops2, serviceAccounts: [runner], policy: privileged-root-volumes-restricted}
  - {namespace: data, serviceAccounts: [reader], policy: data-readers}
policies:
  - name: data-readers
    template: restricted
    spec:
      volumes: [configMap, secret, projected, hostPath]
      allowedHostPaths: [{pathPrefix: /data, readOnly: true}]
`;

test('the policies get their own manifest, numbered before the tenants, applied by the tenants step', (t) => {
  const r = renderText(CONFIG);
  const manifests = r.artifacts.filter((a) => a.kind === 'manifest');
  t.deepEqual(
    manifests.map((a) => [a.path, a.step]),
    [
      ['manifests/01-pod-security.yaml', 'pod-security'],
      ['manifests/02-cni.yaml', 'cni'],
      ['manifests/03-tenant-policies.yaml', 'tenants'],
      ['manifests/04-tenants.yaml', 'tenants'],
    ],
  );
  const objs = r.file('03-tenant-policies.yaml').objects;
  t.deepEqual(
    objs.map((o) => `${o.kind}/${o.metadata?.name}`),
    [
      'ValidatingAdmissionPolicy/psp-data-readers',
      'ValidatingAdmissionPolicyBinding/psp-data-readers',
      'ValidatingAdmissionPolicy/psp-privileged-root-volumes-restricted',
      'ValidatingAdmissionPolicyBinding/psp-privileged-root-volumes-restricted',
      'ValidatingAdmissionPolicy/psp-restricted',
      'ValidatingAdmissionPolicyBinding/psp-restricted',
    ],
  );
  const binding = objs.find(
    (o) =>
      o.kind === 'ValidatingAdmissionPolicyBinding' && o.metadata?.name === 'psp-privileged-root-volumes-restricted',
  ) as Obj;
  t.deepEqual(binding.spec, {
    policyName: 'psp-privileged-root-volumes-restricted',
    validationActions: ['Deny'],
    matchResources: {
      namespaceSelector: {
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['ops', 'ops2'] }],
      },
    },
  });
  // The namespaces keep their levels.
  t.is((r.find('Namespace', 'ops') as Obj).metadata.labels['pod-security.kubernetes.io/enforce'], 'privileged');
  t.is((r.find('Namespace', 'demo') as Obj).metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
});

test('the tenants step plans and applies both manifests, policies first', async (t) => {
  const runner = new RecordingRunner();
  const ctx = testContext(CONFIG, runner);
  const step = UP_STEPS.find((s) => s.id === 'tenants')!;
  const plan = await step.plan(ctx);
  t.is(plan.length, 2);
  t.true(plan[0].at(-1)!.endsWith('manifests/03-tenant-policies.yaml'));
  t.true(plan[1].at(-1)!.endsWith('manifests/04-tenants.yaml'));
  await step.apply(ctx);
  t.deepEqual(
    runner.calls.map((c) => c.argv.at(-1)!.split('/').pop()),
    ['03-tenant-policies.yaml', '04-tenants.yaml'],
  );
});

test('privileged-root-volumes-restricted, rendered: root and hostPath are refused in a privileged namespace', (t) => {
  const vap = renderText(CONFIG).find('ValidatingAdmissionPolicy', 'psp-privileged-root-volumes-restricted') as Obj;
  const pod = (spec: Obj) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ops' }, spec });
  const ok = {
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'] } },
  };
  t.true(evaluateVap(vap, pod({ containers: [{ name: 'c', image: 'x', ...ok }] }), { namespace: 'ops' }).allowed);
  const root = evaluateVap(
    vap,
    pod({
      containers: [{ name: 'c', image: 'x', securityContext: { runAsUser: 0, allowPrivilegeEscalation: false } }],
    }),
    { namespace: 'ops' },
  );
  t.false(root.allowed);
  t.regex(root.messages.join('\n'), /container "c": must run as non-root/);
  const host = evaluateVap(
    vap,
    pod({ containers: [{ name: 'c', image: 'x', ...ok }], volumes: [{ name: 'h', hostPath: { path: '/' } }] }),
    { namespace: 'ops' },
  );
  t.deepEqual(host.messages, [
    'volume "h": its type is not allowed; allowed: configMap, downwardAPI, emptyDir, persistentVolumeClaim, projected, secret, csi, ephemeral (PodSecurityPolicy privileged-root-volumes-restricted)',
  ]);
});

test('customPolicies: vap only in PSS mode on v1.30+, naming the field and line', (t) => {
  t.deepEqual(configErrors('kubernetesVersion: v1.29.4\npodSecurity:\n  customPolicies: vap\n'), [
    'cluster.yaml:3:19: podSecurity.customPolicies: vap needs Pod Security Standards mode on v1.30 or newer (ValidatingAdmissionPolicy is GA there); v1.29 serves it only as a disabled beta',
  ]);
  t.deepEqual(configErrors('kubernetesVersion: v1.24.17\npodSecurity:\n  customPolicies: vap\n'), [
    'cluster.yaml:3:19: podSecurity.customPolicies: vap needs Pod Security Standards mode on v1.30 or newer (ValidatingAdmissionPolicy is GA there); v1.24 runs PodSecurityPolicy, which enforces the policies itself: use psp',
  ]);
  t.deepEqual(configErrors('kubernetesVersion: v1.30.0\npodSecurity: {customPolicies: webhook}\n'), [
    'cluster.yaml:2:31: podSecurity.customPolicies: must be one of psp, vap; got the string "webhook"',
  ]);
  t.deepEqual(configErrors('kubernetesVersion: v1.30.0\npodSecurity: {customPolicies: vap}\n'), []);
});

test('customPolicies: psp (the default) renders no ValidatingAdmissionPolicy', (t) => {
  const r = renderText(CONFIG.replace('customPolicies: vap', 'customPolicies: psp'));
  t.is(r.all('ValidatingAdmissionPolicy').length, 0);
  t.false(r.artifacts.some((a) => a.path.includes('tenant-policies')));
});
