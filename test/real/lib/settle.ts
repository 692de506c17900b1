/**
 * Admission plugins and the RBAC authorizer decide from informer caches, which lag the
 * objects just created by a few milliseconds to seconds. Each informer delivers events in
 * order, so once an object created *last* is seen to take effect, everything created before
 * it is in the caches too: settle() creates such a probe and waits for its effect.
 */
import { deadlineIn, waitFor } from '../../../src/exec/wait.js';
import { serviceAccount } from './api.js';
import type { RealCluster } from './cluster.js';
import { ensureServiceAccount } from './kubelet.js';

let n = 0;
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

export async function settle(cluster: RealCluster): Promise<void> {
  const api = cluster.api;
  const id = `settle-${process.pid}-${n++}`;
  const psp = cluster.minor <= 24;
  await api.mustCreate('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: id,
      labels: psp
        ? {}
        : { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'latest' },
    },
  });
  await ensureServiceAccount(api, id, 'default');
  const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }];
  if (psp) {
    // A policy only this namespace may use, that admits what every other policy here refuses.
    await api.mustCreate('/apis/policy/v1beta1/podsecuritypolicies', {
      apiVersion: 'policy/v1beta1',
      kind: 'PodSecurityPolicy',
      metadata: { name: `zz-${id}` },
      spec: {
        hostPID: true,
        privileged: true,
        volumes: ['*'],
        runAsUser: { rule: 'RunAsAny' },
        seLinux: { rule: 'RunAsAny' },
        supplementalGroups: { rule: 'RunAsAny' },
        fsGroup: { rule: 'RunAsAny' },
      },
    });
    rules.push({
      apiGroups: ['policy'],
      resources: ['podsecuritypolicies'],
      verbs: ['use'],
      resourceNames: [`zz-${id}`],
    } as any);
  }
  await api.mustCreate(`${RBAC}/namespaces/${id}/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'settle', namespace: id },
    rules,
  });
  await api.mustCreate(`${RBAC}/namespaces/${id}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'settle', namespace: id },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'settle' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: id }],
  });
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'settle', namespace: id },
    spec: {
      hostPID: true,
      automountServiceAccountToken: false,
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }],
    },
  };
  let last = '';
  await waitFor(
    async () => {
      const v = await api.create(`/api/v1/namespaces/${id}/pods`, pod, {
        as: serviceAccount(id, 'default'),
        dryRun: true,
      });
      last = v.admitted ? `admitted by ${v.object.metadata.annotations?.['kubernetes.io/psp']}` : (v.message ?? '');
      if (psp)
        return v.admitted && v.object.metadata.annotations?.['kubernetes.io/psp'] === `zz-${id}` ? true : undefined;
      return !v.admitted && /violates PodSecurity/.test(v.message ?? '') ? true : undefined;
    },
    deadlineIn(60),
    { what: 'the admission caches to catch up', minDelayMs: 50, maxDelayMs: 500 },
  ).catch((e) => {
    throw new Error(`${e.message} (last answer: ${last})`);
  });
}
