/**
 * What the kubelet and the controllers would post, since this tier runs no kubelet and no
 * controller-manager: the Node object and its Ready condition (through the status
 * subresource, as the node), mirror pods of the static pod manifests (as the node, with the
 * mirror annotation and the owner reference NodeRestriction requires), controller-made pods
 * (as the controller's service account), pod status, and the `default` service accounts the
 * service-account controller creates in every namespace.
 */
import { createHash } from 'node:crypto';
import { deadlineIn, waitFor } from '../../../src/exec/wait.js';
import { type Api, node as nodeIdentity, serviceAccount, type Verdict } from './api.js';

export const MIRROR = 'kubernetes.io/config.mirror';

export async function registerNode(api: Api, name: string): Promise<any> {
  return api.mustCreate(
    '/api/v1/nodes',
    {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
      },
    },
    nodeIdentity(name),
  );
}

export async function setNodeReady(api: Api, name: string, ready: boolean): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await api.patchStatus(
    `/api/v1/nodes/${name}`,
    {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: ready ? 'KubeletReady' : 'KubeletNotReady',
            message: ready
              ? 'kubelet is posting ready status'
              : 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    },
    nodeIdentity(name),
  );
}

/** The pod the kubelet posts for a static pod manifest. */
export function mirrorPodOf(manifest: any, nodeName: string, nodeUid: string): any {
  const pod = structuredClone(manifest);
  const hash = createHash('md5').update(JSON.stringify(manifest)).digest('hex');
  pod.metadata.name = `${manifest.metadata.name}-${nodeName}`;
  pod.metadata.namespace = manifest.metadata.namespace ?? 'kube-system';
  pod.metadata.annotations = {
    ...pod.metadata.annotations,
    [MIRROR]: hash,
    'kubernetes.io/config.hash': hash,
    'kubernetes.io/config.source': 'file',
    'kubernetes.io/config.seen': new Date().toISOString(),
  };
  pod.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid, controller: true }];
  pod.spec.nodeName = nodeName;
  delete pod.status;
  return pod;
}

/**
 * Creates (or dry-runs) a mirror pod as the node. NodeRestriction looks the node up in its
 * informer, which may not have seen a node registered a moment ago: retried on that only.
 */
export async function postMirrorPod(api: Api, pod: any, nodeName: string, dryRun = false): Promise<Verdict> {
  return waitFor(
    async () => {
      const v = await api.create(`/api/v1/namespaces/${pod.metadata.namespace}/pods`, pod, {
        as: nodeIdentity(nodeName),
        dryRun,
      });
      if (!v.admitted && v.status === 404 && /nodes? .*not found/i.test(v.message ?? '')) return undefined;
      return v;
    },
    deadlineIn(30),
    { what: `the node ${nodeName} to be known to NodeRestriction`, minDelayMs: 100 },
  );
}

/** A pod as a controller makes it from a workload's template. */
export function podFromTemplate(owner: any, ownerKind: string, template: any, nodeName?: string): any {
  const spec = structuredClone(template.spec);
  if (nodeName) spec.nodeName = nodeName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.metadata.name}-`,
      namespace: owner.metadata.namespace,
      labels: template.metadata?.labels,
      annotations: template.metadata?.annotations,
      ownerReferences: owner.metadata.uid
        ? [
            {
              apiVersion: owner.apiVersion,
              kind: ownerKind,
              name: owner.metadata.name,
              uid: owner.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ]
        : undefined,
    },
    spec,
  };
}

/** The service account each controller creates pods as (kube-controller-manager's --use-service-account-credentials). */
export function controllerIdentity(controller: 'daemon-set-controller' | 'replicaset-controller' | 'job-controller') {
  return serviceAccount('kube-system', controller);
}

export async function setPodRunning(api: Api, pod: any, nodeName: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const ready = { status: 'True', lastTransitionTime: now };
  await api.patchStatus(
    `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`,
    {
      status: {
        phase: 'Running',
        hostIP: '127.0.0.1',
        podIP: '127.0.0.1',
        startTime: now,
        conditions: [
          { type: 'Initialized', ...ready },
          { type: 'Ready', ...ready },
          { type: 'ContainersReady', ...ready },
          { type: 'PodScheduled', ...ready },
        ],
      },
    },
    nodeIdentity(nodeName),
  );
}

/**
 * The clusterrole-aggregation controller's work: admin, edit and view (and any other
 * ClusterRole with an aggregationRule) get the rules of the ClusterRoles their selectors
 * match. The API server creates them empty; without this no tenant bound to `edit` could
 * create a pod.
 */
export async function aggregateClusterRoles(api: Api): Promise<void> {
  const roles = (await api.get('/apis/rbac.authorization.k8s.io/v1/clusterroles')).items as any[];
  const matches = (labels: Record<string, string> | undefined, selector: any) =>
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
  for (const role of roles) {
    const selectors = role.aggregationRule?.clusterRoleSelectors;
    if (!selectors) continue;
    const rules: any[] = [];
    const seen = new Set<string>();
    for (const other of [...roles].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
      if (other.metadata.name === role.metadata.name) continue;
      if (!selectors.some((sel: any) => matches(other.metadata.labels, sel))) continue;
      for (const rule of other.rules ?? []) {
        const key = JSON.stringify(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(rule);
      }
    }
    const r = await api.request('PUT', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role.metadata.name}`, {
      ...role,
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      rules,
    });
    if (r.status !== 200)
      throw new Error(
        `aggregating ClusterRole ${role.metadata.name}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`,
      );
  }
}

/** The service-account controller's work: a `default` account in every namespace. */
export async function ensureDefaultServiceAccounts(api: Api): Promise<void> {
  const namespaces = await api.get('/api/v1/namespaces');
  for (const ns of namespaces.items) {
    await ensureServiceAccount(api, ns.metadata.name, 'default');
  }
}

export async function ensureServiceAccount(api: Api, namespace: string, name: string): Promise<void> {
  await api.mustCreate(`/api/v1/namespaces/${namespace}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace },
  });
}
