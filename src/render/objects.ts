/**
 * Small Kubernetes objects that several manifests share (namespaces, service
 * accounts, RBAC), each rendered from its template so the same object reads
 * the same wherever it appears: applying one file never undoes another.
 */
import { renderTemplate } from './handlebars.js';
import { MANAGED_BY } from './labels.js';
import type { PodSecurityPolicy } from '../k8s/psp.js';

export type Labels = Record<string, string>;

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export function groupSubject(name: string): Subject {
  return { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name };
}

export function serviceAccountSubject(namespace: string, name: string): Subject {
  return { kind: 'ServiceAccount', name, namespace };
}

/** `managed: false` for namespaces Kubernetes owns (kube-system): kubestrap labels them but does not claim them. */
export function namespaceDoc(name: string, extraLabels: Labels = {}, opts: { managed?: boolean } = {}): string {
  const labels = opts.managed === false ? { ...extraLabels } : { ...MANAGED_BY, ...extraLabels };
  return renderTemplate('common/namespace.yaml.hbs', { name, labels });
}

export function serviceAccountDoc(namespace: string, name: string): string {
  return renderTemplate('common/service-account.yaml.hbs', { namespace, name, labels: { ...MANAGED_BY } });
}

export function pspUseRoleDoc(opts: {
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
  policy: string;
  apiGroups: string[];
}): string {
  return renderTemplate('rbac/psp-use-role.yaml.hbs', { namespace: '', ...opts, labels: { ...MANAGED_BY } });
}

export function bindingDoc(opts: {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  subjects: Subject[];
}): string {
  return renderTemplate('rbac/binding.yaml.hbs', { namespace: '', ...opts, labels: { ...MANAGED_BY } });
}

export function pspDoc(policy: PodSecurityPolicy): string {
  const annotations = policy.metadata.annotations ?? {};
  return renderTemplate('pod-security/psp.yaml.hbs', {
    name: policy.metadata.name,
    labels: policy.metadata.labels ?? { ...MANAGED_BY },
    annotations,
    hasAnnotations: Object.keys(annotations).length > 0,
    spec: policy.spec,
  });
}

/** Joins rendered documents into one multi-document YAML file. */
export function joinDocs(docs: string[]): string {
  return docs.map((d) => d.replace(/\n*$/, '\n')).join('---\n');
}
