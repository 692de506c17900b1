/**
 * The API server's discovery, as far as kubestrap's manifests reach: which kinds
 * exist (in which group/version, from which minor to which), their resource names
 * and short names, and whether they are namespaced.
 */

export interface ResourceInfo {
  kind: string;
  group: string;
  plural: string;
  singular: string;
  short: string[];
  namespaced: boolean;
  /** version -> [first minor, last minor] served. */
  versions: Record<string, [number, number]>;
}

const ALWAYS: [number, number] = [0, 99];

const R = (
  kind: string,
  group: string,
  plural: string,
  namespaced: boolean,
  versions: Record<string, [number, number]>,
  short: string[] = [],
): ResourceInfo => ({ kind, group, plural, singular: kind.toLowerCase(), short, namespaced, versions });

export const RESOURCES: ResourceInfo[] = [
  R('Pod', '', 'pods', true, { v1: ALWAYS }, ['po']),
  R('Node', '', 'nodes', false, { v1: ALWAYS }, ['no']),
  R('Namespace', '', 'namespaces', false, { v1: ALWAYS }, ['ns']),
  R('ServiceAccount', '', 'serviceaccounts', true, { v1: ALWAYS }, ['sa']),
  R('ConfigMap', '', 'configmaps', true, { v1: ALWAYS }, ['cm']),
  R('Secret', '', 'secrets', true, { v1: ALWAYS }),
  R('Service', '', 'services', true, { v1: ALWAYS }, ['svc']),
  R('Endpoints', '', 'endpoints', true, { v1: ALWAYS }, ['ep']),
  R('Event', '', 'events', true, { v1: ALWAYS }, ['ev']),
  R('LimitRange', '', 'limitranges', true, { v1: ALWAYS }, ['limits']),
  R('ResourceQuota', '', 'resourcequotas', true, { v1: ALWAYS }, ['quota']),
  R('PersistentVolumeClaim', '', 'persistentvolumeclaims', true, { v1: ALWAYS }, ['pvc']),
  R('PersistentVolume', '', 'persistentvolumes', false, { v1: ALWAYS }, ['pv']),
  R('DaemonSet', 'apps', 'daemonsets', true, { v1: [9, 99], v1beta2: [8, 15] }, ['ds']),
  R('Deployment', 'apps', 'deployments', true, { v1: [9, 99], v1beta1: [6, 15], v1beta2: [8, 15] }, ['deploy']),
  R('ReplicaSet', 'apps', 'replicasets', true, { v1: [9, 99] }, ['rs']),
  R('StatefulSet', 'apps', 'statefulsets', true, { v1: [9, 99] }, ['sts']),
  R('ControllerRevision', 'apps', 'controllerrevisions', true, { v1: [9, 99] }),
  R('Job', 'batch', 'jobs', true, { v1: ALWAYS }),
  R('CronJob', 'batch', 'cronjobs', true, { v1: [21, 99], v1beta1: [8, 24] }, ['cj']),
  R('PodSecurityPolicy', 'policy', 'podsecuritypolicies', false, { v1beta1: [10, 24] }, ['psp']),
  R('PodDisruptionBudget', 'policy', 'poddisruptionbudgets', true, { v1: [21, 99], v1beta1: [5, 24] }, ['pdb']),
  R('Role', 'rbac.authorization.k8s.io', 'roles', true, { v1: [8, 99], v1beta1: [6, 21] }),
  R('ClusterRole', 'rbac.authorization.k8s.io', 'clusterroles', false, { v1: [8, 99], v1beta1: [6, 21] }),
  R('RoleBinding', 'rbac.authorization.k8s.io', 'rolebindings', true, { v1: [8, 99], v1beta1: [6, 21] }),
  R('ClusterRoleBinding', 'rbac.authorization.k8s.io', 'clusterrolebindings', false, { v1: [8, 99], v1beta1: [6, 21] }),
  R('NetworkPolicy', 'networking.k8s.io', 'networkpolicies', true, { v1: [7, 99] }, ['netpol']),
  R('Ingress', 'networking.k8s.io', 'ingresses', true, { v1: [19, 99], v1beta1: [14, 21] }, ['ing']),
  R('IngressClass', 'networking.k8s.io', 'ingressclasses', false, { v1: [19, 99], v1beta1: [18, 21] }),
  R('PriorityClass', 'scheduling.k8s.io', 'priorityclasses', false, { v1: [14, 99], v1beta1: [11, 21] }, ['pc']),
  R('Lease', 'coordination.k8s.io', 'leases', true, { v1: [14, 99] }),
  R('RuntimeClass', 'node.k8s.io', 'runtimeclasses', false, { v1: [20, 99], v1beta1: [14, 24] }),
  R(
    'CustomResourceDefinition',
    'apiextensions.k8s.io',
    'customresourcedefinitions',
    false,
    { v1: [16, 99], v1beta1: [7, 21] },
    ['crd', 'crds'],
  ),
  R('ValidatingWebhookConfiguration', 'admissionregistration.k8s.io', 'validatingwebhookconfigurations', false, {
    v1: [16, 99],
    v1beta1: [9, 21],
  }),
  R('MutatingWebhookConfiguration', 'admissionregistration.k8s.io', 'mutatingwebhookconfigurations', false, {
    v1: [16, 99],
    v1beta1: [9, 21],
  }),
  R('ValidatingAdmissionPolicy', 'admissionregistration.k8s.io', 'validatingadmissionpolicies', false, {
    v1: [30, 99],
  }),
  R('ValidatingAdmissionPolicyBinding', 'admissionregistration.k8s.io', 'validatingadmissionpolicybindings', false, {
    v1: [30, 99],
  }),
];

