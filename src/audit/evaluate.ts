/**
 * The audit's verdicts, from the offline engines: for every pod and every
 * workload's pod template, which PodSecurityPolicy admits it (and what that policy
 * changes) or why none does, as Kubernetes 1.24's admission controller decides
 * it; and, in Pod Security Standards mode, whether it meets its namespace's
 * enforce level. A proposed change is judged on the snapshot as it would be after it
 * (changes/simulate.ts builds that), so the same subjects are judged before and after.
 *
 * Who creates a pod matters for PodSecurityPolicy: the pod's service account OR the
 * requester must be allowed to `use` a policy. Pods that controllers create are
 * created by the controller's service account (kubeadm runs the controller manager
 * with --use-service-account-credentials), mirror pods by the node; a bare pod by
 * whoever creates it, which the cluster does not record: only its service account
 * counts here.
 */
import { UserError } from '../errors.js';
import { changes as podChanges } from '../policy/diff.js';
import { classify, type PodInput } from '../policy/objects.js';
import { PspAdmission, VALIDATED_PSP_ANNOTATION, withoutPspAnnotation } from '../policy/psp/admission.js';
import { applyApiDefaults } from '../policy/psp/api-defaults.js';
import { podServiceAccount, type Pod } from '../policy/psp/pod.js';
import type { PolicyObject } from '../policy/psp/provider.js';
import { evaluatePss, formatPssVersion, parsePssVersion } from '../policy/pss/evaluate.js';
import type { PssVersion } from '../policy/pss/types.js';
import {
  impersonatedUser,
  policyUseAuthorizer,
  RbacAuthorizer,
  type RbacObject,
  type UserInfo,
} from '../policy/rbac.js';
import { isPssLevel, type PssLevel } from '../k8s/pss.js';
import type { KubeObject } from '../k8s/objects.js';
import { isMirrorPod, WORKLOAD_KINDS, type ClusterSnapshot } from './snapshot.js';

export interface Subject {
  /** Pod, or the workload kind for a pod template. */
  kind: string;
  namespace: string;
  name: string;
  /** For pods: the controller that owns it, `ReplicaSet/web-5d4f`. */
  owner?: string;
  mirror: boolean;
  serviceAccount: string;
  /** Who (re)creates the pod besides its service account; undefined for bare pods. */
  requester?: UserInfo;
  /** The same in words: `replicaset-controller`, `node cp`, `its creator (not recorded)`. */
  createdBy: string;
  /** The policy that admitted a running pod (its kubernetes.io/psp annotation). */
  admittedBy?: string;
  input: PodInput;
}

export interface PspVerdict {
  mode: 'psp';
  /** The PodSecurityPolicy plugin is on in this state. */
  enforced: boolean;
  /** What the admission controller decides (whether or not the plugin is on). */
  admitted: boolean;
  policy: string | null;
  /** What the admitting policy changes in the pod. */
  changes: string[];
  reasons: string[];
  message: string | null;
  /** Consequences a person should know about (a forced runAsNonRoot, ...). */
  warnings: string[];
}

export interface PssVerdict {
  mode: 'pss';
  enforced: boolean;
  admitted: boolean;
  level: PssLevel;
  version: string;
  exempt: boolean;
  violations: { check: string; message: string }[];
  warnings: string[];
}

export type Verdict = PspVerdict | PssVerdict;

/** Whether the pod gets in: the plugin is off, or it admits the pod. */
export function effectivelyAdmitted(v: Verdict): boolean {
  return !v.enforced || v.admitted;
}

export interface NamespaceLevel {
  namespace: string;
  level: PssLevel;
  version: string;
  /** label | default (the admission configuration) | exempt */
  source: 'label' | 'default' | 'exempt';
}

const CONTROLLER_OF: Record<string, string> = {
  ReplicaSet: 'replicaset-controller',
  DaemonSet: 'daemon-set-controller',
  StatefulSet: 'statefulset-controller',
  Job: 'job-controller',
  ReplicationController: 'replication-controller',
  // Workload templates: the controller that creates their pods.
  Deployment: 'replicaset-controller',
  CronJob: 'job-controller',
};

function controllerUser(controller: string): UserInfo {
  return impersonatedUser(`system:serviceaccount:kube-system:${controller}`);
}

function nodeUser(node: string): UserInfo {
  return { name: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] };
}

function controllerRef(o: KubeObject): { kind: string; name: string } | undefined {
  return (o.metadata.ownerReferences ?? []).find((r) => r.controller) ?? undefined;
}

