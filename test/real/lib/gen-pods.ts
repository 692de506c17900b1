/**
 * Random pods for the differential corpus. Each starts from a pod that follows the
 * restricted rules and takes a few random changes, so every level sees admitted and refused
 * pods and most refusals have one or two reasons (the interesting boundary). Only pods the
 * API server's validation accepts are wanted: changes that validation would refuse in
 * combination (privileged without privilege escalation, host namespaces with user
 * namespaces, ...) are made consistent.
 */
import type { Random } from './random.js';

export interface PodGenOptions {
  minor: number;
  namespace: string;
  /** Service accounts a pod may name. */
  serviceAccounts?: string[];
  /** RuntimeClasses that exist in the cluster. */
  runtimeClasses?: string[];
  /** The appArmorProfile fields (1.30+); off where the other side knows only the annotations. */
  appArmorFields?: boolean;
  /** Only sysctls safe in every release, or unsafe in all (the later-safe ones left out). */
  stableSysctls?: boolean;
}

const IMAGE = 'registry.k8s.io/pause:3.10';
const CAPS = [
  'NET_BIND_SERVICE',
  'CHOWN',
  'KILL',
  'SETUID',
  'AUDIT_WRITE',
  'NET_ADMIN',
  'NET_RAW',
  'SYS_ADMIN',
  'SYS_TIME',
  'ALL',
  'MKNOD',
  'SYS_PTRACE',
];
const SYSCTLS_SAFE = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_slow_start_after_idle',
];
const SYSCTLS_UNSAFE = ['kernel.msgmax', 'net.core.somaxconn', 'kernel.sem', 'net.ipv4.ip_forward'];
const SELINUX_TYPES = [
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
  'spc_t',
  'unconfined_t',
];
const APPARMOR = 'container.apparmor.security.beta.kubernetes.io/';
const HOST_PATHS = ['/var/log', '/var/log/pods', '/etc', '/data/app', '/run/containerd', '/'];

function container(name: string): any {
  return {
    name,
    image: IMAGE,
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
}

export function basePod(name: string, namespace: string, minor: number): any {
  const podSc: any = { runAsNonRoot: true };
  if (minor >= 19) podSc.seccompProfile = { type: 'RuntimeDefault' };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { securityContext: podSc, containers: [container('app')] },
  };
}

function allContainers(pod: any): any[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
}

function sc(c: any): any {
  c.securityContext ??= {};
  return c.securityContext;
}

type Mutation = (pod: any, r: Random, o: PodGenOptions) => void;

