/**
 * `kubestrap policy migrate` as data: for each PodSecurityPolicy its Pod Security
 * Standards mapping, defaults and gaps, its ValidatingAdmissionPolicy, the namespaces
 * that used it; for each namespace the labels to set and the dry run that checks the
 * live pods first. The text for people is text.ts.
 */
import type { PolicyObject } from '../psp/provider.js';
import type { RbacObject } from '../rbac.js';
import { policyRules, type CelValidation, type PolicyRules } from './cel.js';
import { gapsAt, mutatingDefaults, type Gap, type MutatingDefault } from './gaps.js';
import type { PssLevel } from '../../k8s/pss.js';
import { looser, mapToPss, type RowVerdict } from './pss-mapping.js';
import { ALL_NAMESPACES, policiesByNamespace, policyUsage, type Grant } from './usage.js';
import type { KubeObject } from '../../k8s/objects.js';
import { vapApiVersion, vapName, vapObjects, type Alternative } from './vap.js';

export type MigrateTarget = 'pss' | 'vap' | 'all';

/** MutatingAdmissionPolicy by minor (KEP-3962): alpha v1alpha1 in 1.32, beta v1beta1 in 1.34 (off by default), GA v1 in 1.36. */
export function mutatingAdmissionPolicyApi(
  minor: number,
): { apiVersion: string; servedByDefault: boolean } | undefined {
  if (minor >= 36) return { apiVersion: 'admissionregistration.k8s.io/v1', servedByDefault: true };
  if (minor >= 34) return { apiVersion: 'admissionregistration.k8s.io/v1beta1', servedByDefault: false };
  if (minor >= 32) return { apiVersion: 'admissionregistration.k8s.io/v1alpha1', servedByDefault: false };
  return undefined;
}

export interface PolicyPss {
  level: PssLevel;
  target: PssLevel;
  rows: RowVerdict[];
  newlyRefused: string[];
  /** Validating rules the target level does not enforce. */
  notEnforced: Gap[];
}

export interface PolicyVap {
  name: string;
  apiVersion: string;
  validations: Pick<CelValidation, 'id' | 'field' | 'message'>[];
  approximations: string[];
  /** False when the policy admits every pod (nothing to enforce). */
  emitted: boolean;
  /** Namespaces its binding selects (`*`: every namespace); empty: not bound (no RBAC grants it). */
  namespaces: string[];
  /** Other policies the binding's rules let pods through for (PSP admitted a pod any usable policy admitted). */
  orWith: string[];
}

export interface PolicyReport {
  name: string;
  /** Namespaces whose pods could use it (`*`: every namespace). */
  namespaces: string[];
  grants: Omit<Grant, 'policy'>[];
  /** Grants to people or other groups: a namespace-wide rule cannot follow a requester. */
  notCarried: Omit<Grant, 'policy'>[];
  mutatingDefaults: MutatingDefault[];
  pss?: PolicyPss;
  vap?: PolicyVap;
}

export interface NamespaceReport {
  /** A namespace, or `*` for every namespace without its own entry. */
  namespace: string;
  policies: string[];
  /** Admits everything those policies admitted. */
  level: PssLevel;
  /** What to enforce once the dry run is clean. */
  target: PssLevel;
  labels: Record<string, string>;
  /** `kubectl label --dry-run=server ...`: lists the live pods the target refuses. */
  dryRun: string[];
  /** The command that sets the labels. */
  apply: string[];
}

export interface MigrationReport {
  kubernetesVersion: string;
  to: MigrateTarget;
  policies: PolicyReport[];
  namespaces: NamespaceReport[];
  /** The Kubernetes objects (--to vap|all). */
  objects: KubeObject[];
  notes: string[];
}

const LABEL = 'pod-security.kubernetes.io';

export function pssLabelsFor(level: PssLevel, minor: number): Record<string, string> {
  const v = `v1.${minor}`;
  return {
    [`${LABEL}/enforce`]: level,
    [`${LABEL}/enforce-version`]: v,
    [`${LABEL}/audit`]: level,
    [`${LABEL}/audit-version`]: v,
    [`${LABEL}/warn`]: level,
    [`${LABEL}/warn-version`]: v,
  };
}

function selectNamespaces(ns: string, others: readonly string[]): string[] {
  if (ns !== ALL_NAMESPACES) return ['ns', ns];
  if (others.length === 0) return ['ns', '--all'];
  return ['ns', '-l', `kubernetes.io/metadata.name notin (${[...others].sort().join(',')})`];
}