function running(o: KubeObject): boolean {
  const phase = o.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * The pods and pod templates to judge: every pod that has not finished, and every
 * workload that no other workload owns (a Deployment's ReplicaSets and a CronJob's
 * Jobs are judged through their owner). Objects the engines cannot read are noted.
 */
export function collectSubjects(snapshot: ClusterSnapshot): Subject[] {
  const out: Subject[] = [];
  const workloads = new Set<string>(WORKLOAD_KINDS);
  for (const o of snapshot.objects) {
    const isPod = o.kind === 'Pod';
    if (!isPod && !workloads.has(o.kind)) continue;
    if (isPod && !running(o)) continue;
    const owner = controllerRef(o);
    if (!isPod && owner && workloads.has(owner.kind)) continue;
    let input: PodInput;
    try {
      // Judged as the pod would be created again: without the policy that admitted it last time.
      const { [VALIDATED_PSP_ANNOTATION]: _, ...annotations } = o.metadata.annotations ?? {};
      const fresh =
        isPod && o.metadata.annotations?.[VALIDATED_PSP_ANNOTATION] !== undefined
          ? { ...o, metadata: { ...o.metadata, annotations } }
          : o;
      const c = classify({ obj: fresh, file: 'cluster', line: 0 });
      if (c.type !== 'pod') continue;
      input = c;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      snapshot.notes.push(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: cannot be judged: ${e.message}`);
      continue;
    }
    const mirror = isMirrorPod(o);
    let requester: UserInfo | undefined;
    let createdBy: string;
    if (mirror) {
      const node = String(o.spec?.nodeName ?? owner?.name ?? '');
      requester = nodeUser(node);
      createdBy = `node ${node} (mirror pod)`;
    } else if (isPod ? owner && CONTROLLER_OF[owner.kind] : CONTROLLER_OF[o.kind]) {
      const controller = isPod ? CONTROLLER_OF[owner!.kind] : CONTROLLER_OF[o.kind];
      requester = controllerUser(controller);
      createdBy = controller;
    } else if (isPod && owner) {
      createdBy = `${owner.kind} ${owner.name} (its controller's identity is not known: only the service account counts)`;
    } else {
      createdBy = isPod ? 'its creator (not recorded: only the service account counts)' : 'its controller';
    }
    out.push({
      kind: o.kind,
      namespace: input.namespace,
      name: input.name,
      owner: isPod && owner ? `${owner.kind}/${owner.name}` : undefined,
      mirror,
      serviceAccount: podServiceAccount(input.pod.spec),
      requester,
      createdBy,
      admittedBy: isPod ? o.metadata.annotations?.[VALIDATED_PSP_ANNOTATION] : undefined,
      input,
    });
  }
  return out;
}

// ------------------------------------------------------------------ PodSecurityPolicy

/**
 * A policy that forces runAsNonRoot on a container that names no user: the kubelet
 * starts it only if its image's user is not root.
 */
function rootWarnings(input: Pod, admitted: Pod): string[] {
  const eff = (pod: Pod, i: number, key: 'runAsNonRoot' | 'runAsUser') => {
    const c = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])][i];
    return c?.securityContext?.[key] ?? pod.spec?.securityContext?.[key] ?? null;
  };
  const n = (admitted.spec?.initContainers ?? []).length + (admitted.spec?.containers ?? []).length;
  for (let i = 0; i < n; i++) {
    if (
      eff(admitted, i, 'runAsNonRoot') === true &&
      eff(input, i, 'runAsNonRoot') !== true &&
      eff(admitted, i, 'runAsUser') === null
    ) {
      return [
        'the policy sets runAsNonRoot: the kubelet will refuse to start a container whose image runs as root (CreateContainerConfigError); set runAsUser, or use an image with a non-root USER',
      ];
    }
  }
  return [];
}

