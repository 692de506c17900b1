/**
 * The built-in PodSecurityPolicies, as data, and the policies the config derives from
 * them: a custom policy is a built-in with its overrides on top. A field given in the
 * overrides replaces the built-in's field wholesale (lists are not merged), which is
 * what a reader of the config expects. Every manifest, change and check that needs a
 * policy object builds it here; render/go-yaml.ts turns it into YAML.
 */
import { MANAGED_BY } from '../../k8s/labels.js';
import type { PodSecurityPolicy, PspAnnotations, PspSpec } from '../../k8s/psp.js';
import { BASELINE_CAPABILITIES } from '../../k8s/pss.js';
import { validatePspSpec, type SpecProblem } from './validate.js';
import { pspVolumeTypes } from './volumes.js';
import { pspExtraVolumeTypes } from '../../versions.js';
import { isBuiltinPolicy, type BuiltinPolicyName } from '../templates.js';

/** A custom policy as the config declares it. */
export interface CustomPolicy {
  name: string;
  template: string;
  annotations?: PspAnnotations;
  spec: Partial<PspSpec>;
}

/** Volume types that keep data inside the cluster: what restricted policies allow. */
export function restrictedVolumeTypes(minor: number): string[] {
  return [
    'configMap',
    'downwardAPI',
    'emptyDir',
    'persistentVolumeClaim',
    'projected',
    'secret',
    ...pspExtraVolumeTypes(minor),
  ];
}

interface PolicyBody {
  annotations: PspAnnotations;
  spec: PspSpec;
}

/** Groups 1-65535: any group but root's. */
const NON_ROOT_GROUPS = [{ min: 1, max: 65535 }];

/** No host namespaces, any user and SELinux context: the fields most built-ins share. */
const NO_HOST = { hostNetwork: false, hostIPC: false, hostPID: false } as const;

