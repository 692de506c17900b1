/**
 * `policy migrate` on the policies and RBAC kubestrap itself renders for a PSP cluster
 * (test/fixtures/configs/v1.24.17.yaml: the default policy cluster-wide, privileged in
 * kube-system and kube-flannel, tenants with their own policies): which namespaces used
 * which policy, the labels, and that the ValidatingAdmissionPolicies *together* admit a
 * pod exactly when PodSecurityPolicy admitted it with every policy usable there (PSP
 * admitted a pod that any usable policy admitted).
 */
import test from 'ava';
import path from 'node:path';
import { loadClusterConfig } from '../../../src/session/config.js';
import { render } from '../../../src/render/index.js';
import { buildMigration } from '../../../src/policy/migrate/report.js';
import { PspAdmission } from '../../../src/policy/psp/admission.js';
import type { PolicyObject } from '../../../src/policy/psp/provider.js';
import { policyUseAuthorizer, RbacAuthorizer, type RbacObject } from '../../../src/policy/rbac.js';
import { podServiceAccount } from '../../../src/policy/psp/pod.js';
import { podView } from '../../../src/policy/psp/pod-view.js';
import { evaluateVap } from '../../helpers/vap-eval.js';
import type { Json } from '../helpers.js';
import { apiDefaults, asDeployment, PODS, stored } from './pods.js';

function renderedCluster() {
  const cfg = loadClusterConfig(path.resolve('test/fixtures/configs/v1.24.17.yaml'));
  const objects = render(cfg)
    .artifacts.filter((a) => a.kind === 'manifest')
    .flatMap((a) => a.objects) as Json[];
  const policies: PolicyObject[] = objects
    .filter((o) => o.kind === 'PodSecurityPolicy')
    .map((o) => ({ metadata: { name: o.metadata.name, annotations: o.metadata.annotations }, spec: o.spec }));
  const rbac = objects.filter((o) =>
    ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(o.kind),
  ) as RbacObject[];
  return { policies, rbac };
}

test('which namespaces used which policy, from the rendered RBAC', (t) => {
  const { policies, rbac } = renderedCluster();
  const r = buildMigration(policies, rbac, 30, 'all');
  const used = Object.fromEntries(r.policies.map((p) => [p.name, p.namespaces]));
  t.deepEqual(used, {
    'data-readers': ['data'],
    'ingress-nginx': ['ingress-nginx'],
    privileged: ['kube-flannel', 'kube-system'],
    'privileged-restricted': ['ack-restrictive'],
    'privileged-root-volumes-restricted': ['ack-all-restrictive'],
    restricted: ['*'],
  });
  // The kubelets' grant in kube-system covers only their mirror pods: reported, not carried.
  t.deepEqual(r.policies.find((p) => p.name === 'privileged')!.notCarried, [
    { namespace: 'kube-system', subject: 'group system:nodes', binding: 'RoleBinding kube-system/psp:privileged' },
  ]);
  t.deepEqual(
    r.namespaces.map((n) => [n.namespace, n.policies.join('+'), n.level, n.target]),
    [
      ['ack-all-restrictive', 'privileged-root-volumes-restricted+restricted', 'privileged', 'privileged'],
      ['ack-restrictive', 'privileged-restricted+restricted', 'privileged', 'privileged'],
      ['data', 'data-readers+restricted', 'privileged', 'privileged'],
      ['demo', 'restricted', 'privileged', 'restricted'],
      ['ingress-nginx', 'ingress-nginx+restricted', 'privileged', 'baseline'],
      ['kube-flannel', 'privileged+restricted', 'privileged', 'privileged'],
      ['kube-system', 'privileged+restricted', 'privileged', 'privileged'],
      ['*', 'restricted', 'privileged', 'restricted'],
    ],
  );
  const every = r.namespaces.find((n) => n.namespace === '*')!;
  t.deepEqual(every.dryRun, [
    'kubectl',
    'label',
    '--dry-run=server',
    '--overwrite',
    'ns',
    '-l',
    'kubernetes.io/metadata.name notin (ack-all-restrictive,ack-restrictive,data,demo,ingress-nginx,kube-flannel,kube-system)',
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/enforce-version=v1.30',
  ]);
  t.deepEqual(r.namespaces.find((n) => n.namespace === 'data')!.labels, {
    'pod-security.kubernetes.io/enforce': 'privileged',
    'pod-security.kubernetes.io/enforce-version': 'v1.30',
    'pod-security.kubernetes.io/audit': 'privileged',
    'pod-security.kubernetes.io/audit-version': 'v1.30',
    'pod-security.kubernetes.io/warn': 'privileged',
    'pod-security.kubernetes.io/warn-version': 'v1.30',
  });
});

/** Every binding that selects the namespace, with its policy. */
function policiesFor(objects: Json[], namespace: string): Json[] {
  const vaps = new Map(objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy').map((o) => [o.metadata.name, o]));
  return objects
    .filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding')
    .filter((b) => {
      const exprs = b.spec.matchResources?.namespaceSelector?.matchExpressions as { values: string[] }[] | undefined;
      return !exprs || exprs.every((e) => e.values.includes(namespace));
    })
    .map((b) => vaps.get(b.spec.policyName)!);
}

test('the bindings together admit what any usable PodSecurityPolicy admitted, namespace by namespace', (t) => {
  const { policies, rbac } = renderedCluster();
  const r = buildMigration(policies, rbac, 30, 'vap');
  const admission = new PspAdmission(policies);
  const authz = policyUseAuthorizer({ rbac: new RbacAuthorizer(rbac) });
  let checked = 0;
  for (const namespace of [
    'demo',
    'ack-restrictive',
    'ack-all-restrictive',
    'data',
    'kube-system',
    'ingress-nginx',
    'elsewhere',
  ]) {
    const vaps = policiesFor(r.objects as Json[], namespace);
    t.true(vaps.length > 0, namespace);
    for (const { label, input } of PODS) {
      // Pods of the namespace's default service account: the grants kubestrap makes to all its accounts.
      const pod: Json = structuredClone(input.pod);
      pod.metadata = { ...pod.metadata, namespace };
      delete pod.spec.serviceAccountName;
      const psp = admission.admitView(podView(pod), { isAuthorized: authz(namespace, podServiceAccount(pod.spec)) });
      const subject = psp.admitted ? stored(psp.pod) : apiDefaults(pod);
      for (const obj of [subject, asDeployment(subject)]) {
        const verdicts = vaps.map((v) =>
          evaluateVap(v, { ...obj, metadata: { ...obj.metadata, namespace } }, { namespace }),
        );
        const allowed = verdicts.every((v) => v.allowed);
        t.is(
          allowed,
          psp.admitted,
          `${namespace}: ${label}: PSP ${psp.admitted ? `admits (${psp.policy})` : `refuses: ${psp.reasons.join('; ')}`}; VAP ${allowed ? 'admits' : `refuses: ${verdicts.flatMap((v) => v.messages).join('; ')}`}`,
        );
        checked++;
      }
    }
  }
  t.true(checked > 500);
});

test('a policy nobody may use is reported, and its VAP left unbound', (t) => {
  const { policies } = renderedCluster();
  const r = buildMigration(
    policies.filter((p) => p.metadata.name === 'restricted'),
    [],
    30,
    'all',
  );
  t.deepEqual(r.policies[0].namespaces, []);
  t.deepEqual(
    r.objects.map((o) => o.kind),
    ['ValidatingAdmissionPolicy'],
  );
  t.regex(r.notes[0], /no RBAC in the input grants use of PodSecurityPolicy restricted/);
  t.deepEqual(r.namespaces, []);
});
