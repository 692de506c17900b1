/**
 * ValidatingAdmissionPolicy objects that enforce a PodSecurityPolicy's validating rules:
 * one policy (`psp-<name>`) with the rules of cel.ts for pods and the pod templates of
 * Deployments, DaemonSets, StatefulSets, ReplicaSets, Jobs and CronJobs, and one binding
 * (validationActions [Deny]) scoped to the namespaces that used the PodSecurityPolicy.
 *
 * PodSecurityPolicy admitted a pod when *any* usable policy admitted it. Where a
 * namespace could use several policies, each generated policy therefore passes a pod that
 * another policy usable in the pod's namespace admits (`variables.admittedByAnotherPolicy`),
 * so the bindings together keep that "any of them" meaning instead of requiring all.
 *
 * API versions (KEP-3488; the Kubernetes docs page "Validating Admission Policy"): admissionregistration.k8s.io/v1 from v1.30
 * (GA), v1beta1 on v1.28 and v1.29 (beta: off by default, it needs the
 * ValidatingAdmissionPolicy feature gate and --runtime-config=admissionregistration.k8s.io/v1beta1=true),
 * nothing usable before (v1alpha1 on 1.26-1.27 lacks variables).
 */
import { MANAGED_BY } from '../../render/labels.js';
import { FIRST_VAP_GA_MINOR, FIRST_VAP_MINOR, vapApiVersion } from '../../versions.js';
import type { PolicyObject } from '../psp/provider.js';
import { ALL_NAMESPACES } from './usage.js';
import {
  admitsAll,
  celString,
  MATCHED_RESOURCES,
  POD_VARIABLES,
  policyRules,
  type CelVariable,
  type PolicyRules,
} from './cel.js';

export { FIRST_VAP_MINOR, FIRST_VAP_GA_MINOR, vapApiVersion };

/** The annotation that names the PodSecurityPolicy a generated object came from. */
export const SOURCE_ANNOTATION = 'kubestrap.io/podsecuritypolicy';

export type KubeDoc = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
};

export function vapName(policy: string): string {
  return `psp-${policy}`;
}

/** Another policy usable in some of this policy's namespaces. */
export interface Alternative {
  rules: PolicyRules;
  /** Namespaces where it is usable, or [`*`]. */
  namespaces: readonly string[];
}

export interface VapInput {
  policy: PolicyObject;
  minor: number;
  /** Namespaces the binding selects, or [`*`] for every namespace. */
  namespaces: readonly string[];
  alternatives?: readonly Alternative[];
  /** Precomputed rules (policyRules(policy, minor) otherwise). */
  rules?: PolicyRules;
}

function namespaceCondition(namespaces: readonly string[]): string {
  if (namespaces.includes(ALL_NAMESPACES)) return 'true';
  return `request.namespace in [${namespaces.map(celString).join(', ')}]`;
}

/** `variables.admittedByAnotherPolicy`: another policy usable in the request's namespace admits the object. */
export function alternativeVariable(alternatives: readonly Alternative[]): CelVariable | undefined {
  if (alternatives.length === 0) return undefined;
  const terms = alternatives.map((a) => {
    const ns = namespaceCondition(a.namespaces);
    const all = admitsAll(a.rules);
    if (ns === 'true') return `(${all})`;
    if (all === 'true') return `(${ns})`;
    return `(${ns} && ${all})`;
  });
  return { name: 'admittedByAnotherPolicy', expression: terms.join(' || ') };
}

/**
 * The policy and its binding; none when the policy has no rule to enforce (it admits
 * every pod, so there is nothing for a ValidatingAdmissionPolicy to refuse), and the
 * policy alone when no namespace is known to use it (bind it yourself).
 */
export function vapObjects(input: VapInput): KubeDoc[] {
  const apiVersion = vapApiVersion(input.minor);
  if (!apiVersion) throw new Error(`ValidatingAdmissionPolicy is not served on v1.${input.minor}`);
  const rules = input.rules ?? policyRules(input.policy, input.minor);
  if (rules.validations.length === 0) return [];
  const name = vapName(input.policy.metadata.name);
  const alt = alternativeVariable(input.alternatives ?? []);
  const guard = (e: string) => (alt ? `variables.${alt.name} || (${e})` : e);
  const metadata = {
    name,
    labels: { ...MANAGED_BY },
    annotations: { [SOURCE_ANNOTATION]: input.policy.metadata.name },
  };
  const policy: KubeDoc = {
    apiVersion,
    kind: 'ValidatingAdmissionPolicy',
    metadata,
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: MATCHED_RESOURCES.map((r) => ({
          apiGroups: [r.group],
          apiVersions: [r.version],
          operations: ['CREATE', 'UPDATE'],
          resources: [...r.resources],
        })),
      },
      variables: [...POD_VARIABLES, ...(alt ? [alt] : [])].map((v) => ({ name: v.name, expression: v.expression })),
      validations: rules.validations.map((v) => ({
        expression: guard(v.expression),
        message: v.message,
        ...(v.messageExpression ? { messageExpression: v.messageExpression } : {}),
        reason: 'Forbidden',
      })),
    },
  };
  if (input.namespaces.length === 0) return [policy];
  const wide = input.namespaces.includes(ALL_NAMESPACES);
  const binding: KubeDoc = {
    apiVersion,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels: { ...MANAGED_BY }, annotations: { [SOURCE_ANNOTATION]: input.policy.metadata.name } },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      ...(wide
        ? {}
        : {
            matchResources: {
              namespaceSelector: {
                matchExpressions: [
                  { key: 'kubernetes.io/metadata.name', operator: 'In', values: [...input.namespaces].sort() },
                ],
              },
            },
          }),
    },
  };
  return [policy, binding];
}
