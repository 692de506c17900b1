/**
 * The first manifest `up` applies, right after `kubeadm init` and before the
 * CNI: with PodSecurityPolicy on, no pod (not even the control plane's mirror
 * pods or the CNI) is admitted until a policy exists that it may use.
 */
import type { ClusterConfig } from '../config/load.js';
import type { KubeObject, Namespace, Subject } from '../k8s/objects.js';
import { buildPolicy } from '../policy/psp/library.js';
import { pspRbacGroups } from '../versions.js';
import { groupSubject, namespaceObject, pspUseRole, roleBinding } from './objects.js';
import { pssLabels } from './pss-labels.js';

/** Namespaces that exist in every cluster from `kubeadm init`: kubestrap labels them but does not claim them. */
const PREEXISTING = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'default']);

/** The policy every authenticated user and service account may use. */
export function defaultPolicyName(cfg: ClusterConfig): string {
  return cfg.podSecurity.default;
}

/** Policies that 01-pod-security.yaml defines, in order. */
export function podSecurityPolicyNames(cfg: ClusterConfig): string[] {
  const def = defaultPolicyName(cfg);
  return def === 'privileged' ? ['privileged'] : [def, 'privileged'];
}

/**
 * A privileged namespace as both the pod-security and the CNI manifest render
 * it: identical, so applying one never strips the other's labels.
 */
export function privilegedNamespace(cfg: ClusterConfig, ns: string): Namespace | undefined {
  const labels = cfg.mode === 'pss' ? pssLabels('privileged', cfg.version.minor) : {};
  if (PREEXISTING.has(ns)) {
    // Only PSS mode has something to say about an existing namespace: its level.
    return cfg.mode === 'pss' ? namespaceObject(ns, labels, { managed: false }) : undefined;
  }
  return namespaceObject(ns, labels);
}

function privilegedSubjects(ns: string): Subject[] {
  const subjects = [groupSubject(`system:serviceaccounts:${ns}`)];
  // Mirror pods of the control plane are created by the kubelets, as members of system:nodes.
  if (ns === 'kube-system') subjects.unshift(groupSubject('system:nodes'));
  return subjects;
}

export function podSecurityObjects(cfg: ClusterConfig): KubeObject[] {
  const objects: KubeObject[] = [];
  const privileged = cfg.podSecurity.privilegedNamespaces;
  if (cfg.mode === 'pss') {
    for (const ns of privileged) {
      const o = privilegedNamespace(cfg, ns);
      if (o) objects.push(o);
    }
    return objects;
  }

  const minor = cfg.version.minor;
  const apiGroups = pspRbacGroups(minor);
  const names = podSecurityPolicyNames(cfg);
  for (const name of names) objects.push(buildPolicy(name, minor, cfg.policies));
  for (const name of names)
    objects.push(pspUseRole({ kind: 'ClusterRole', name: `psp:${name}`, policy: name, apiGroups }));

  const def = defaultPolicyName(cfg);
  objects.push(
    roleBinding({
      kind: 'ClusterRoleBinding',
      name: `psp:${def}`,
      roleKind: 'ClusterRole',
      roleName: `psp:${def}`,
      subjects: [groupSubject('system:authenticated'), groupSubject('system:serviceaccounts')],
    }),
  );

  // A RoleBinding, never a ClusterRoleBinding: controllers in kube-system create
  // pods in every namespace, and a cluster-wide grant would make all of them privileged.
  for (const ns of privileged) {
    const o = privilegedNamespace(cfg, ns);
    if (o) objects.push(o);
    objects.push(
      roleBinding({
        kind: 'RoleBinding',
        name: 'psp:privileged',
        namespace: ns,
        roleKind: 'ClusterRole',
        roleName: 'psp:privileged',
        subjects: privilegedSubjects(ns),
      }),
    );
  }
  return objects;
}
