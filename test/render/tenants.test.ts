import test from 'ava';
import { renderText } from '../helpers/render.js';

type Obj = Record<string, any>;

const TENANTS = `kubernetesVersion: v1.24.17
tenants:
  - {namespace: demo, serviceAccounts: [app, ci], role: edit, policy: restricted}
  - {namespace: ops, serviceAccounts: [runner], role: admin, policy: privileged-restricted}
`;

test('PSP mode: a tenant gets its namespace, service accounts, role bindings and a psp:<policy> Role', (t) => {
  const r = renderText(TENANTS);
  t.truthy(r.find('Namespace', 'demo'));
  t.truthy(r.find('ServiceAccount', 'app', 'demo'));
  t.truthy(r.find('ServiceAccount', 'ci', 'demo'));
  const rb = r.find('RoleBinding', 'app:edit', 'demo') as Obj;
  t.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' });
  t.deepEqual(rb.subjects, [{ kind: 'ServiceAccount', name: 'app', namespace: 'demo' }]);
  const role = r.find('Role', 'psp:restricted', 'demo') as Obj;
  t.deepEqual(role.rules, [
    { apiGroups: ['policy'], resources: ['podsecuritypolicies'], verbs: ['use'], resourceNames: ['restricted'] },
  ]);
  const use = r.find('RoleBinding', 'psp:restricted', 'demo') as Obj;
  t.deepEqual(use.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'psp:restricted' });
  t.deepEqual(
    use.subjects.map((s: Obj) => s.name),
    ['app', 'ci', 'default'],
    "the namespace's default account too, for controllers' pods",
  );
});

test('PSP mode: a policy is defined once, in the first manifest that needs it', (t) => {
  const r = renderText(TENANTS);
  const psps = r.all('PodSecurityPolicy').map((o) => o.metadata!.name);
  t.deepEqual(psps, ['restricted', 'privileged', 'privileged-restricted']);
  t.truthy(
    r
      .file('03-tenants.yaml')
      .objects.find((o) => o.kind === 'PodSecurityPolicy' && o.metadata?.name === 'privileged-restricted'),
  );
});

test('PSS mode: a tenant namespace carries its level, version pinned; no PSP objects', (t) => {
  const r = renderText(TENANTS.replace('v1.24.17', 'v1.31.4'));
  const labels = (r.find('Namespace', 'demo') as Obj).metadata.labels;
  t.like(labels, {
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': 'v1.31',
    'pod-security.kubernetes.io/warn': 'restricted',
  });
  t.is((r.find('Namespace', 'ops') as Obj).metadata.labels['pod-security.kubernetes.io/enforce'], 'privileged');
  t.is(r.all('PodSecurityPolicy').length, 0);
  t.is(r.all('Role').length, 0);
  t.truthy(r.find('RoleBinding', 'runner:admin', 'ops'));
});

test('PSS mode: a custom policy takes its template level, relaxed by what its overrides allow', (t) => {
  const cfg = (spec: string) => `kubernetesVersion: v1.31.4
tenants: [{namespace: demo, policy: mine}]
policies: [{name: mine, template: restricted, spec: ${spec}}]
`;
  const level = (spec: string) =>
    (renderText(cfg(spec)).find('Namespace', 'demo') as Obj).metadata.labels['pod-security.kubernetes.io/enforce'];
  // A UID range admits a pod with runAsUser 1500 and no runAsNonRoot, which restricted refuses
  // (the mapping page's runAsUser row: Restricted needs MustRunAsNonRoot).
  t.is(level('{runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}}'), 'baseline');
  t.is(
    level('{runAsUser: {rule: MustRunAsNonRoot}}'),
    'restricted',
    'an override equal to the template relaxes nothing',
  );
  t.is(level('{seLinux: {rule: MustRunAs, seLinuxOptions: {type: spc_t}}}'), 'privileged');
  t.is(level('{allowPrivilegeEscalation: true}'), 'baseline');
  t.is(level('{hostNetwork: true}'), 'privileged');
  t.is(level('{volumes: [hostPath]}'), 'privileged');
});

test('custom policy overrides replace the template field wholesale', (t) => {
  const r = renderText(`kubernetesVersion: v1.24.17
tenants: [{namespace: data, serviceAccounts: [reader], policy: data-readers}]
policies:
  - name: data-readers
    template: restricted
    spec:
      volumes: [configMap, hostPath]
      allowedHostPaths: [{pathPrefix: /data, readOnly: true}]
`);
  const psp = r.find('PodSecurityPolicy', 'data-readers') as Obj;
  t.deepEqual(psp.spec.volumes, ['configMap', 'hostPath']);
  t.deepEqual(psp.spec.allowedHostPaths, [{ pathPrefix: '/data', readOnly: true }]);
  t.is(psp.spec.runAsUser.rule, 'MustRunAsNonRoot', 'the rest comes from the template');
});

test('ingress, PSP mode: namespace, the ingress-nginx policy, and use for the controller, admission and default accounts', (t) => {
  const r = renderText('kubernetesVersion: v1.24.17\ningress: {enabled: true}\n');
  const file = r.file('03-ingress.yaml');
  t.is(file.step, 'ingress');
  const psp = r.find('PodSecurityPolicy', 'ingress-nginx') as Obj;
  t.deepEqual(psp.spec.allowedCapabilities, ['NET_BIND_SERVICE']);
  t.is(psp.spec.runAsUser.rule, 'MustRunAsNonRoot');
  t.truthy(r.find('Namespace', 'ingress-nginx'));
  const b = r.find('RoleBinding', 'psp:ingress-nginx', 'ingress-nginx') as Obj;
  t.deepEqual(
    b.subjects.map((s: Obj) => s.name),
    ['ingress-nginx', 'ingress-nginx-admission', 'default'],
  );
});

test('ingress, PSS mode: the namespace is labelled restricted (the current controller passes it)', (t) => {
  const r = renderText('kubernetesVersion: v1.31.4\ningress: {enabled: true, namespace: edge}\n');
  t.is((r.find('Namespace', 'edge') as Obj).metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
});

test('ingress disabled: no ingress manifest', (t) => {
  t.false(renderText('').artifacts.some((a) => a.step === 'ingress'));
});