const mutations: Mutation[] = [
  // More containers, so per-container checks see several.
  (pod, r) => {
    pod.spec.containers.push(container(`side${pod.spec.containers.length}`));
    if (r.chance(0.3)) pod.spec.containers.at(-1).securityContext = r.chance(0.5) ? {} : undefined;
  },
  (pod, r) => {
    pod.spec.initContainers = [container('init')];
    if (r.chance(0.4)) pod.spec.initContainers[0].securityContext.allowPrivilegeEscalation = true;
  },
  // Host namespaces.
  (pod, r) => {
    const f = r.pick(['hostNetwork', 'hostPID', 'hostIPC']);
    pod.spec[f] = r.chance(0.8);
  },
  // Privileged (validation: no allowPrivilegeEscalation=false beside it).
  (pod, r) => {
    const c = sc(r.pick(allContainers(pod)));
    c.privileged = r.chance(0.8);
    if (c.privileged) c.allowPrivilegeEscalation = r.chance(0.5) ? true : undefined;
  },
  (pod, r) => {
    const c = sc(r.pick(allContainers(pod)));
    c.allowPrivilegeEscalation = r.pick([true, undefined, false]);
  },
  // Capabilities.
  (pod, r) => {
    const c = sc(r.pick(allContainers(pod)));
    const add = r.some(CAPS, 0.2);
    c.capabilities = { ...c.capabilities, add: add.length ? add : [r.pick(CAPS)] };
    if (c.capabilities.add.includes('SYS_ADMIN') && c.allowPrivilegeEscalation === false)
      c.allowPrivilegeEscalation = true;
  },
  (pod, r) => {
    const c = sc(r.pick(allContainers(pod)));
    c.capabilities = { ...c.capabilities, drop: r.pick([[], ['NET_RAW'], ['all'], ['ALL', 'NET_RAW'], undefined]) };
  },
  // Users and groups.
  (pod, r) => {
    const target = r.chance(0.5) ? (pod.spec.securityContext ??= {}) : sc(r.pick(allContainers(pod)));
    target.runAsNonRoot = r.pick([true, false, undefined]);
  },
  (pod, r) => {
    const target = r.chance(0.5) ? (pod.spec.securityContext ??= {}) : sc(r.pick(allContainers(pod)));
    target.runAsUser = r.pick([0, 1, 100, 1000, 65534, 2000]);
  },
  (pod, r) => {
    const target = r.chance(0.5) ? (pod.spec.securityContext ??= {}) : sc(r.pick(allContainers(pod)));
    target.runAsGroup = r.pick([0, 1, 100, 1000, 3000]);
  },
  (pod, r) => {
    pod.spec.securityContext ??= {};
    if (r.chance(0.5)) pod.spec.securityContext.fsGroup = r.pick([0, 1, 2000, 70000]);
    else pod.spec.securityContext.supplementalGroups = r.some([0, 1, 500, 2000, 70000], 0.4);
  },
  // Root filesystem.
  (pod, r) => {
    sc(r.pick(allContainers(pod))).readOnlyRootFilesystem = r.chance(0.5);
  },
  // SELinux.
  (pod, r) => {
    const target = r.chance(0.5) ? (pod.spec.securityContext ??= {}) : sc(r.pick(allContainers(pod)));
    const o: any = {};
    if (r.chance(0.7)) o.type = r.pick(SELINUX_TYPES);
    if (r.chance(0.2)) o.user = r.pick(['system_u', 'user_u']);
    if (r.chance(0.2)) o.role = r.pick(['system_r', 'object_r']);
    if (r.chance(0.3)) o.level = r.pick(['s0:c123,c456', 's0']);
    target.seLinuxOptions = o;
  },
  // seccomp: fields (1.19+) or annotations (PodSecurityPolicy reads both).
  (pod, r, o) => {
    const type = r.pick(['RuntimeDefault', 'Localhost', 'Unconfined']);
    const profile =
      type === 'Localhost' ? { type, localhostProfile: r.pick(['profiles/audit.json', 'my.json']) } : { type };
    if (o.minor >= 19 && r.chance(0.75)) {
      const target = r.chance(0.5) ? (pod.spec.securityContext ??= {}) : sc(r.pick(allContainers(pod)));
      target.seccompProfile = profile;
      if (r.chance(0.2)) delete pod.spec.securityContext?.seccompProfile;
      return;
    }
    if (o.minor >= 27) return; // annotations are ignored from here on
    const value =
      type === 'RuntimeDefault'
        ? r.pick(['runtime/default', 'docker/default'])
        : type === 'Unconfined'
          ? 'unconfined'
          : `localhost/${profile.localhostProfile}`;
    // Field and annotation must agree for the API server to accept the pod: the pod's field goes with the annotation.
    if (r.chance(0.5)) {
      pod.metadata.annotations = { ...pod.metadata.annotations, 'seccomp.security.alpha.kubernetes.io/pod': value };
      if (pod.spec.securityContext) delete pod.spec.securityContext.seccompProfile;
    } else {
      const c: any = r.pick(allContainers(pod));
      pod.metadata.annotations = {
        ...pod.metadata.annotations,
        [`container.seccomp.security.alpha.kubernetes.io/${c.name}`]: value,
      };
      if (c.securityContext) delete c.securityContext.seccompProfile;
    }
  },
  // AppArmor: annotation (any release) or field (1.30+), one per container.
  (pod, r, o) => {
    const c: any = r.pick(allContainers(pod));
    const type = r.pick(['RuntimeDefault', 'Localhost', 'Unconfined']);
    const annotations = Object.keys(pod.metadata.annotations ?? {}).filter((k) => k.startsWith(APPARMOR));
    // Validation wants an annotation and the field that applies to its container to agree:
    // a container gets one or the other, and the pod's field only without annotations.
    if ((o.appArmorFields ?? o.minor >= 30) && r.chance(0.7)) {
      const onPod = r.chance(0.4);
      if (onPod ? annotations.length > 0 : annotations.includes(APPARMOR + c.name)) return;
      const target = onPod ? (pod.spec.securityContext ??= {}) : sc(c);
      target.appArmorProfile = type === 'Localhost' ? { type, localhostProfile: 'k8s-apparmor-example' } : { type };
      return;
    }
    if (c.securityContext?.appArmorProfile || pod.spec.securityContext?.appArmorProfile) return;
    const value =
      type === 'RuntimeDefault'
        ? 'runtime/default'
        : type === 'Unconfined'
          ? 'unconfined'
          : 'localhost/k8s-apparmor-example';
    pod.metadata.annotations = {
      ...pod.metadata.annotations,
      [APPARMOR + c.name]: value,
    };
  },
  // Sysctls (not net.* with the host's network: validation refuses those).
  (pod, r, o) => {
    const safe = o.stableSysctls ? SYSCTLS_SAFE.slice(0, 5) : SYSCTLS_SAFE;
    const names = [...new Set([...r.some(safe, 0.2), ...r.some(SYSCTLS_UNSAFE, 0.15)])];
    if (names.length === 0) names.push(r.pick(SYSCTLS_UNSAFE));
    pod.spec.securityContext ??= {};
    pod.spec.securityContext.sysctls = names.map((name) => ({
      name,
      value: name.includes('range') ? '32768 60999' : '1',
    }));
  },
  // Host ports.
  (pod, r) => {
    const c: any = r.pick(pod.spec.containers);
    const port = r.pick([80, 443, 8080, 9100]);
    c.ports = [{ containerPort: port, hostPort: r.chance(0.8) ? port : undefined }];
  },
  (pod, r) => {
    const c: any = r.pick(pod.spec.containers);
    c.ports = [{ containerPort: 8443 }];
  },
  // Volumes.
  (pod, r, o) => {
    const kind = r.pick([
      'hostPath',
      'hostPath',
      'nfs',
      'cephfs',
      'flexVolume',
      'csi',
      'ephemeral',
      'configMap',
      'secret',
      'emptyDir',
      'projected',
      'downwardAPI',
      'persistentVolumeClaim',
    ]);
    const name = `v${(pod.spec.volumes ?? []).length}`;
    const sources: Record<string, any> = {
      hostPath: { path: r.pick(HOST_PATHS), type: r.pick([undefined, 'Directory', 'DirectoryOrCreate']) },
      nfs: { server: '10.0.0.5', path: '/exports' },
      cephfs: { monitors: ['10.0.0.6:6789'] },
      flexVolume: { driver: r.pick(['example.com/lvm', 'example.com/nfs']) },
      csi: { driver: r.pick(['csi.example.com', 'secrets-store.csi.k8s.io']) },
      ephemeral: {
        volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      },
      configMap: { name: 'cm' },
      secret: { secretName: 's' },
      emptyDir: {},
      projected: { sources: [{ configMap: { name: 'cm' } }] },
      downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
      persistentVolumeClaim: { claimName: 'data' },
    };
    if (kind === 'ephemeral' && o.minor < 21) return;
    pod.spec.volumes = [...(pod.spec.volumes ?? []), { name, [kind]: sources[kind] }];
    const c: any = r.pick(allContainers(pod));
    c.volumeMounts = [
      ...(c.volumeMounts ?? []),
      { name, mountPath: `/mnt/${name}`, readOnly: r.chance(0.5) ? true : undefined },
    ];
  },
  // Probes and lifecycle hooks with a host (checked from 1.34).
  (pod, r) => {
    const c: any = r.pick(pod.spec.containers);
    const host = r.pick(['127.0.0.1', 'localhost', '10.0.0.7', '::1', '']);
    const handler = r.chance(0.5)
      ? { httpGet: { port: 8080, host: host || undefined } }
      : { tcpSocket: { port: 8080, host: host || undefined } };
    if (r.chance(0.6)) c[r.pick(['livenessProbe', 'readinessProbe', 'startupProbe'])] = handler;
    else c.lifecycle = { [r.pick(['postStart', 'preStop'])]: handler };
  },
  // User namespaces (1.25+ field; checks relax for them from 1.35).
  (pod, r, o) => {
    if (o.minor < 25) return;
    pod.spec.hostUsers = !r.chance(0.7);
  },
  (pod, r, o) => {
    const c = sc(r.pick(allContainers(pod)));
    c.procMount = r.pick(['Default', 'Unmasked']);
    if (c.procMount === 'Unmasked' && o.minor >= 25) pod.spec.hostUsers = false;
  },
  // Which account the pod runs as, and whether it gets a token volume.
  (pod, r, o) => {
    if (o.serviceAccounts?.length) pod.spec.serviceAccountName = r.pick(o.serviceAccounts);
    if (r.chance(0.5)) pod.spec.automountServiceAccountToken = r.chance(0.5);
  },
  (pod, r, o) => {
    if (o.runtimeClasses?.length) pod.spec.runtimeClassName = r.pick(o.runtimeClasses);
  },
  // Nothing of the restricted rules at all.
  (pod) => {
    delete pod.spec.securityContext;
    for (const c of allContainers(pod)) delete c.securityContext;
  },
];

