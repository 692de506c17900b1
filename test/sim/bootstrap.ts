/**
 * What `kubeadm init` puts into a new cluster: the static control-plane pods,
 * kube-proxy and CoreDNS, the system namespaces and service accounts, the
 * bootstrap RBAC the checks depend on, and the Node the kubelet registers.
 * Shapes follow kubeadm's manifests of the version (fields that admission reads
 * are exact; the rest is representative).
 */
import type { ClusterState, KObj } from './types.js';

export function registry(minor: number): string {
  return minor >= 25 ? 'registry.k8s.io' : 'k8s.gcr.io';
}

export function etcdImageTag(minor: number): string {
  if (minor <= 12) return '3.2.24';
  if (minor <= 14) return '3.3.10';
  if (minor <= 16) return '3.3.15-0';
  if (minor <= 18) return '3.4.3-0';
  if (minor <= 21) return '3.4.13-0';
  if (minor <= 24) return '3.5.6-0';
  if (minor <= 28) return '3.5.9-0';
  if (minor <= 30) return '3.5.12-0';
  if (minor <= 31) return '3.5.15-0';
  if (minor <= 32) return '3.5.16-0';
  return '3.5.21-0';
}

export function corednsImage(minor: number): string {
  const r = registry(minor);
  if (minor <= 12) return `${r}/coredns:1.2.2`;
  if (minor <= 13) return `${r}/coredns:1.2.6`;
  if (minor <= 15) return `${r}/coredns:1.3.1`;
  if (minor <= 16) return `${r}/coredns:1.6.2`;
  if (minor <= 17) return `${r}/coredns:1.6.5`;
  if (minor <= 18) return `${r}/coredns:1.6.7`;
  if (minor <= 20) return `${r}/coredns:1.7.0`;
  if (minor <= 21) return `${r}/coredns/coredns:v1.8.0`;
  if (minor <= 24) return `${r}/coredns/coredns:v1.8.6`;
  if (minor <= 26) return `${r}/coredns/coredns:v1.9.3`;
  if (minor <= 28) return `${r}/coredns/coredns:v1.10.1`;
  if (minor <= 30) return `${r}/coredns/coredns:v1.11.1`;
  if (minor <= 32) return `${r}/coredns/coredns:v1.11.3`;
  return `${r}/coredns/coredns:v1.12.0`;
}

export function pauseImage(minor: number): string {
  return `${registry(minor)}/pause:${minor >= 29 ? '3.9' : minor >= 26 ? '3.9' : minor >= 24 ? '3.7' : '3.6'}`;
}

/** The images `kubeadm config images list` prints. */
export function kubeadmImages(version: string, minor: number): string[] {
  const r = registry(minor);
  return [
    `${r}/kube-apiserver:${version}`,
    `${r}/kube-controller-manager:${version}`,
    `${r}/kube-scheduler:${version}`,
    `${r}/kube-proxy:${version}`,
    pauseImage(minor),
    `${r}/etcd:${etcdImageTag(minor)}`,
    corednsImage(minor),
  ];
}

interface HostPathVol {
  name: string;
  path: string;
  type?: string;
  mountPath?: string;
  readOnly?: boolean;
}

function staticPod(
  c: ClusterState,
  name: string,
  command: string[],
  image: string,
  vols: HostPathVol[],
  extra: { annotations?: Record<string, string>; port?: number; cpu: string },
): KObj {
  const pod: KObj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      creationTimestamp: null,
      labels: { component: name, tier: 'control-plane' },
      name,
      namespace: 'kube-system',
    },
    spec: {
      containers: [
        {
          command,
          image,
          imagePullPolicy: 'IfNotPresent',
          name,
          resources: { requests: { cpu: extra.cpu } },
          volumeMounts: vols.map((v) => ({
            mountPath: v.mountPath ?? v.path,
            name: v.name,
            ...(v.readOnly ? { readOnly: true } : {}),
          })),
        },
      ],
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      ...(c.minor >= 22 ? { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } } : {}),
      volumes: vols.map((v) => ({ hostPath: { path: v.path, ...(v.type ? { type: v.type } : {}) }, name: v.name })),
    },
    status: {},
  };
  return pod;
}

const CA_VOLS: HostPathVol[] = [
  { name: 'ca-certs', path: '/etc/ssl/certs', type: 'DirectoryOrCreate', readOnly: true },
  { name: 'etc-ca-certificates', path: '/etc/ca-certificates', type: 'DirectoryOrCreate', readOnly: true },
];

