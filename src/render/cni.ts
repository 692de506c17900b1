/**
 * The CNI manifest: flannel as kubestrap builds it, with its pod network always
 * equal to kubeadm's podSubnet, or the user's own manifest file.
 *
 * flannel is upstream's Documentation/kube-flannel.yml (v0.28.9) object for object,
 * with the pod network taken from kubeadm's podSubnet, the backend and --iface from the
 * config, and the namespace and OS label the minor needs. Its Namespace (when flannel
 * has its own) is the one the pod-security manifest has, repeated first here.
 * test/render/flannel-upstream.test.ts holds it to upstream's file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ClusterConfig } from '../config/load.js';
import { parseYamlDocuments } from '../config/yaml-source.js';
import { UserError } from '../errors.js';
import { MiB, readTextFile } from '../host/files.js';
import type {
  ConfigMap,
  DaemonSet,
  KubeDocument,
  KubeObject,
  Role,
  RoleBinding,
  ServiceAccount,
} from '../k8s/objects.js';
import { FLANNEL, flannelNamespace, osLabel } from '../versions.js';
import { privilegedNamespace } from './pod-security.js';

export interface CniRender {
  /** The objects of the manifest (flannel's as kubestrap builds them; a user's as read). */
  objects: KubeDocument[];
  /** The user's manifest as written (cni.manifest), undefined for flannel. */
  text?: string;
  warnings: string[];
}

/** flannel's CNI chain: the flannel plugin, then portmap for hostPort. */
const CNI_CONF = {
  name: 'cbr0',
  cniVersion: '0.3.1',
  plugins: [
    { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

export function flannelNetConf(cfg: ClusterConfig): object {
  // Without an explicit Backend flannel falls back to udp, so it is always written.
  return { Network: cfg.networking.podSubnet, EnableNFTables: false, Backend: { Type: cfg.cni.backend } };
}

const FLANNEL_LABELS = { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' };

function flannelObjects(cfg: ClusterConfig): KubeObject[] {
  const minor = cfg.version.minor;
  const namespace = flannelNamespace(minor);
  const args = ['--ip-masq', '--kube-subnet-mgr', '--healthz-port=8081'];
  if (cfg.cni.iface !== '') args.push(`--iface=${cfg.cni.iface}`);
  const serviceAccount: ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'flannel', namespace, labels: { 'k8s-app': 'flannel' } },
  };
  const clusterRole: Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'flannel', labels: { 'k8s-app': 'flannel' } },
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
    ],
  };
  const binding: RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'flannel', labels: { 'k8s-app': 'flannel' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flannel' },
    subjects: [{ kind: 'ServiceAccount', name: 'flannel', namespace }],
  };
  const config: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-flannel-cfg', namespace, labels: { ...FLANNEL_LABELS } },
    data: {
      'cni-conf.json': `${JSON.stringify(CNI_CONF, null, 2)}\n`,
      'net-conf.json': `${JSON.stringify(flannelNetConf(cfg), null, 2)}\n`,
    },
  };
  const daemonSet: DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-flannel-ds', namespace, labels: { ...FLANNEL_LABELS } },
    spec: {
      // Upstream's selector exactly: a selector is immutable, so any other one could not be
      // applied over a flannel installed from upstream's manifest.
      selector: { matchLabels: { app: 'flannel' } },
      template: {
        metadata: { labels: { app: 'flannel', tier: 'node' } },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: osLabel(minor), operator: 'In', values: ['linux'] }] }],
              },
            },
          },
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
          serviceAccountName: 'flannel',
          initContainers: [
            {
              name: 'install-cni-plugin',
              image: FLANNEL.cniPluginImage,
              command: ['cp'],
              args: ['-f', '/flannel', '/opt/cni/bin/flannel'],
              volumeMounts: [{ name: 'cni-plugin', mountPath: '/opt/cni/bin' }],
            },
            // install-conf writes the conflist atomically: the kubelet never reads half a file.
            {
              name: 'install-cni',
              image: FLANNEL.image,
              command: ['/opt/bin/install-conf'],
              args: ['/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist'],
              volumeMounts: [
                { name: 'cni', mountPath: '/etc/cni/net.d' },
                { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
              ],
            },
          ],
          containers: [
            {
              name: 'kube-flannel',
              image: FLANNEL.image,
              command: ['/opt/bin/flanneld'],
              args,
              ports: [{ name: 'healthz', containerPort: 8081, protocol: 'TCP' }],
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'healthz' },
                initialDelaySeconds: 10,
                periodSeconds: 30,
              },
              // Ready once flanneld has its lease and wrote subnet.env, not merely started.
              readinessProbe: {
                httpGet: { path: '/readyz', port: 'healthz' },
                initialDelaySeconds: 5,
                periodSeconds: 10,
              },
              resources: { requests: { cpu: '100m', memory: '50Mi' } },
              securityContext: { privileged: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'EVENT_QUEUE_DEPTH', value: '5000' },
                { name: 'CONT_WHEN_CACHE_NOT_READY', value: 'false' },
              ],
              volumeMounts: [
                { name: 'run', mountPath: '/run/flannel' },
                { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
                { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
              ],
            },
          ],
          volumes: [
            { name: 'run', hostPath: { path: '/run/flannel' } },
            { name: 'cni-plugin', hostPath: { path: '/opt/cni/bin' } },
            { name: 'cni', hostPath: { path: '/etc/cni/net.d' } },
            { name: 'flannel-cfg', configMap: { name: 'kube-flannel-cfg' } },
            { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
          ],
        },
      },
    },
  };
  const ns = namespace !== 'kube-system' ? privilegedNamespace(cfg, namespace) : undefined;
  return [...(ns ? [ns] : []), serviceAccount, clusterRole, binding, config, daemonSet];
}