const BUILTIN: Record<BuiltinPolicyName, (minor: number) => PolicyBody> = {
  // The default for ordinary workloads. Nothing of the host, no privilege, no root, every
  // capability dropped, runtime/default seccomp and AppArmor. Mirrors the upstream
  // "restricted" example policy, with each key exactly once.
  restricted: (minor) => ({
    annotations: {
      'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'docker/default,runtime/default',
      'seccomp.security.alpha.kubernetes.io/defaultProfileName': 'runtime/default',
      'apparmor.security.beta.kubernetes.io/allowedProfileNames': 'runtime/default',
      'apparmor.security.beta.kubernetes.io/defaultProfileName': 'runtime/default',
    },
    spec: {
      privileged: false,
      allowPrivilegeEscalation: false,
      requiredDropCapabilities: ['ALL'],
      volumes: restrictedVolumeTypes(minor),
      ...NO_HOST,
      runAsUser: { rule: 'MustRunAsNonRoot' },
      seLinux: { rule: 'RunAsAny' },
      supplementalGroups: { rule: 'MustRunAs', ranges: NON_ROOT_GROUPS },
      fsGroup: { rule: 'MustRunAs', ranges: NON_ROOT_GROUPS },
      readOnlyRootFilesystem: false,
    },
  }),
  // The PodSecurityPolicy that matches the Pod Security Standard "baseline": no host
  // namespaces, ports or paths, no privilege, only the default container capabilities
  // (moby's set without NET_RAW), any user.
  baseline: (minor) => ({
    annotations: {
      'seccomp.security.alpha.kubernetes.io/allowedProfileNames': '*',
      'apparmor.security.beta.kubernetes.io/allowedProfileNames': 'runtime/default',
      'apparmor.security.beta.kubernetes.io/defaultProfileName': 'runtime/default',
    },
    spec: {
      privileged: false,
      allowPrivilegeEscalation: true,
      allowedCapabilities: [...BASELINE_CAPABILITIES],
      volumes: pspVolumeTypes(minor).filter((t) => t !== '*' && t !== 'hostPath' && t !== 'none'),
      ...NO_HOST,
      runAsUser: { rule: 'RunAsAny' },
      seLinux: { rule: 'RunAsAny' },
      supplementalGroups: { rule: 'RunAsAny' },
      fsGroup: { rule: 'RunAsAny' },
      readOnlyRootFilesystem: false,
    },
  }),
  // Everything allowed. Bound only inside the namespaces that need it (kube-system, the
  // CNI's), never cluster-wide.
  privileged: () => ({
    annotations: { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': '*' },
    spec: {
      privileged: true,
      allowPrivilegeEscalation: true,
      allowedCapabilities: ['*'],
      volumes: ['*'],
      hostNetwork: true,
      hostPorts: [{ min: 0, max: 65535 }],
      hostIPC: true,
      hostPID: true,
      runAsUser: { rule: 'RunAsAny' },
      seLinux: { rule: 'RunAsAny' },
      supplementalGroups: { rule: 'RunAsAny' },
      fsGroup: { rule: 'RunAsAny' },
      readOnlyRootFilesystem: false,
    },
  }),
  // Anything a container may do inside its own sandbox, but nothing of the host: no
  // privileged containers, host network, host ports, host PID or IPC.
  'privileged-restricted': () => ({
    annotations: { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': '*' },
    spec: {
      privileged: false,
      allowPrivilegeEscalation: true,
      allowedCapabilities: ['*'],
      volumes: ['*'],
      ...NO_HOST,
      runAsUser: { rule: 'RunAsAny' },
      seLinux: { rule: 'RunAsAny' },
      supplementalGroups: { rule: 'RunAsAny' },
      fsGroup: { rule: 'RunAsAny' },
      readOnlyRootFilesystem: false,
    },
  }),
  // privileged-restricted, and also no root (containers must run as a non-zero user, no
  // privilege escalation) and only the volume types that keep data inside the cluster.
  'privileged-root-volumes-restricted': (minor) => ({
    annotations: { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': '*' },
    spec: {
      privileged: false,
      allowPrivilegeEscalation: false,
      allowedCapabilities: ['*'],
      volumes: restrictedVolumeTypes(minor),
      ...NO_HOST,
      runAsUser: { rule: 'MustRunAsNonRoot' },
      seLinux: { rule: 'RunAsAny' },
      supplementalGroups: { rule: 'MustRunAs', ranges: NON_ROOT_GROUPS },
      fsGroup: { rule: 'MustRunAs', ranges: NON_ROOT_GROUPS },
      readOnlyRootFilesystem: false,
    },
  }),
  // What the ingress-nginx controller and its admission jobs need. The controller binds
  // ports 80 and 443 as user 101 with NET_BIND_SERVICE; releases before v1.10 also set
  // allowPrivilegeEscalation: true, so it stays allowed here (ingress-nginx#5244, #8499).
  'ingress-nginx': () => ({
    annotations: {
      'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'docker/default,runtime/default',
      'seccomp.security.alpha.kubernetes.io/defaultProfileName': 'runtime/default',
    },
    spec: {
      privileged: false,
      allowPrivilegeEscalation: true,
      allowedCapabilities: ['NET_BIND_SERVICE'],
      requiredDropCapabilities: ['ALL'],
      volumes: ['configMap', 'downwardAPI', 'emptyDir', 'projected', 'secret'],
      ...NO_HOST,
      runAsUser: { rule: 'MustRunAsNonRoot' },
      seLinux: { rule: 'RunAsAny' },
      supplementalGroups: { rule: 'MustRunAs', ranges: NON_ROOT_GROUPS },
      fsGroup: { rule: 'MustRunAs', ranges: NON_ROOT_GROUPS },
      readOnlyRootFilesystem: false,
    },
  }),
};

/** A fresh copy each time: callers may change what they get (a custom policy's overrides). */
function builtin(name: BuiltinPolicyName, minor: number): PolicyBody {
  return structuredClone(BUILTIN[name](minor));
}

export function pspObject(name: string, body: PolicyBody): PodSecurityPolicy {
  const annotations = Object.fromEntries(Object.entries(body.annotations).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return {
    apiVersion: 'policy/v1beta1',
    kind: 'PodSecurityPolicy',
    metadata: {
      name,
      labels: { ...MANAGED_BY },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: body.spec,
  };
}

/** A custom policy that the API server would reject; paths are relative to the policy entry. */
export class PolicyProblem extends Error {
  constructor(
    readonly policyIndex: number,
    readonly problems: SpecProblem[],
  ) {
    super(problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; '));
  }
}

/**
 * The PodSecurityPolicy named `name`: a built-in template, or a custom policy
 * from the config (its template plus overrides). Throws PolicyProblem when the
 * merged policy is one the API server would reject.
 */
export function buildPolicy(name: string, minor: number, custom: CustomPolicy[]): PodSecurityPolicy {
  if (isBuiltinPolicy(name)) return pspObject(name, builtin(name, minor));
  const index = custom.findIndex((p) => p.name === name);
  if (index < 0) throw new Error(`policy ${name} is neither built in nor defined`);
  const def = custom[index];
  if (!isBuiltinPolicy(def.template)) throw new Error(`template ${def.template} is not built in`);
  const base = builtin(def.template, minor);
  const spec = { ...base.spec, ...stripUndefined(def.spec) } as PspSpec;
  const annotations = { ...base.annotations, ...stripUndefined(def.annotations ?? {}) } as PspAnnotations;
  const problems = validatePspSpec(spec, minor, annotations);
  if (problems.length > 0) throw new PolicyProblem(index, problems);
  return pspObject(name, { spec, annotations });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
