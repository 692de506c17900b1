/**
 * `podSecurity.customPolicies: vap` (PSS mode, v1.30+): the tenants' policies that the
 * Pod Security Standards cannot express, as ValidatingAdmissionPolicies, each bound to
 * the namespaces of the tenants that use it (src/policy/migrate). The namespace keeps
 * its level (its labels), and the policy adds every rule of the PodSecurityPolicy
 * template that the level does not enforce: host path prefixes, ID ranges, volume types,
 * profiles. Applied by the tenants step, before the tenants' namespaces are created.
 */
import type { ClusterConfig } from '../config/load.js';
import type { KubeObject } from '../k8s/objects.js';
import { buildPolicy } from '../policy/psp/library.js';
import { levelForPolicy } from '../policy/pss/level-of-policy.js';
import { gapsAt } from '../policy/migrate/gaps.js';
import { vapObjects } from '../policy/migrate/vap.js';

/** The policies (by name, sorted) that get a ValidatingAdmissionPolicy, with their tenants' namespaces. */
export function tenantPolicyNamespaces(cfg: ClusterConfig): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (cfg.mode !== 'pss' || cfg.podSecurity.customPolicies !== 'vap') return out;
  for (const t of cfg.tenants) out.set(t.policy, [...(out.get(t.policy) ?? []), t.namespace]);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function tenantPolicyObjects(cfg: ClusterConfig): KubeObject[] {
  const minor = cfg.version.minor;
  const objects: KubeObject[] = [];
  for (const [name, namespaces] of tenantPolicyNamespaces(cfg)) {
    const psp = buildPolicy(name, minor, cfg.policies);
    const policy = { metadata: { name, annotations: psp.metadata.annotations }, spec: psp.spec };
    // Nothing to add where the namespace's level already enforces every rule of the policy.
    if (gapsAt(policy, levelForPolicy(name, cfg.policies, minor), minor).length === 0) continue;
    objects.push(...vapObjects({ policy, minor, namespaces }));
  }
  return objects;
}
