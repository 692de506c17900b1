/**
 * The small Kubernetes objects several manifests share (namespaces, service accounts,
 * the RBAC of pod security), built in one place so the same object is the same
 * wherever it appears: applying one file never undoes another. `up` renders them, and
 * the commands for running clusters apply the same ones.
 */
import { MANAGED_BY } from '../k8s/labels.js';
import {
  RBAC_API_GROUP,
  type Labels,
  type Namespace,
  type Role,
  type RoleBinding,
  type ServiceAccount,
  type Subject,
} from '../k8s/objects.js';

export function groupSubject(name: string): Subject {
  return { kind: 'Group', apiGroup: RBAC_API_GROUP, name };
}

export function serviceAccountSubject(namespace: string, name: string): Subject {
  return { kind: 'ServiceAccount', name, namespace };
}

/** `managed: false` for namespaces Kubernetes owns (kube-system): kubestrap labels them but does not claim them. */
export function namespaceObject(name: string, extraLabels: Labels = {}, opts: { managed?: boolean } = {}): Namespace {
  const labels = opts.managed === false ? { ...extraLabels } : { ...MANAGED_BY, ...extraLabels };
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** The metadata of an object kubestrap manages: its name, its namespace unless cluster-wide, the managed-by label. */
function managedMetadata(name: string, namespace?: string) {
  return { name, ...(namespace ? { namespace } : {}), labels: { ...MANAGED_BY } };
}

export function serviceAccountObject(namespace: string, name: string): ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: managedMetadata(name, namespace) };
}

/** Grants `use` of one PodSecurityPolicy; a binding decides who and where. */
export function pspUseRole(opts: {
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
  policy: string;
  apiGroups: string[];
}): Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: opts.kind,
    metadata: managedMetadata(opts.name, opts.namespace),
    rules: [
      {
        apiGroups: [...opts.apiGroups],
        resources: ['podsecuritypolicies'],
        verbs: ['use'],
        resourceNames: [opts.policy],
      },
    ],
  };
}

export function roleBinding(opts: {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  subjects: Subject[];
}): RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: opts.kind,
    metadata: managedMetadata(opts.name, opts.namespace),
    roleRef: { apiGroup: RBAC_API_GROUP, kind: opts.roleKind, name: opts.roleName },
    subjects: opts.subjects.map((s) => ({ ...s })),
  };
}
