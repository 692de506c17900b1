/**
 * Kubernetes objects as TypeScript data: the one definition of each kind kubestrap
 * builds or reads (PodSecurityPolicy: psp.ts). Objects are built as these values (render/, policy/psp/library.ts,
 * changes/) and turned into YAML once, by render/go-yaml.ts; objects read from a
 * cluster (`kubectl get -o json`) have the same types, with the fields kubestrap does
 * not model passing through.
 */
import type { PodSpec } from './pod.js';

export type Labels = Record<string, string>;

export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  generateName?: string;
  ownerReferences?: OwnerReference[];
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  [field: string]: unknown;
}

/** A document of a file a Kubernetes program reads: an API object, or a config file's (kubeadm's) without metadata. */
export interface KubeDocument {
  apiVersion: string;
  kind: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/**
 * Any object of the API: what kubectl prints and what kubestrap applies. Fields of a
 * spec or status read from a cluster are untrusted JSON: read them as unknown, checked.
 */
export interface KubeObject extends KubeDocument {
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** `kubectl get -o json` of several objects. */
export interface KubeList<T = KubeObject> {
  items: T[];
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Namespace extends KubeObject {
  apiVersion: 'v1';
  kind: 'Namespace';
}

export interface ServiceAccount extends KubeObject {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
}

export interface ConfigMap extends KubeObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  data?: Record<string, string>;
}

export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface Role extends KubeObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role' | 'ClusterRole';
  rules: PolicyRule[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
}

export interface RoleBinding extends KubeObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  roleRef: RoleRef;
  subjects: Subject[];
}

export interface DaemonSet extends KubeObject {
  apiVersion: 'apps/v1';
  kind: 'DaemonSet';
  spec: {
    selector: { matchLabels: Labels };
    template: { metadata: { labels: Labels }; spec: PodSpec };
  };
}

/** The condition of that type in the object's status (a Node's or Pod's Ready), if it has one. */
export function condition(o: KubeObject, type: string): Condition | undefined {
  const list = o.status?.conditions;
  if (!Array.isArray(list)) return undefined;
  return list.find((c): c is Condition => typeof c === 'object' && c !== null && (c as Condition).type === type);
}

export function conditionTrue(o: KubeObject, type: string): boolean {
  return condition(o, type)?.status === 'True';
}
