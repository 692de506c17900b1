/**
 * Every PodSecurityPolicy field and strategy, one policy at a time: what it defaults
 * (and so whether the pod counts as mutated) and the exact 1.24 refusal text. Each
 * case starts from a permissive policy and a minimal pod and changes one thing.
 */
import test from 'ava';
import type { Pod } from '../../../src/policy/psp/pod.js';
import type { PolicyObject } from '../../../src/policy/psp/provider.js';
import { admit, frozen, pod, podSC, policy, sc, type Json } from '../helpers.js';

interface Case {
  name: string;
  policy: PolicyObject;
  pod: Pod;
  /** undefined: expect the exact reasons below and a refusal. */
  admitted: boolean;
  mutated?: boolean;
  reasons?: string[];
  /** Checks on the admitted pod. */
  check?: (out: Json) => void;
  /** The refusal message, when the list of reasons is not enough. */
  message?: string;
}

const C0 = 'spec.containers[0].securityContext';
const ranges = (min: number, max: number) => [{ min, max }];

const cases: Case[] = [
  // --- runAsUser -----------------------------------------------------------------
  {
    name: 'runAsUser MustRunAs: a pod without a uid gets the first range minimum',
    policy: policy('p', { runAsUser: { rule: 'MustRunAs', ranges: [...ranges(1000, 2000), ...ranges(5000, 6000)] } }),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.spec.containers[0].securityContext.runAsUser !== 1000) throw new Error('runAsUser not defaulted to 1000');
    },
  },
  {
    name: 'runAsUser MustRunAs: a uid outside the ranges is refused',
    policy: policy('p', { runAsUser: { rule: 'MustRunAs', ranges: [...ranges(1000, 2000), ...ranges(5000, 6000)] } }),
    pod: pod((p) => (sc(p).runAsUser = 3000)),
    admitted: false,
    reasons: [`${C0}.runAsUser: Invalid value: 3000: must be in the ranges: [{1000 2000} {5000 6000}]`],
  },
  {
    name: 'runAsUser MustRunAs: the pod-level uid counts for every container',
    policy: policy('p', { runAsUser: { rule: 'MustRunAs', ranges: ranges(1000, 2000) } }),
    pod: pod((p) => (podSC(p).runAsUser = 1500)),
    admitted: true,
    mutated: false,
  },
  {
    name: 'runAsUser MustRunAsNonRoot: no uid gets runAsNonRoot=true (the kubelet checks the image)',
    policy: policy('p', { runAsUser: { rule: 'MustRunAsNonRoot' } }),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.spec.containers[0].securityContext.runAsNonRoot !== true) throw new Error('runAsNonRoot not set');
    },
  },
  {
    name: 'runAsUser MustRunAsNonRoot: uid 0 is refused',
    policy: policy('p', { runAsUser: { rule: 'MustRunAsNonRoot' } }),
    pod: pod((p) => (sc(p).runAsUser = 0)),
    admitted: false,
    reasons: [`${C0}.runAsUser: Invalid value: 0: running with the root UID is forbidden`],
  },
  {
    name: 'runAsUser MustRunAsNonRoot: runAsNonRoot=false is refused',
    policy: policy('p', { runAsUser: { rule: 'MustRunAsNonRoot' } }),
    pod: pod((p) => (sc(p).runAsNonRoot = false)),
    admitted: false,
    reasons: [`${C0}.runAsNonRoot: Invalid value: false: must be true`],
  },
  {
    name: 'runAsUser MustRunAsNonRoot: a non-zero uid is admitted as is, without the runAsNonRoot marker',
    policy: policy('p', { runAsUser: { rule: 'MustRunAsNonRoot' } }),
    pod: pod((p) => (sc(p).runAsUser = 1000)),
    admitted: true,
    mutated: false,
  },
  {
    name: 'runAsUser RunAsAny: root is fine',
    policy: policy('p', { runAsUser: { rule: 'RunAsAny' } }),
    pod: pod((p) => (sc(p).runAsUser = 0)),
    admitted: true,
    mutated: false,
  },

  // --- runAsGroup ------------------------------------------------------------------
  {
    name: 'runAsGroup MustRunAs: defaults the first minimum',
    policy: policy('p', { runAsGroup: { rule: 'MustRunAs', ranges: ranges(100, 200) } }),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.spec.containers[0].securityContext.runAsGroup !== 100) throw new Error('runAsGroup not defaulted');
    },
  },
  {
    name: 'runAsGroup MustRunAs: a gid outside is refused, on the securityContext path itself',
    policy: policy('p', { runAsGroup: { rule: 'MustRunAs', ranges: ranges(100, 200) } }),
    pod: pod((p) => (sc(p).runAsGroup = 0)),
    admitted: false,
    reasons: [`${C0}: Invalid value: []int64{0}: group 0 must be in the ranges: [{100 200}]`],
  },
  {
    name: 'runAsGroup MayRunAs: nothing is defaulted',
    policy: policy('p', { runAsGroup: { rule: 'MayRunAs', ranges: ranges(100, 200) } }),
    pod: pod(),
    admitted: true,
    mutated: false,
  },
  {
    name: 'runAsGroup MayRunAs: a pod-level gid outside is refused for each container',
    policy: policy('p', { runAsGroup: { rule: 'MayRunAs', ranges: ranges(100, 200) } }),
    pod: pod((p) => {
      podSC(p).runAsGroup = 5;
      p.spec.initContainers = [{ name: 'i', image: 'x' }];
    }),
    admitted: false,
    reasons: [
      'spec.initContainers[0].securityContext: Invalid value: []int64{5}: group 5 must be in the ranges: [{100 200}]',
      `${C0}: Invalid value: []int64{5}: group 5 must be in the ranges: [{100 200}]`,
    ],
  },

  // --- supplementalGroups and fsGroup ---------------------------------------------------
  {
    name: 'supplementalGroups MustRunAs: defaults [min]',
    policy: policy('p', { supplementalGroups: { rule: 'MustRunAs', ranges: ranges(1, 65535) } }),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (JSON.stringify(o.spec.securityContext.supplementalGroups) !== '[1]')
        throw new Error('supplementalGroups not [1]');
    },
  },
  {
    name: 'supplementalGroups MustRunAs: group 0 is refused',
    policy: policy('p', { supplementalGroups: { rule: 'MustRunAs', ranges: ranges(1, 65535) } }),
    pod: pod((p) => (podSC(p).supplementalGroups = [2000, 0])),
    admitted: false,
    reasons: [
      'spec.securityContext.supplementalGroups: Invalid value: []int64{2000, 0}: group 0 must be in the ranges: [{1 65535}]',
    ],
  },
  {
    name: 'supplementalGroups MustRunAs: an explicitly empty list is not defaulted, and refused',
    policy: policy('p', { supplementalGroups: { rule: 'MustRunAs', ranges: ranges(1, 65535) } }),
    pod: pod((p) => (podSC(p).supplementalGroups = [])),
    admitted: false,
    reasons: [
      'spec.securityContext.supplementalGroups: Invalid value: []int64{}: unable to validate empty groups against required ranges',
    ],
  },
  {
    name: 'supplementalGroups MayRunAs: nothing defaulted, out-of-range refused',
    policy: policy('p', { supplementalGroups: { rule: 'MayRunAs', ranges: ranges(1, 10) } }),
    pod: pod((p) => (podSC(p).supplementalGroups = [11])),
    admitted: false,
    reasons: [
      'spec.securityContext.supplementalGroups: Invalid value: []int64{11}: group 11 must be in the ranges: [{1 10}]',
    ],
  },
  {
    name: 'supplementalGroups MayRunAs: a pod without groups is admitted unchanged',
    policy: policy('p', { supplementalGroups: { rule: 'MayRunAs', ranges: ranges(1, 10) } }),
    pod: pod(),
    admitted: true,
    mutated: false,
  },
  {
    name: 'fsGroup MustRunAs: defaults the minimum',
    policy: policy('p', { fsGroup: { rule: 'MustRunAs', ranges: ranges(2000, 3000) } }),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.spec.securityContext.fsGroup !== 2000) throw new Error('fsGroup not defaulted');
    },
  },
  {
    name: 'fsGroup MustRunAs: 0 is refused',
    policy: policy('p', { fsGroup: { rule: 'MustRunAs', ranges: ranges(2000, 3000) } }),
    pod: pod((p) => (podSC(p).fsGroup = 0)),
    admitted: false,
    reasons: ['spec.securityContext.fsGroup: Invalid value: []int64{0}: group 0 must be in the ranges: [{2000 3000}]'],
  },
  {
    name: 'fsGroup MayRunAs: nothing defaulted',
    policy: policy('p', { fsGroup: { rule: 'MayRunAs', ranges: ranges(2000, 3000) } }),
    pod: pod(),
    admitted: true,
    mutated: false,
  },

  // --- seLinux --------------------------------------------------------------------------
  {
    name: 'seLinux MustRunAs: the pod gets the options, its containers inherit them',
    policy: policy('p', { seLinux: { rule: 'MustRunAs', seLinuxOptions: { level: 's0:c1,c2', type: 'spc_t' } } }),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (JSON.stringify(o.spec.securityContext.seLinuxOptions) !== '{"level":"s0:c1,c2","type":"spc_t"}')
        throw new Error('seLinuxOptions');
      if (o.spec.containers[0].securityContext !== undefined)
        throw new Error('container should inherit, not be written');
    },
  },
  {
    name: 'seLinux MustRunAs: categories may come in any order',
    policy: policy('p', { seLinux: { rule: 'MustRunAs', seLinuxOptions: { level: 's0:c1,c2', type: 'spc_t' } } }),
    pod: pod((p) => (podSC(p).seLinuxOptions = { level: 's0:c2,c1', type: 'spc_t' })),
    admitted: true,
    mutated: false,
  },
  {
    name: 'seLinux MustRunAs: a container with its own options must match every part',
    policy: policy('p', { seLinux: { rule: 'MustRunAs', seLinuxOptions: { level: 's0:c1,c2', type: 'spc_t' } } }),
    pod: pod((p) => (sc(p).seLinuxOptions = { type: 'container_t', user: 'u' })),
    admitted: false,
    reasons: [
      `${C0}.seLinuxOptions.level: Invalid value: "": must be s0:c1,c2`,
      `${C0}.seLinuxOptions.type: Invalid value: "container_t": must be spc_t`,
      `${C0}.seLinuxOptions.user: Invalid value: "u": must be `,
    ],
  },

  // --- host namespaces, ports --------------------------------------------------------
  {
    name: 'hostNetwork refused',
    policy: policy('p', { hostNetwork: false }),
    pod: pod((p) => (p.spec.hostNetwork = true)),
    admitted: false,
    reasons: ['spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used'],
  },
  {
    name: 'hostPID and hostIPC refused, in that order',
    policy: policy('p', { hostPID: false, hostIPC: false }),
    pod: pod((p) => {
      p.spec.hostIPC = true;
      p.spec.hostPID = true;
    }),
    admitted: false,
    reasons: [
      'spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used',
      'spec.securityContext.hostIPC: Invalid value: true: Host IPC is not allowed to be used',
    ],
  },
  {
    name: 'hostPorts: a port outside the ranges is refused, with the ranges listed',
    policy: policy('p', {
      hostPorts: [
        { min: 8000, max: 8080 },
        { min: 9000, max: 9000 },
      ],
    }),
    pod: pod(
      (p) =>
        (p.spec.containers[0].ports = [
          { containerPort: 80, hostPort: 8080 },
          { containerPort: 81, hostPort: 80 },
        ]),
    ),
    admitted: false,
    reasons: [
      'spec.containers[0].hostPort: Invalid value: 80: Host port 80 is not allowed to be used. Allowed ports: [8000-8080,9000]',
    ],
  },
  {
    name: 'hostPorts: none allowed prints an empty list; init containers are checked too',
    policy: policy('p', { hostPorts: undefined }),
    pod: pod(
      (p) => (p.spec.initContainers = [{ name: 'i', image: 'x', ports: [{ containerPort: 53, hostPort: 53 }] }]),
    ),
    admitted: false,
    reasons: [
      'spec.initContainers[0].hostPort: Invalid value: 53: Host port 53 is not allowed to be used. Allowed ports: []',
    ],
  },
  {
    name: 'hostPorts: with hostNetwork every containerPort is a host port (API defaulting)',
    policy: policy('p', { hostPorts: undefined }),
    pod: pod((p) => {
      p.spec.hostNetwork = true;
      p.spec.containers[0].ports = [{ containerPort: 9090 }];
    }),
    admitted: false,
    reasons: [
      'spec.containers[0].hostPort: Invalid value: 9090: Host port 9090 is not allowed to be used. Allowed ports: []',
    ],
  },

  // --- privileged, escalation, root filesystem, procMount ---------------------------
  {
    name: 'privileged refused',
    policy: policy('p', { privileged: false }),
    pod: pod((p) => (sc(p).privileged = true)),
    admitted: false,
    reasons: [`${C0}.privileged: Invalid value: true: Privileged containers are not allowed`],
  },
  {
    name: 'privileged: false is fine under a non-privileged policy',
    policy: policy('p', { privileged: false }),
    pod: pod((p) => (sc(p).privileged = false)),
    admitted: true,
    mutated: false,
  },
  {
    name: 'allowPrivilegeEscalation false: unset is defaulted to false',
    policy: policy('p', { allowPrivilegeEscalation: false }),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.spec.containers[0].securityContext.allowPrivilegeEscalation !== false) throw new Error('not defaulted');
    },
  },
  {
    name: 'allowPrivilegeEscalation false: true is refused',
    policy: policy('p', { allowPrivilegeEscalation: false }),
    pod: pod((p) => (sc(p).allowPrivilegeEscalation = true)),
    admitted: false,
    reasons: [
      `${C0}.allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation for containers is not allowed`,
    ],
  },
  {
    name: 'defaultAllowPrivilegeEscalation false: unset becomes false, true stays allowed',
    policy: policy('p', { allowPrivilegeEscalation: true, defaultAllowPrivilegeEscalation: false }),
    pod: pod((p) => {
      p.spec.containers.push({ name: 'd', image: 'x', securityContext: { allowPrivilegeEscalation: true } });
    }),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.spec.containers[0].securityContext.allowPrivilegeEscalation !== false) throw new Error('c not defaulted');
      if (o.spec.containers[1].securityContext.allowPrivilegeEscalation !== true) throw new Error('d changed');
    },
  },
  {
    name: 'readOnlyRootFilesystem: unset is defaulted to true',
    policy: policy('p', { readOnlyRootFilesystem: true }),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.spec.containers[0].securityContext.readOnlyRootFilesystem !== true) throw new Error('not defaulted');
    },
  },
  {
    name: 'readOnlyRootFilesystem: false is refused',
    policy: policy('p', { readOnlyRootFilesystem: true }),
    pod: pod((p) => (sc(p).readOnlyRootFilesystem = false)),
    admitted: false,
    reasons: [`${C0}.readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem must be set to true`],
  },
  {
    name: 'procMount Unmasked needs allowedProcMountTypes',
    policy: policy('p', { allowedProcMountTypes: undefined }),
    pod: pod((p) => (sc(p).procMount = 'Unmasked')),
    admitted: false,
    reasons: [`${C0}.procMount: Invalid value: "Unmasked": ProcMountType is not allowed`],
  },
  {
    name: 'procMount Default is always allowed',
    policy: policy('p', { allowedProcMountTypes: undefined }),
    pod: pod((p) => (sc(p).procMount = 'Default')),
    admitted: true,
    mutated: false,
  },

  // --- capabilities -----------------------------------------------------------------
  {
    name: 'capabilities: an add outside allowedCapabilities is refused, each one',
    policy: policy('p', { allowedCapabilities: ['NET_BIND_SERVICE'] }),
    pod: pod((p) => (sc(p).capabilities = { add: ['NET_BIND_SERVICE', 'SYS_ADMIN', 'NET_RAW'] })),
    admitted: false,
    reasons: [
      `${C0}.capabilities.add: Invalid value: "SYS_ADMIN": capability may not be added`,
      `${C0}.capabilities.add: Invalid value: "NET_RAW": capability may not be added`,
    ],
  },
  {
    name: 'capabilities: `*` allows any add',
    policy: policy('p', { allowedCapabilities: ['*'] }),
    pod: pod((p) => (sc(p).capabilities = { add: ['SYS_ADMIN'] })),
    admitted: true,
    mutated: false,
  },
  {
    name: 'capabilities: defaultAddCapabilities are added, sorted with the container adds',
    policy: policy('p', { allowedCapabilities: [], defaultAddCapabilities: ['SETUID', 'CHOWN'] }),
    pod: pod((p) => (sc(p).capabilities = { add: ['CHOWN'] })),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (JSON.stringify(o.spec.containers[0].securityContext.capabilities) !== '{"add":["CHOWN","SETUID"]}')
        throw new Error(JSON.stringify(o.spec.containers[0].securityContext));
    },
  },
  {
    name: 'capabilities: a default add the container drops is not added',
    policy: policy('p', { allowedCapabilities: [], defaultAddCapabilities: ['CHOWN'] }),
    pod: pod((p) => (sc(p).capabilities = { drop: ['CHOWN'] })),
    admitted: true,
    mutated: false,
  },
  {
    name: 'capabilities: requiredDropCapabilities are added to the drops',
    policy: policy('p', { allowedCapabilities: [], requiredDropCapabilities: ['ALL'] }),
    pod: pod((p) => (sc(p).capabilities = { drop: ['NET_RAW'] })),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (JSON.stringify(o.spec.containers[0].securityContext.capabilities) !== '{"drop":["ALL","NET_RAW"]}')
        throw new Error('drops');
    },
  },
  {
    name: 'capabilities: drops already covering the required ones are kept as written',
    policy: policy('p', { allowedCapabilities: [], requiredDropCapabilities: ['ALL'] }),
    pod: pod((p) => (sc(p).capabilities = { drop: ['NET_RAW', 'ALL'] })),
    admitted: true,
    mutated: false,
  },

  // --- volumes ---------------------------------------------------------------------------
  {
    name: 'volumes: a type not listed is refused',
    policy: policy('p', { volumes: ['configMap', 'secret'] }),
    pod: pod(
      (p) =>
        (p.spec.volumes = [
          { name: 'cm', configMap: { name: 'x' } },
          { name: 'h', hostPath: { path: '/tmp' } },
        ]),
    ),
    admitted: false,
    reasons: ['spec.volumes[1]: Invalid value: "hostPath": hostPath volumes are not allowed to be used'],
  },
  {
    name: 'volumes: the pod field cephfs is the policy type cephFS',
    policy: policy('p', { volumes: ['cephFS'] }),
    pod: pod((p) => (p.spec.volumes = [{ name: 'c', cephfs: { monitors: ['m'] } }])),
    admitted: true,
    mutated: false,
  },
  {
    name: 'volumes: `cephfs` in a policy does not allow cephfs volumes',
    policy: policy('p', { volumes: ['cephfs'] }),
    pod: pod((p) => (p.spec.volumes = [{ name: 'c', cephfs: { monitors: ['m'] } }])),
    admitted: false,
    reasons: ['spec.volumes[0]: Invalid value: "cephFS": cephFS volumes are not allowed to be used'],
  },
  {
    name: 'volumes: a volume without a source is an emptyDir',
    policy: policy('p', { volumes: ['emptyDir'] }),
    pod: pod((p) => (p.spec.volumes = [{ name: 'scratch' }])),
    admitted: true,
    mutated: false,
  },
  {
    name: 'allowedHostPaths: prefixes match whole path segments only',
    policy: policy('p', { allowedHostPaths: [{ pathPrefix: '/var/log' }] }),
    pod: pod(
      (p) =>
        (p.spec.volumes = [
          { name: 'a', hostPath: { path: '/var/log/pods' } },
          { name: 'b', hostPath: { path: '/var/log/' } },
          { name: 'c', hostPath: { path: '/var/logs' } },
        ]),
    ),
    admitted: false,
    reasons: ['spec.volumes[2].hostPath.pathPrefix: Invalid value: "/var/logs": is not allowed to be used'],
  },
  {
    name: 'allowedHostPaths readOnly: every mount of the volume must be read-only',
    policy: policy('p', { allowedHostPaths: [{ pathPrefix: '/etc', readOnly: true }] }),
    pod: pod((p) => {
      p.spec.volumes = [{ name: 'etc', hostPath: { path: '/etc/ssl' } }];
      p.spec.initContainers = [
        { name: 'i', image: 'x', volumeMounts: [{ name: 'etc', mountPath: '/a', readOnly: true }] },
      ];
      p.spec.containers[0].volumeMounts = [
        { name: 'other', mountPath: '/o' },
        { name: 'etc', mountPath: '/b' },
      ];
    }),
    admitted: false,
    reasons: ['spec.containers[0].volumeMounts[1].readOnly: Invalid value: false: must be read-only'],
  },
  {
    name: 'allowedHostPaths: a writable entry that matches wins over a read-only one',
    policy: policy('p', { allowedHostPaths: [{ pathPrefix: '/etc', readOnly: true }, { pathPrefix: '/etc/ssl' }] }),
    pod: pod((p) => {
      p.spec.volumes = [{ name: 'etc', hostPath: { path: '/etc/ssl' } }];
      p.spec.containers[0].volumeMounts = [{ name: 'etc', mountPath: '/b' }];
    }),
    admitted: true,
    mutated: false,
  },
  {
    name: 'allowedHostPaths apply even when volumes is `*`',
    policy: policy('p', { volumes: ['*'], allowedHostPaths: [{ pathPrefix: '/opt' }] }),
    pod: pod((p) => (p.spec.volumes = [{ name: 'root', hostPath: { path: '/' } }])),
    admitted: false,
    reasons: ['spec.volumes[0].hostPath.pathPrefix: Invalid value: "/": is not allowed to be used'],
  },
  {
    name: 'allowedFlexVolumes: another driver is refused (upstream names the field `driver`)',
    policy: policy('p', { allowedFlexVolumes: [{ driver: 'example/lvm' }] }),
    pod: pod((p) => (p.spec.volumes = [{ name: 'f', flexVolume: { driver: 'example/cifs' } }])),
    admitted: false,
    reasons: ['spec.volumes[0].driver: Invalid value: "example/cifs": Flexvolume driver is not allowed to be used'],
  },
  {
    name: 'allowedCSIDrivers: another inline driver is refused',
    policy: policy('p', { allowedCSIDrivers: [{ name: 'secrets-store.csi.k8s.io' }] }),
    pod: pod((p) => (p.spec.volumes = [{ name: 'v', csi: { driver: 'other.csi.example' } }])),
    admitted: false,
    reasons: [
      'spec.volumes[0].csi.driver: Invalid value: "other.csi.example": Inline CSI driver is not allowed to be used',
    ],
  },

  // --- sysctls ----------------------------------------------------------------------------
  {
    name: 'sysctls: the 1.24 safe set needs no allowance',
    policy: policy('p', { allowedUnsafeSysctls: undefined }),
    pod: pod(
      (p) =>
        (podSC(p).sysctls = [
          { name: 'net.ipv4.ip_unprivileged_port_start', value: '0' },
          { name: 'kernel.shm_rmid_forced', value: '1' },
        ]),
    ),
    admitted: true,
    mutated: false,
  },
  {
    name: 'sysctls: an unsafe one is refused unless allowed, a forbidden one always',
    policy: policy('p', { allowedUnsafeSysctls: ['kernel.msg*'], forbiddenSysctls: ['net.ipv4.tcp_syncookies'] }),
    pod: pod(
      (p) =>
        (podSC(p).sysctls = [
          { name: 'kernel.msgmax', value: '1' },
          { name: 'net.core.somaxconn', value: '1024' },
          { name: 'net.ipv4.tcp_syncookies', value: '1' },
        ]),
    ),
    admitted: false,
    reasons: [
      'pod.spec.securityContext.sysctls[1]: Forbidden: unsafe sysctl "net.core.somaxconn" is not allowed',
      'pod.spec.securityContext.sysctls[2]: Forbidden: sysctl "net.ipv4.tcp_syncookies" is not allowed',
    ],
  },
  {
    name: 'sysctls: a forbidden prefix beats the safe set',
    policy: policy('p', { allowedUnsafeSysctls: undefined, forbiddenSysctls: ['kernel.*'] }),
    pod: pod((p) => (podSC(p).sysctls = [{ name: 'kernel.shm_rmid_forced', value: '1' }])),
    admitted: false,
    reasons: ['pod.spec.securityContext.sysctls[0]: Forbidden: sysctl "kernel.shm_rmid_forced" is not allowed'],
  },

  // --- seccomp (annotations and the 1.19+ fields) -----------------------------------------------
  {
    name: 'seccomp: the default profile is set on the pod annotation',
    policy: policy(
      'p',
      {},
      {
        'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'runtime/default',
        'seccomp.security.alpha.kubernetes.io/defaultProfileName': 'runtime/default',
      },
    ),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.metadata.annotations['seccomp.security.alpha.kubernetes.io/pod'] !== 'runtime/default')
        throw new Error('no default');
    },
  },
  {
    name: 'seccomp: a profile not allowed is refused',
    policy: policy('p', {}, { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'runtime/default' }),
    pod: pod((p) => (p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' })),
    admitted: false,
    reasons: [
      'pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default',
      'pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default',
    ],
  },
  {
    name: 'seccomp: allowed profiles without a default refuse a pod without one (empty name)',
    policy: policy('p', {}, { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'runtime/default' }),
    pod: pod(),
    admitted: false,
    reasons: [
      'pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden:  is not an allowed seccomp profile. Valid values are runtime/default',
      'pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: Forbidden:  is not an allowed seccomp profile. Valid values are runtime/default',
    ],
  },
  {
    name: 'seccomp: a policy that allows none refuses any profile',
    policy: policy('p'),
    pod: pod((p) => (sc(p).seccompProfile = { type: 'RuntimeDefault' })),
    admitted: false,
    reasons: [
      'pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: Forbidden: seccomp may not be set',
    ],
  },
  {
    name: 'seccomp: the pod field is read as its annotation, and copied into it (a mutation)',
    policy: policy('p', {}, { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': '*' }),
    pod: pod((p) => (podSC(p).seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/audit.json' })),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.metadata.annotations['seccomp.security.alpha.kubernetes.io/pod'] !== 'localhost/profiles/audit.json')
        throw new Error('not translated');
    },
  },
  {
    name: 'seccomp: docker/default allows runtime/default',
    policy: policy('p', {}, { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'docker/default' }),
    pod: pod((p) => (p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default' })),
    admitted: true,
    mutated: false,
  },
  {
    name: 'seccomp: runtime/default allows docker/default, and a container field',
    policy: policy('p', {}, { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'runtime/default' }),
    pod: pod((p) => {
      p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'docker/default' };
      sc(p).seccompProfile = { type: 'RuntimeDefault' };
    }),
    admitted: true,
    mutated: false,
  },
  {
    name: 'seccomp: a container with only the field still needs the pod to have a profile',
    policy: policy('p', {}, { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'runtime/default' }),
    pod: pod((p) => (sc(p).seccompProfile = { type: 'RuntimeDefault' })),
    admitted: false,
    reasons: [
      'pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden:  is not an allowed seccomp profile. Valid values are runtime/default',
    ],
  },
  {
    name: 'seccomp: a container field overrides the pod annotation',
    policy: policy('p', {}, { 'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'runtime/default' }),
    pod: pod((p) => {
      p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default' };
      sc(p).seccompProfile = { type: 'Unconfined' };
    }),
    admitted: false,
    reasons: [
      'pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default',
    ],
  },

  // --- AppArmor ----------------------------------------------------------------------------------
  {
    name: 'AppArmor: the default profile is set for every container, init containers too',
    policy: policy(
      'p',
      {},
      {
        'apparmor.security.beta.kubernetes.io/allowedProfileNames': 'runtime/default',
        'apparmor.security.beta.kubernetes.io/defaultProfileName': 'runtime/default',
      },
    ),
    pod: pod((p) => (p.spec.initContainers = [{ name: 'i', image: 'x' }])),
    admitted: true,
    mutated: true,
    check: (o) => {
      const a = o.metadata.annotations;
      if (
        a['container.apparmor.security.beta.kubernetes.io/i'] !== 'runtime/default' ||
        a['container.apparmor.security.beta.kubernetes.io/c'] !== 'runtime/default'
      ) {
        throw new Error(JSON.stringify(a));
      }
    },
  },
  {
    name: 'AppArmor: a profile not allowed is refused',
    policy: policy('p', {}, { 'apparmor.security.beta.kubernetes.io/allowedProfileNames': 'runtime/default' }),
    pod: pod((p) => (p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' })),
    admitted: false,
    reasons: [
      'pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Forbidden: unconfined is not an allowed profile. Allowed values: "runtime/default"',
    ],
  },
  {
    name: 'AppArmor: an allowed list without a default requires a profile',
    policy: policy('p', {}, { 'apparmor.security.beta.kubernetes.io/allowedProfileNames': 'runtime/default' }),
    pod: pod(),
    admitted: false,
    reasons: [
      'pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: Forbidden: AppArmor profile must be set',
    ],
  },

  // --- runtimeClass ------------------------------------------------------------------------------
  {
    name: 'runtimeClass: the default is set when the pod names none',
    policy: policy('p', { runtimeClass: { allowedRuntimeClassNames: ['gvisor'], defaultRuntimeClassName: 'gvisor' } }),
    pod: pod(),
    admitted: true,
    mutated: true,
    check: (o) => {
      if (o.spec.runtimeClassName !== 'gvisor') throw new Error('not defaulted');
    },
  },
  {
    name: 'runtimeClass: a class not allowed is refused, with an empty detail',
    policy: policy('p', { runtimeClass: { allowedRuntimeClassNames: ['gvisor'] } }),
    pod: pod((p) => (p.spec.runtimeClassName = 'kata')),
    admitted: false,
    reasons: ['spec.runtimeClassName: Invalid value: "kata"'],
  },
  {
    name: 'runtimeClass: `*` allows any, and no default leaves the pod alone',
    policy: policy('p', { runtimeClass: { allowedRuntimeClassNames: ['*'] } }),
    pod: pod((p) => (p.spec.runtimeClassName = 'kata')),
    admitted: true,
    mutated: false,
  },

  // --- ephemeral containers ---------------------------------------------------------------------
  {
    name: 'ephemeral containers are checked after the others',
    policy: policy('p', { privileged: false }),
    pod: pod((p) => {
      sc(p).privileged = true;
      p.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox', securityContext: { privileged: true } }];
    }),
    admitted: false,
    reasons: [
      `${C0}.privileged: Invalid value: true: Privileged containers are not allowed`,
      'spec.ephemeralContainers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
    ],
  },
];

for (const c of cases) {
  test(c.name, (t) => {
    const input = frozen(c.pod);
    const r = admit(input, c.policy);
    t.is(r.admitted, c.admitted, r.message ?? 'admitted');
    if (c.admitted) {
      t.is(r.policy, c.policy.metadata.name);
      if (c.mutated !== undefined) t.is(r.mutated, c.mutated, 'mutated');
      t.is(r.pod.metadata?.annotations?.['kubernetes.io/psp'], c.policy.metadata.name);
      if (c.check) t.notThrows(() => c.check!(r.pod));
    } else {
      t.deepEqual(r.reasons, c.reasons);
      t.is(r.message, c.message ?? `PodSecurityPolicy: unable to admit pod: [${c.reasons!.join(' ')}]`);
      t.is(r.policy, null);
    }
  });
}

test('the mutated flag agrees with a deep comparison of input and output, for every case', (t) => {
  for (const c of cases) {
    const r = admit(c.pod, c.policy);
    if (!r.admitted) continue;
    const out = structuredClone(r.pod) as Json;
    delete out.metadata.annotations['kubernetes.io/psp'];
    if (Object.keys(out.metadata.annotations).length === 0 && !c.pod.metadata?.annotations)
      delete out.metadata.annotations;
    const changed = JSON.stringify(canonical(out)) !== JSON.stringify(canonical(c.pod));
    t.is(r.mutated, changed, c.name);
  }
});

/** Keys sorted and empty security contexts dropped, so only real differences count. */
function canonical(v: Json): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Json = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical(v[k]);
    return out;
  }
  return v;
}