export function pspJudge(snapshot: ClusterSnapshot): (s: Subject) => PspVerdict {
  const policies: PolicyObject[] = [];
  const rbac: RbacObject[] = [];
  for (const o of snapshot.objects) {
    if (
      o.kind !== 'PodSecurityPolicy' &&
      o.kind !== 'Role' &&
      o.kind !== 'ClusterRole' &&
      o.kind !== 'RoleBinding' &&
      o.kind !== 'ClusterRoleBinding'
    )
      continue;
    try {
      const c = classify({ obj: o, file: 'cluster', line: 0 });
      if (c.type === 'psp') policies.push(c.policy);
      else if (c.type === 'rbac') rbac.push(c.object);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      snapshot.notes.push(`${o.kind} ${o.metadata.name}: ignored: ${e.message}`);
    }
  }
  const admission = new PspAdmission(policies);
  const authz = new RbacAuthorizer(rbac);
  const enforced = snapshot.apiServer?.flags.psp ?? false;
  const authorizers = new Map<string, ReturnType<typeof policyUseAuthorizer>>();
  const authorizerFor = (requester: UserInfo | undefined) => {
    const k = requester?.name ?? '';
    let a = authorizers.get(k);
    if (!a) authorizers.set(k, (a = policyUseAuthorizer({ rbac: authz, requester })));
    return a;
  };
  return (s) => {
    // A mirror pod has no service account when PodSecurityPolicy runs: only the node counts.
    const isAuthorized = authorizerFor(s.requester)(s.namespace, s.mirror ? '' : s.serviceAccount);
    const r = admission.admitView(s.input.view, { isAuthorized });
    const diff =
      r.admitted && r.mutated
        ? podChanges(applyApiDefaults(s.input.pod), withoutPspAnnotation(r.pod, s.input.pod))
        : [];
    return {
      mode: 'psp',
      enforced,
      admitted: r.admitted,
      policy: r.policy,
      changes: diff,
      reasons: r.reasons,
      message: r.message,
      warnings: r.admitted && r.mutated ? rootWarnings(s.input.pod, r.pod) : [],
    };
  };
}

// ------------------------------------------------------------------ Pod Security Standards

/** A version label as the cluster evaluates it: `latest` (and anything newer) is the cluster's own minor. */
export function effectivePssVersion(text: string, minor: number): PssVersion {
  let v: PssVersion;
  try {
    v = parsePssVersion(text);
  } catch {
    v = 'latest';
  }
  return v === 'latest' || v.minor > minor ? { minor } : v;
}

export function namespaceLevels(snapshot: ClusterSnapshot): Map<string, NamespaceLevel> {
  const out = new Map<string, NamespaceLevel>();
  const d = snapshot.pss.defaults;
  for (const o of snapshot.objects) {
    if (o.kind !== 'Namespace') continue;
    const ns = o.metadata.name;
    if (snapshot.pss.exemptions.namespaces.includes(ns)) {
      out.set(ns, { namespace: ns, level: 'privileged', version: 'latest', source: 'exempt' });
      continue;
    }
    const labels = o.metadata.labels ?? {};
    const label = labels['pod-security.kubernetes.io/enforce'];
    const level = label === undefined ? d.enforce : isPssLevel(label) ? label : 'restricted';
    const version =
      labels['pod-security.kubernetes.io/enforce-version'] ?? (label === undefined ? d.enforceVersion : 'latest');
    out.set(ns, { namespace: ns, level, version, source: label === undefined ? 'default' : 'label' });
  }
  return out;
}

export function pssJudge(snapshot: ClusterSnapshot): (s: Subject) => PssVerdict {
  const levels = namespaceLevels(snapshot);
  const enforced = snapshot.apiServer?.flags.podSecurity ?? snapshot.version.minor >= 23;
  const minor = snapshot.version.minor;
  return (s) => {
    const ns = levels.get(s.namespace) ?? {
      namespace: s.namespace,
      level: snapshot.pss.defaults.enforce,
      version: snapshot.pss.defaults.enforceVersion,
      source: 'default' as const,
    };
    const exempt =
      ns.source === 'exempt' ||
      (s.requester !== undefined && snapshot.pss.exemptions.usernames.includes(s.requester.name)) ||
      (typeof s.input.pod.spec?.runtimeClassName === 'string' &&
        snapshot.pss.exemptions.runtimeClasses.includes(s.input.pod.spec.runtimeClassName));
    const violations =
      exempt || ns.level === 'privileged'
        ? []
        : evaluatePss(s.input.pod, ns.level, effectivePssVersion(ns.version, minor));
    return {
      mode: 'pss',
      enforced,
      admitted: violations.length === 0,
      level: ns.level,
      version: ns.version,
      exempt,
      violations: violations.map((v) => ({
        check: v.check,
        message: v.detail ? `${v.reason} (${v.detail})` : v.reason,
      })),
      warnings: [],
    };
  };
}

/** The strictest level every subject of a namespace meets at `version` (for the report). */
export function levelMet(subjects: readonly Subject[], version: string, minor: number): PssLevel {
  const v = effectivePssVersion(version, minor);
  if (subjects.every((s) => evaluatePss(s.input.pod, 'restricted', v).length === 0)) return 'restricted';
  if (subjects.every((s) => evaluatePss(s.input.pod, 'baseline', v).length === 0)) return 'baseline';
  return 'privileged';
}

export function judge(snapshot: ClusterSnapshot): (s: Subject) => Verdict {
  return snapshot.mode === 'psp' ? pspJudge(snapshot) : pssJudge(snapshot);
}

export { formatPssVersion };