export function renderCni(cfg: ClusterConfig): CniRender {
  if (cfg.cni.manifest !== '') return customManifest(cfg);
  return { objects: flannelObjects(cfg), warnings: [] };
}

/** The largest CNI manifests (Calico's, with its CRDs) are about 1.5 MiB. */
const MAX_MANIFEST_BYTES = 16 * MiB;

function customManifest(cfg: ClusterConfig): CniRender {
  const file = path.resolve(cfg.baseDir, cfg.cni.manifest);
  if (!existsSync(file)) {
    throw new UserError(`file not found: ${file}`, cfg.source ? { file: cfg.source } : undefined, 'cni.manifest');
  }
  let text: string;
  try {
    text = readTextFile(file, { maxBytes: MAX_MANIFEST_BYTES, what: 'a CNI manifest' });
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(`${file}: ${e.message}`, cfg.source ? { file: cfg.source } : undefined, 'cni.manifest');
  }
  const objects = parseYamlDocuments(text, cfg.cni.manifest, { version: '1.1', requireName: true });
  const warnings: string[] = [];
  const netConfs = objects.filter(
    (o) =>
      o.kind === 'ConfigMap' && typeof (o.data as Record<string, unknown> | undefined)?.['net-conf.json'] === 'string',
  );
  if (netConfs.length === 0) {
    warnings.push(
      `${cfg.cni.manifest}: no ConfigMap with net-conf.json found; make sure its pod network is ${cfg.networking.podSubnet} (networking.podSubnet)`,
    );
  }
  for (const cm of netConfs) {
    const raw = (cm.data as Record<string, string>)['net-conf.json'];
    let network: unknown;
    try {
      network = (JSON.parse(raw) as { Network?: unknown }).Network;
    } catch {
      warnings.push(
        `${cfg.cni.manifest}: net-conf.json in ConfigMap ${String((cm.metadata as { name?: string })?.name)} is not valid JSON`,
      );
      continue;
    }
    if (network !== cfg.networking.podSubnet) {
      warnings.push(
        `${cfg.cni.manifest}: net-conf.json Network is ${JSON.stringify(network)} but networking.podSubnet is ${cfg.networking.podSubnet}; ` +
          'pods will get addresses the cluster does not route (flannel#1428)',
      );
    }
  }
  for (const ds of objects.filter((o) => o.kind === 'DaemonSet')) {
    const ns = typeof ds.metadata?.namespace === 'string' ? ds.metadata.namespace : 'default';
    if (!cfg.podSecurity.privilegedNamespaces.includes(ns)) {
      warnings.push(
        `${cfg.cni.manifest}: DaemonSet ${String(ds.metadata?.name)} runs in namespace ${ns}, which is not in podSecurity.privilegedNamespaces; ` +
          'a CNI needs host networking and its pods will be refused unless the manifest brings its own policy',
      );
    }
  }
  return { objects, text, warnings };
}