/** Makes combinations validation refuses consistent (the corpus wants admission verdicts, not 422s). */
function makeValid(pod: any, minor: number): void {
  const hostNs = pod.spec.hostNetwork || pod.spec.hostPID || pod.spec.hostIPC;
  if (pod.spec.hostUsers === false) {
    if (hostNs) delete pod.spec.hostUsers;
  }
  for (const c of allContainers(pod)) {
    const s = c.securityContext;
    if (!s) continue;
    if ((s.privileged || s.capabilities?.add?.includes('SYS_ADMIN')) && s.allowPrivilegeEscalation === false)
      s.allowPrivilegeEscalation = true;
    if (s.procMount === 'Unmasked' && minor >= 25 && pod.spec.hostUsers !== false) s.procMount = 'Default';
    if (s.capabilities && s.capabilities.drop === undefined && s.capabilities.add === undefined) delete s.capabilities;
  }
  if (pod.spec.hostNetwork) {
    pod.spec.securityContext?.sysctls?.splice(
      0,
      Infinity,
      ...pod.spec.securityContext.sysctls.filter((s: any) => !s.name.startsWith('net.')),
    );
    if (pod.spec.securityContext?.sysctls?.length === 0) delete pod.spec.securityContext.sysctls;
    for (const c of pod.spec.containers) for (const p of c.ports ?? []) p.hostPort = p.containerPort;
  }
  if (pod.spec.securityContext && Object.keys(pod.spec.securityContext).length === 0) delete pod.spec.securityContext;
}

export function randomPod(r: Random, name: string, o: PodGenOptions): any {
  const pod = basePod(name, o.namespace, o.minor);
  const n = r.pick([0, 1, 1, 2, 2, 2, 3, 4]);
  for (let i = 0; i < n; i++) r.pick(mutations)(pod, r, o);
  makeValid(pod, o.minor);
  return JSON.parse(JSON.stringify(pod));
}