export function buildMigration(
  policyObjects: readonly PolicyObject[],
  rbac: readonly RbacObject[],
  minor: number,
  to: MigrateTarget,
): MigrationReport {
  const names = policyObjects.map((p) => p.metadata.name);
  const usage = policyUsage(names, rbac);
  const byNs = policiesByNamespace(usage.grants);
  const wantPss = to !== 'vap';
  const wantVap = to !== 'pss';
  const notes: string[] = [];

  const mappings = new Map(policyObjects.map((p) => [p.metadata.name, mapToPss(p)]));
  const rules = new Map<string, PolicyRules>();
  if (wantVap) for (const p of policyObjects) rules.set(p.metadata.name, policyRules(p, minor));

  const namespacesOf = (policy: string): string[] => {
    const ns = new Set(usage.grants.filter((g) => g.policy === policy).map((g) => g.namespace));
    return ns.has(ALL_NAMESPACES) ? [ALL_NAMESPACES] : [...ns].sort();
  };

  const objects: KubeObject[] = [];
  const policies: PolicyReport[] = policyObjects.map((p) => {
    const name = p.metadata.name;
    const m = mappings.get(name)!;
    const namespaces = namespacesOf(name);
    const strip = (g: Grant) => ({ namespace: g.namespace, subject: g.subject, binding: g.binding });
    const report: PolicyReport = {
      name,
      namespaces,
      grants: usage.grants.filter((g) => g.policy === name).map(strip),
      notCarried: usage.notCarried.filter((g) => g.policy === name).map(strip),
      mutatingDefaults: mutatingDefaults(p),
    };
    if (wantPss) {
      report.pss = {
        level: m.level,
        target: m.target,
        rows: m.rows,
        newlyRefused: m.newlyRefused,
        notEnforced: gapsAt(p, m.target, minor),
      };
    }
    if (wantVap) {
      const r = rules.get(name)!;
      // Other policies usable where this one is bound.
      const alternatives: Alternative[] = [];
      const orWith: string[] = [];
      for (const other of policyObjects) {
        const o = other.metadata.name;
        if (o === name) continue;
        const theirs = namespacesOf(o);
        const overlap = theirs.includes(ALL_NAMESPACES)
          ? namespaces.length > 0
          : namespaces.includes(ALL_NAMESPACES)
            ? theirs.length > 0
            : theirs.some((n) => namespaces.includes(n));
        if (!overlap) continue;
        alternatives.push({ rules: rules.get(o)!, namespaces: theirs });
        orWith.push(o);
      }
      const docs = vapObjects({ policy: p, minor, namespaces, alternatives, rules: r });
      objects.push(...docs);
      report.vap = {
        name: vapName(name),
        apiVersion: vapApiVersion(minor)!,
        validations: r.validations.map((v) => ({ id: v.id, field: v.field, message: v.message })),
        approximations: r.approximations,
        emitted: docs.length > 0,
        namespaces: docs.length > 1 ? namespaces : [],
        orWith,
      };
    }
    return report;
  });

  const namespaces: NamespaceReport[] = [];
  if (wantPss) {
    const own = [...byNs.keys()].filter((n) => n !== ALL_NAMESPACES);
    const ordered = [...own.sort(), ...(byNs.has(ALL_NAMESPACES) ? [ALL_NAMESPACES] : [])];
    for (const ns of ordered) {
      const used = [...byNs.get(ns)!].sort();
      let level: PssLevel = 'restricted';
      let target: PssLevel = 'restricted';
      for (const u of used) {
        level = looser(level, mappings.get(u)!.level);
        target = looser(target, mappings.get(u)!.target);
      }
      const labels = pssLabelsFor(target, minor);
      const sel = selectNamespaces(ns, own);
      namespaces.push({
        namespace: ns,
        policies: used,
        level,
        target,
        labels,
        dryRun: [
          'kubectl',
          'label',
          '--dry-run=server',
          '--overwrite',
          ...sel,
          `${LABEL}/enforce=${target}`,
          `${LABEL}/enforce-version=v1.${minor}`,
        ],
        apply: ['kubectl', 'label', '--overwrite', ...sel, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)],
      });
    }
  }

  for (const p of policies) {
    if (p.namespaces.length === 0) {
      notes.push(
        `no RBAC in the input grants use of PodSecurityPolicy ${p.name} to service accounts: ${wantVap ? 'its ValidatingAdmissionPolicy is not bound and ' : ''}no namespace labels follow from it (add the Roles, ClusterRoles and bindings: kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A -o yaml)`,
      );
    }
  }
  if (wantVap) {
    if (minor < 30)
      notes.push(
        `v1.${minor} serves ValidatingAdmissionPolicy as admissionregistration.k8s.io/v1beta1, off by default: start kube-apiserver with --feature-gates=ValidatingAdmissionPolicy=true --runtime-config=admissionregistration.k8s.io/v1beta1=true`,
      );
    const map = mutatingAdmissionPolicyApi(minor);
    const defaults = policies.some((p) => p.mutatingDefaults.length > 0);
    if (defaults) {
      notes.push(
        map
          ? `MutatingAdmissionPolicy is ${map.servedByDefault ? 'served' : 'available behind the MutatingAdmissionPolicy feature gate'} on v1.${minor} (${map.apiVersion}); kubestrap does not generate one: PodSecurityPolicy preferred a policy that left the pod unchanged over one that would default it, which a mutating policy cannot know, and the capability and supplementalGroups lists are atomic, which apply configurations may not merge. The ValidatingAdmissionPolicy refuses pods that miss a default instead: set the defaults listed above in the workloads`
          : `v1.${minor} has no MutatingAdmissionPolicy (alpha from v1.32, GA from v1.36): set the defaults listed above in the workloads; the ValidatingAdmissionPolicy refuses pods that miss one`,
      );
    }
  }
  return { kubernetesVersion: `v1.${minor}`, to, policies, namespaces, objects, notes };
}
