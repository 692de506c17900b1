/**
 * The policies the migrate tests translate: every built-in template, and custom
 * policies that between them set every PodSecurityPolicy field (ranges, host paths,
 * drivers, sysctls, proc mount, runtime class, SELinux, seccomp and AppArmor lists with
 * and without defaults), each one a policy the API server would accept.
 */
import { buildPolicy } from '../../../src/policy/psp/library.js';
import type { PolicyObject } from '../../../src/policy/psp/provider.js';
import type { PspSpec } from '../../../src/k8s/psp.js';
import { BUILTIN_POLICY_TEMPLATES } from '../../../src/policy/templates.js';
import { PSP_ANNOTATIONS } from '../../../src/k8s/psp-annotations.js';

export const BUILTINS: PolicyObject[] = BUILTIN_POLICY_TEMPLATES.map((name) => {
  const p = buildPolicy(name, 24, []);
  return { metadata: { name, annotations: p.metadata.annotations }, spec: p.spec };
});

const base: PspSpec = {
  seLinux: { rule: 'RunAsAny' },
  runAsUser: { rule: 'RunAsAny' },
  supplementalGroups: { rule: 'RunAsAny' },
  fsGroup: { rule: 'RunAsAny' },
};

export const CUSTOM: PolicyObject[] = [
  {
    // Every range and list a policy can narrow, defaults on: the "ranges" policy.
    metadata: {
      name: 'narrow',
      annotations: {
        [PSP_ANNOTATIONS.seccompAllowed]: 'runtime/default,localhost/prof.json',
        [PSP_ANNOTATIONS.seccompDefault]: 'runtime/default',
        [PSP_ANNOTATIONS.apparmorAllowed]: 'runtime/default,localhost/k8s-nginx',
      },
    },
    spec: {
      ...base,
      runAsUser: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 }] },
      runAsGroup: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 }] },
      fsGroup: { rule: 'MayRunAs', ranges: [{ min: 1000, max: 2000 }] },
      supplementalGroups: {
        rule: 'MustRunAs',
        ranges: [
          { min: 1000, max: 2000 },
          { min: 3000, max: 3000 },
        ],
      },
      seLinux: { rule: 'MustRunAs', seLinuxOptions: { type: 'container_t', level: 's0:c1,c2' } },
      readOnlyRootFilesystem: true,
      requiredDropCapabilities: ['ALL'],
      allowedCapabilities: ['NET_BIND_SERVICE'],
      defaultAddCapabilities: ['CHOWN'],
      volumes: [
        'configMap',
        'secret',
        'emptyDir',
        'hostPath',
        'flexVolume',
        'csi',
        'persistentVolumeClaim',
        'projected',
      ],
      allowedHostPaths: [{ pathPrefix: '/data', readOnly: true }, { pathPrefix: '/var/log/' }],
      allowedFlexVolumes: [{ driver: 'example/lvm' }],
      allowedCSIDrivers: [{ name: 'csi.example.com' }],
      hostPorts: [{ min: 8000, max: 8100 }],
      allowedUnsafeSysctls: ['net.core.somaxconn', 'kernel.msg*'],
      forbiddenSysctls: ['kernel.shm_rmid_forced'],
      allowedProcMountTypes: ['Default', 'Unmasked'],
      runtimeClass: { allowedRuntimeClassNames: ['gvisor', 'runc'], defaultRuntimeClassName: 'gvisor' },
      allowPrivilegeEscalation: false,
    },
  },
  {
    // Open where "narrow" is closed; AppArmor with a default, no seccomp annotation
    // (no pod may set a profile), a MayRunAs group, two single host ports.
    metadata: {
      name: 'open',
      annotations: {
        [PSP_ANNOTATIONS.apparmorAllowed]: 'runtime/default',
        [PSP_ANNOTATIONS.apparmorDefault]: 'runtime/default',
      },
    },
    spec: {
      ...base,
      privileged: true,
      hostNetwork: true,
      hostPID: true,
      hostIPC: true,
      runAsGroup: { rule: 'MayRunAs', ranges: [{ min: 1, max: 65535 }] },
      hostPorts: [
        { min: 80, max: 80 },
        { min: 443, max: 443 },
      ],
      volumes: ['*'],
      allowedCapabilities: ['*'],
      defaultAllowPrivilegeEscalation: false,
      allowPrivilegeEscalation: true,
      allowedUnsafeSysctls: ['*'],
    },
  },
  {
    // Non-root by policy, groups defaulted, a few capabilities allowed and NET_RAW dropped by
    // default (with "*" allowed the API server refuses any required drop).
    metadata: { name: 'nonroot', annotations: { [PSP_ANNOTATIONS.seccompAllowed]: '*' } },
    spec: {
      ...base,
      runAsUser: { rule: 'MustRunAsNonRoot' },
      fsGroup: { rule: 'MustRunAs', ranges: [{ min: 1, max: 65535 }] },
      supplementalGroups: { rule: 'MayRunAs', ranges: [{ min: 1, max: 65535 }] },
      allowedCapabilities: ['NET_ADMIN', 'SYS_TIME', 'CHOWN'],
      requiredDropCapabilities: ['NET_RAW'],
      volumes: ['configMap', 'emptyDir', 'secret', 'cephFS', 'nfs'],
      runtimeClass: { allowedRuntimeClassNames: ['*'] },
    },
  },
  {
    // Only a localhost seccomp profile, no volumes at all, every sysctl forbidden, an
    // AppArmor list without a default, a seccomp list without a default.
    metadata: {
      name: 'lists',
      annotations: {
        [PSP_ANNOTATIONS.seccompAllowed]: 'localhost/prof.json',
        [PSP_ANNOTATIONS.apparmorAllowed]: 'runtime/default,localhost/k8s-nginx',
      },
    },
    spec: {
      ...base,
      volumes: [],
      forbiddenSysctls: ['*'],
      runtimeClass: { allowedRuntimeClassNames: ['gvisor'] },
      allowedCapabilities: ['CHOWN', 'SYS_ADMIN'],
    },
  },
  {
    // Only unmasked /proc: a container that says nothing (Default) is refused.
    metadata: { name: 'unmasked-only', annotations: { [PSP_ANNOTATIONS.seccompAllowed]: '*' } },
    spec: {
      ...base,
      volumes: ['*'],
      allowedProcMountTypes: ['Unmasked'],
      hostPorts: [{ min: 0, max: 65535 }],
      allowedCapabilities: ['*'],
    },
  },
  {
    // A seccomp list without a default: the pod-level profile is required, as PSP required it.
    metadata: { name: 'strict-seccomp', annotations: { [PSP_ANNOTATIONS.seccompAllowed]: 'runtime/default' } },
    spec: {
      ...base,
      volumes: ['*'],
      seLinux: {
        rule: 'MustRunAs',
        seLinuxOptions: { user: 'system_u', role: 'system_r', type: 'container_t', level: 's0' },
      },
    },
  },
];

export const ALL_POLICIES: PolicyObject[] = [...BUILTINS, ...CUSTOM];