// Kinds served under extensions/v1beta1 in old clusters.
const EXT: Record<string, [number, number]> = {
  DaemonSet: [0, 15],
  Deployment: [0, 15],
  ReplicaSet: [0, 15],
  PodSecurityPolicy: [0, 15],
  Ingress: [0, 21],
  NetworkPolicy: [0, 15],
};

export function byKind(kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

/** The resource for `apiVersion`/`kind` on a minor's API server, or undefined ("no matches for kind"). */
export function resolveKind(apiVersion: string, kind: string, minor: number): ResourceInfo | undefined {
  const r = byKind(kind);
  if (!r) return undefined;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  if (group === 'extensions' && version === 'v1beta1') {
    const span = EXT[kind];
    return span && minor >= span[0] && minor <= span[1] ? r : undefined;
  }
  if (group !== r.group) return undefined;
  const span = r.versions[version];
  return span && minor >= span[0] && minor <= span[1] ? r : undefined;
}

/** Whether the kind is served at all on this minor (any version). */
export function servedOn(r: ResourceInfo, minor: number): boolean {
  return Object.values(r.versions).some(([a, b]) => minor >= a && minor <= b);
}

/** A resource argument as kubectl takes it: `pods`, `pod`, `po`, `podsecuritypolicies.policy`, `deployment.apps`. */
export function resolveResourceArg(arg: string, minor: number): ResourceInfo | undefined {
  const a = arg.toLowerCase();
  const dot = a.indexOf('.');
  const name = dot >= 0 ? a.slice(0, dot) : a;
  const group = dot >= 0 ? a.slice(dot + 1) : undefined;
  const r = RESOURCES.find(
    (x) =>
      (x.plural === name || x.singular === name || x.short.includes(name)) &&
      (group === undefined ||
        x.group === group ||
        (x.group !== '' && group.endsWith(`.${x.group}`)) ||
        (x.group === '' && group === 'v1')),
  );
  return r && servedOn(r, minor) ? r : undefined;
}

/** `podsecuritypolicy.policy`, `namespace`, `daemonset.apps`: the prefix kubectl's name printer uses. */
export function nameKind(r: ResourceInfo): string {
  return r.group ? `${r.singular}.${r.group}` : r.singular;
}

/** `podsecuritypolicies.policy`, `namespaces`: the prefix NotFound messages use. */
export function qualifiedPlural(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function objKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** The preferred apiVersion a kind is stored and printed in on a minor. */
export function preferredApiVersion(r: ResourceInfo, minor: number): string {
  const order = ['v1', 'v1beta2', 'v1beta1'];
  for (const v of order) {
    const span = r.versions[v];
    if (span && minor >= span[0] && minor <= span[1]) return r.group ? `${r.group}/${v}` : v;
  }
  return r.group ? `${r.group}/${Object.keys(r.versions)[0]}` : 'v1';
}