export interface ExtraVolume {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly?: boolean;
  pathType?: string;
}

export function staticPods(
  c: ClusterState,
  apiServerArgs: Record<string, string>,
  apiServerVolumes: ExtraVolume[],
): KObj[] {
  const r = registry(c.minor);
  const flags = (o: Record<string, string>) =>
    Object.keys(o)
      .sort()
      .map((k) => `--${k}=${o[k]}`);
  const apiArgs: Record<string, string> = {
    'advertise-address': c.advertiseAddress,
    'allow-privileged': 'true',
    'authorization-mode': 'Node,RBAC',
    'client-ca-file': '/etc/kubernetes/pki/ca.crt',
    'enable-admission-plugins': 'NodeRestriction',
    'enable-bootstrap-token-auth': 'true',
    'etcd-servers': 'https://127.0.0.1:2379',
    'secure-port': String(c.bindPort),
    'service-cluster-ip-range': c.serviceSubnet,
    'tls-cert-file': '/etc/kubernetes/pki/apiserver.crt',
    'tls-private-key-file': '/etc/kubernetes/pki/apiserver.key',
    ...apiServerArgs,
  };
  const apiserver = staticPod(
    c,
    'kube-apiserver',
    ['kube-apiserver', ...flags(apiArgs)],
    `${r}/kube-apiserver:${c.version}`,
    [
      ...CA_VOLS,
      { name: 'k8s-certs', path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate', readOnly: true },
      ...apiServerVolumes.map((v) => ({
        name: v.name,
        path: v.hostPath,
        mountPath: v.mountPath,
        readOnly: v.readOnly,
        type: v.pathType,
      })),
    ],
    {
      annotations: {
        'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${c.advertiseAddress}:${c.bindPort}`,
      },
      cpu: '250m',
    },
  );
  const cmArgs: Record<string, string> = {
    'authentication-kubeconfig': '/etc/kubernetes/controller-manager.conf',
    'authorization-kubeconfig': '/etc/kubernetes/controller-manager.conf',
    'bind-address': '127.0.0.1',
    'client-ca-file': '/etc/kubernetes/pki/ca.crt',
    'cluster-name': 'kubernetes',
    controllers: '*,bootstrapsigner,tokencleaner',
    kubeconfig: '/etc/kubernetes/controller-manager.conf',
    'leader-elect': 'true',
    'service-cluster-ip-range': c.serviceSubnet,
    'use-service-account-credentials': 'true',
    ...(c.podSubnet ? { 'allocate-node-cidrs': 'true', 'cluster-cidr': c.podSubnet } : {}),
  };
  const cm = staticPod(
    c,
    'kube-controller-manager',
    ['kube-controller-manager', ...flags(cmArgs)],
    `${r}/kube-controller-manager:${c.version}`,
    [
      ...CA_VOLS,
      {
        name: 'flexvolume-dir',
        path: '/usr/libexec/kubernetes/kubelet-plugins/volume/exec',
        type: 'DirectoryOrCreate',
      },
      { name: 'k8s-certs', path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate', readOnly: true },
      { name: 'kubeconfig', path: '/etc/kubernetes/controller-manager.conf', type: 'FileOrCreate', readOnly: true },
    ],
    { cpu: '200m' },
  );
  const sched = staticPod(
    c,
    'kube-scheduler',
    [
      'kube-scheduler',
      '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--bind-address=127.0.0.1',
      '--kubeconfig=/etc/kubernetes/scheduler.conf',
      '--leader-elect=true',
    ],
    `${r}/kube-scheduler:${c.version}`,
    [{ name: 'kubeconfig', path: '/etc/kubernetes/scheduler.conf', type: 'FileOrCreate', readOnly: true }],
    { cpu: '100m' },
  );
  const etcd = staticPod(
    c,
    'etcd',
    [
      'etcd',
      `--advertise-client-urls=https://${c.advertiseAddress}:2379`,
      '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
      '--data-dir=/var/lib/etcd',
      `--initial-advertise-peer-urls=https://${c.advertiseAddress}:2380`,
      `--initial-cluster=${c.nodeName}=https://${c.advertiseAddress}:2380`,
      `--listen-client-urls=https://127.0.0.1:2379,https://${c.advertiseAddress}:2379`,
      `--listen-peer-urls=https://${c.advertiseAddress}:2380`,
      `--name=${c.nodeName}`,
    ],
    `${r}/etcd:${etcdImageTag(c.minor)}`,
    [
      { name: 'etcd-certs', path: '/etc/kubernetes/pki/etcd', type: 'DirectoryOrCreate' },
      { name: 'etcd-data', path: '/var/lib/etcd', type: 'DirectoryOrCreate' },
    ],
    {
      annotations: { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${c.advertiseAddress}:2379` },
      cpu: '100m',
    },
  );
  etcd.metadata.labels = { component: 'etcd', tier: 'control-plane' };
  return [etcd, apiserver, cm, sched];
}

export function kubeProxyDaemonSet(c: ClusterState): KObj {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { labels: { 'k8s-app': 'kube-proxy' }, name: 'kube-proxy', namespace: 'kube-system' },
    spec: {
      revisionHistoryLimit: 10,
      selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-proxy' } },
        spec: {
          containers: [
            {
              command: [
                '/usr/local/bin/kube-proxy',
                '--config=/var/lib/kube-proxy/config.conf',
                '--hostname-override=$(NODE_NAME)',
              ],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
              image: `${registry(c.minor)}/kube-proxy:${c.version}`,
              imagePullPolicy: 'IfNotPresent',
              name: 'kube-proxy',
              securityContext: { privileged: true },
              volumeMounts: [
                { mountPath: '/var/lib/kube-proxy', name: 'kube-proxy' },
                { mountPath: '/run/xtables.lock', name: 'xtables-lock' },
                { mountPath: '/lib/modules', name: 'lib-modules', readOnly: true },
              ],
            },
          ],
          hostNetwork: true,
          nodeSelector: { [c.minor >= 14 ? 'kubernetes.io/os' : 'beta.kubernetes.io/os']: 'linux' },
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'kube-proxy',
          tolerations: [{ operator: 'Exists' }],
          volumes: [
            { configMap: { name: 'kube-proxy' }, name: 'kube-proxy' },
            { hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' }, name: 'xtables-lock' },
            { hostPath: { path: '/lib/modules' }, name: 'lib-modules' },
          ],
        },
      },
      updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' },
    },
  };
}

export function corednsDeployment(c: ClusterState): KObj {
  const cpTaints =
    c.minor <= 23
      ? ['node-role.kubernetes.io/master']
      : c.minor === 24
        ? ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane']
        : ['node-role.kubernetes.io/control-plane'];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { labels: { 'k8s-app': 'kube-dns' }, name: 'coredns', namespace: 'kube-system' },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 2,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 }, type: 'RollingUpdate' },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          containers: [
            {
              args: ['-conf', '/etc/coredns/Corefile'],
              image: corednsImage(c.minor),
              imagePullPolicy: 'IfNotPresent',
              livenessProbe: {
                failureThreshold: 5,
                httpGet: { path: '/health', port: 8080, scheme: 'HTTP' },
                initialDelaySeconds: 60,
                periodSeconds: 10,
                successThreshold: 1,
                timeoutSeconds: 5,
              },
              name: 'coredns',
              ports: [
                { containerPort: 53, name: 'dns', protocol: 'UDP' },
                { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
              ],
              readinessProbe: {
                failureThreshold: 3,
                httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' },
                periodSeconds: 10,
                successThreshold: 1,
                timeoutSeconds: 1,
              },
              resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { add: ['NET_BIND_SERVICE'], drop: [c.minor >= 26 ? 'ALL' : 'all'] },
                readOnlyRootFilesystem: true,
              },
              volumeMounts: [{ mountPath: '/etc/coredns', name: 'config-volume', readOnly: true }],
            },
          ],
          dnsPolicy: 'Default',
          nodeSelector: { [c.minor >= 14 ? 'kubernetes.io/os' : 'beta.kubernetes.io/os']: 'linux' },
          priorityClassName: 'system-cluster-critical',
          serviceAccountName: 'coredns',
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            ...cpTaints.map((key) => ({ effect: 'NoSchedule', key })),
          ],
          volumes: [
            { configMap: { items: [{ key: 'Corefile', path: 'Corefile' }], name: 'coredns' }, name: 'config-volume' },
          ],
        },
      },
    },
  };
}

/** Bootstrap RBAC: enough of the default roles for can-i and PSP `use` to answer as a real cluster. */
export function bootstrapRbac(c: ClusterState): KObj[] {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const everyAction = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
  const read = ['get', 'list', 'watch'];
  const workloads = {
    apiGroups: ['apps'],
    resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'],
    verbs: everyAction,
  };
  const core = {
    apiGroups: [''],
    resources: ['pods', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims', 'endpoints'],
    verbs: everyAction,
  };
  const objs: KObj[] = [
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, name: 'cluster-admin' },
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, name: 'admin' },
      rules: [
        core,
        workloads,
        { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: everyAction },
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: everyAction },
      ],
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, name: 'edit' },
      rules: [core, workloads, { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: everyAction }],
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, name: 'view' },
      rules: [
        { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'serviceaccounts', 'endpoints'], verbs: read },
        { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: read },
      ],
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, name: 'cluster-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }],
    },
  ];
  if (c.minor >= 29) {
    objs.push({
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kubeadm:cluster-admins' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kubeadm:cluster-admins' }],
    });
  }
  return objs;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

export function controlPlaneTaintKeys(minor: number): string[] {
  if (minor <= 23) return ['node-role.kubernetes.io/master'];
  if (minor === 24) return ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane'];
  return ['node-role.kubernetes.io/control-plane'];
}

export function controlPlaneLabels(minor: number): string[] {
  if (minor <= 19) return ['node-role.kubernetes.io/master'];
  if (minor <= 23)
    return [
      'node-role.kubernetes.io/master',
      'node-role.kubernetes.io/control-plane',
      'node.kubernetes.io/exclude-from-external-load-balancers',
    ];
  return ['node-role.kubernetes.io/control-plane', 'node.kubernetes.io/exclude-from-external-load-balancers'];
}

/** The `[mark-control-plane] ... labels: [...]` text (1.20-1.23 mark the master label deprecated). */
export function controlPlaneLabelText(minor: number): string {
  if (minor <= 19) return '[node-role.kubernetes.io/master=""]';
  if (minor <= 23)
    return '[node-role.kubernetes.io/master(deprecated) node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]';
  return '[node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers]';
}

export function nodeObject(c: ClusterState, kubeletVersion: string, now: number, criSocket: string): KObj {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': c.nodeName,
    'kubernetes.io/os': 'linux',
  };
  for (const l of controlPlaneLabels(c.minor)) labels[l] = '';
  const podCIDR = c.podSubnet ? podCidrFor(c.podSubnet) : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      annotations: {
        ...(c.minor <= 26 ? { 'kubeadm.alpha.kubernetes.io/cri-socket': criSocket } : {}),
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
      labels,
      name: c.nodeName,
    },
    spec: {
      ...(podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {}),
      taints: [
        ...controlPlaneTaintKeys(c.minor).map((key) => ({ effect: 'NoSchedule', key })),
        { effect: 'NoSchedule', key: 'node.kubernetes.io/not-ready' },
      ],
    },
    status: {
      addresses: [
        { address: c.advertiseAddress, type: 'InternalIP' },
        { address: c.nodeName, type: 'Hostname' },
      ],
      allocatable: { cpu: '2', 'ephemeral-storage': '37867920936', memory: '3921504Ki', pods: '110' },
      capacity: { cpu: '2', 'ephemeral-storage': '41089032Ki', memory: '4023904Ki', pods: '110' },
      conditions: [],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: 'b3f2a1c4-5d6e-4f70-8a9b-0c1d2e3f4a5b',
        containerRuntimeVersion: 'containerd://1.7.12',
        kernelVersion: '5.15.0-91-generic',
        kubeProxyVersion: kubeletVersion,
        kubeletVersion,
        machineID: 'f1e2d3c4b5a697887766554433221100',
        operatingSystem: 'linux',
        osImage: 'Ubuntu 22.04.4 LTS',
        systemUUID: '4c4c4544-0042-3510-8052-b4c04f4e4d32',
      },
    },
    _sim: { createdAt: now },
  };
}

/** The first /24 of the pod subnet: what the node IPAM controller hands the first node. */
export function podCidrFor(subnet: string): string {
  const [ip] = subnet.split('/');
  const p = ip.split('.').map(Number);
  return `${p[0]}.${p[1]}.${p[2]}.0/24`;
}
