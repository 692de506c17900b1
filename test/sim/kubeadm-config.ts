/**
 * Reading the kubeadm config kubestrap renders, in every API version from
 * v1alpha2 to v1beta4: what this node is called and advertises, the networks,
 * the version to deploy, the API server's extra args and volumes, and the
 * kubelet's failSwapOn.
 */
import fs from 'node:fs';
import yaml from 'js-yaml';
import type { ExtraVolume } from './bootstrap.js';

export interface KubeadmConfig {
  apiVersions: { version: string; kind: string }[];
  nodeName?: string;
  advertiseAddress?: string;
  bindPort: number;
  criSocket?: string;
  kubernetesVersion?: string;
  podSubnet?: string;
  serviceSubnet: string;
  dnsDomain: string;
  apiServerArgs: Record<string, string>;
  apiServerVolumes: ExtraVolume[];
  failSwapOn: boolean;
  controlPlaneEndpoint?: string;
  /** imageRepository, when the config names one (kubeadm's default otherwise). */
  imageRepository?: string;
}

/** Which kubeadm minors read each config API version (src/versions.ts kubeadmApiFor: kubernetes PRs #125029 and #136016, kubeadm release notes). */
export const API_SPAN: Record<string, [number, number]> = {
  v1alpha2: [11, 12],
  v1alpha3: [12, 13],
  v1beta1: [13, 21],
  v1beta2: [15, 26],
  v1beta3: [22, 36],
  v1beta4: [31, 99],
};

/** The version each API was last read by (for "please use kubeadm vX" hints). */
function lastReader(v: string): string {
  const span = API_SPAN[v];
  return span ? `v1.${span[1]}` : 'v1.0';
}

export class ConfigError extends Error {}

function argsMap(v: unknown): Record<string, string> {
  if (Array.isArray(v)) {
    const out: Record<string, string> = {};
    for (const e of v)
      if (e && typeof e === 'object' && 'name' in e)
        out[String((e as { name: string }).name)] = String((e as { value?: unknown }).value ?? '');
    return out;
  }
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
  return {};
}

function volumes(v: unknown, apiVersion: string): ExtraVolume[] {
  if (!Array.isArray(v)) return [];
  return v.map((e: Record<string, unknown>) => ({
    name: String(e.name ?? ''),
    hostPath: String(e.hostPath ?? ''),
    mountPath: String(e.mountPath ?? ''),
    // v1alpha2/3 used `writable`; later `readOnly`.
    readOnly: e.readOnly !== undefined ? Boolean(e.readOnly) : apiVersion.startsWith('v1alpha') ? !e.writable : false,
    pathType: e.pathType ? String(e.pathType) : undefined,
  }));
}

const INIT_FIELDS: Record<string, string[]> = {
  base: ['apiVersion', 'kind', 'bootstrapTokens', 'nodeRegistration', 'localAPIEndpoint'],
  v1beta2: ['certificateKey'],
  v1beta3: ['certificateKey', 'skipPhases', 'patches'],
  v1beta4: ['certificateKey', 'skipPhases', 'patches', 'dryRun', 'timeouts'],
};
const CLUSTER_FIELDS = [
  'apiVersion',
  'kind',
  'etcd',
  'networking',
  'kubernetesVersion',
  'controlPlaneEndpoint',
  'apiServer',
  'controllerManager',
  'scheduler',
  'dns',
  'certificatesDir',
  'imageRepository',
  'featureGates',
  'clusterName',
];
const CLUSTER_EXTRA: Record<string, string[]> = {
  v1beta1: ['useHyperKubeImage'],
  v1beta2: ['useHyperKubeImage'],
  v1beta3: [],
  v1beta4: ['encryptionAlgorithm', 'proxy', 'certificateValidityPeriod', 'caCertificateValidityPeriod'],
};
const API_SERVER_FIELDS: Record<string, string[]> = {
  v1beta1: ['extraArgs', 'extraVolumes', 'certSANs', 'timeoutForControlPlane'],
  v1beta2: ['extraArgs', 'extraVolumes', 'certSANs', 'timeoutForControlPlane'],
  v1beta3: ['extraArgs', 'extraVolumes', 'certSANs', 'timeoutForControlPlane'],
  v1beta4: ['extraArgs', 'extraVolumes', 'certSANs', 'extraEnvs'],
};

/** Strict decoding: unknown fields, as `kubeadm config validate` reports them (strict.go). */
function strictErrors(doc: Record<string, unknown>, version: string, kind: string): string[] {
  const unknown: string[] = [];
  if (kind === 'InitConfiguration' && INIT_FIELDS[version]) {
    const ok = [...INIT_FIELDS.base, ...INIT_FIELDS[version]];
    for (const k of Object.keys(doc)) if (!ok.includes(k)) unknown.push(k);
  }
  if (kind === 'ClusterConfiguration' && CLUSTER_EXTRA[version]) {
    const ok = [...CLUSTER_FIELDS, ...CLUSTER_EXTRA[version]];
    for (const k of Object.keys(doc)) if (!ok.includes(k)) unknown.push(k);
    const api = doc.apiServer;
    if (api && typeof api === 'object')
      for (const k of Object.keys(api)) if (!API_SERVER_FIELDS[version].includes(k)) unknown.push(`apiServer.${k}`);
  }
  return unknown.map((f) => `unknown field "${f}"`);
}

/**
 * Reads the config as kubeadm of `kubeadmMinor` does. Throws ConfigError with
 * kubeadm's text for unreadable files and API versions it does not know.
 * Returns the klog W lines kubeadm prints (deprecated API versions).
 */
export function readKubeadmConfig(
  file: string,
  kubeadmMinor: number,
  opts: { strict?: boolean } = {},
): { config: KubeadmConfig; warnings: string[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (_e) {
    throw new ConfigError(`unable to read config from "${file}" : open ${file}: no such file or directory`);
  }
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
  } catch (e) {
    throw new ConfigError(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const cfg: KubeadmConfig = {
    apiVersions: [],
    bindPort: 6443,
    serviceSubnet: '10.96.0.0/12',
    dnsDomain: 'cluster.local',
    apiServerArgs: {},
    apiServerVolumes: [],
    failSwapOn: true,
  };
  const warnings: string[] = [];
  for (const d of docs as Record<string, any>[]) {
    const av = String(d.apiVersion ?? '');
    const kind = String(d.kind ?? '');
    if (av.startsWith('kubelet.config.k8s.io/')) {
      if (d.failSwapOn === false) cfg.failSwapOn = false;
      continue;
    }
    if (av.startsWith('kubeproxy.config.k8s.io/')) continue;
    if (!av.startsWith('kubeadm.k8s.io/')) continue;
    const version = av.slice('kubeadm.k8s.io/'.length);
    const span = API_SPAN[version];
    if (!span || kubeadmMinor > span[1]) {
      if (span)
        throw new ConfigError(
          `your configuration file uses an old API spec: "${av}". Please use kubeadm ${lastReader(version)} instead and run 'kubeadm config migrate --old-config old.yaml --new-config new.yaml', which will write the new, similar spec using a newer API version.`,
        );
      throw new ConfigError(
        `no kind "${kind}" is registered for version "${av}" in scheme "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"`,
      );
    }
    if (kubeadmMinor < span[0])
      throw new ConfigError(
        `no kind "${kind}" is registered for version "${av}" in scheme "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"`,
      );
    if (version === 'v1beta3' && kubeadmMinor >= 31) {
      warnings.push(
        `common.go:101] your configuration file uses a deprecated API spec: "${av}" (kind: "${kind}"). Please use 'kubeadm config migrate --old-config old-config-file --new-config new-config-file', which will write the new, similar spec using a newer API version.`,
      );
    }
    if (opts.strict) {
      const errs = strictErrors(d, version, kind);
      if (errs.length)
        throw new ConfigError(
          `error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"${version}", Kind:"${kind}"}: strict decoding error: ${errs.join(', ')}`,
        );
    }
    cfg.apiVersions.push({ version, kind });
    const nodeReg = d.nodeRegistration ?? {};
    if (nodeReg.name) cfg.nodeName = String(nodeReg.name);
    if (nodeReg.criSocket) cfg.criSocket = String(nodeReg.criSocket);
    const endpoint = d.localAPIEndpoint ?? d.apiEndpoint ?? d.api;
    if (endpoint?.advertiseAddress) cfg.advertiseAddress = String(endpoint.advertiseAddress);
    if (endpoint?.bindPort) cfg.bindPort = Number(endpoint.bindPort);
    if (d.kubernetesVersion) cfg.kubernetesVersion = String(d.kubernetesVersion);
    if (d.controlPlaneEndpoint) cfg.controlPlaneEndpoint = String(d.controlPlaneEndpoint);
    if (d.imageRepository) cfg.imageRepository = String(d.imageRepository);
    if (d.networking) {
      if (d.networking.podSubnet) cfg.podSubnet = String(d.networking.podSubnet);
      if (d.networking.serviceSubnet) cfg.serviceSubnet = String(d.networking.serviceSubnet);
      if (d.networking.dnsDomain) cfg.dnsDomain = String(d.networking.dnsDomain);
    }
    const args = { ...argsMap(d.apiServerExtraArgs), ...argsMap(d.apiServer?.extraArgs) };
    Object.assign(cfg.apiServerArgs, args);
    cfg.apiServerVolumes.push(
      ...volumes(d.apiServerExtraVolumes, version),
      ...volumes(d.apiServer?.extraVolumes, version),
    );
    if (kind === 'MasterConfiguration' && d.kubeletConfiguration?.baseConfig?.failSwapOn === false)
      cfg.failSwapOn = false;
  }
  return { config: cfg, warnings };
}

/** The config API version a kubeadm minor writes (uploads) by default. */
export function uploadApiVersion(kubeadmMinor: number): string {
  if (kubeadmMinor <= 11) return 'v1alpha2';
  if (kubeadmMinor === 12) return 'v1alpha3';
  if (kubeadmMinor <= 14) return 'v1beta1';
  if (kubeadmMinor <= 21) return 'v1beta2';
  if (kubeadmMinor <= 30) return 'v1beta3';
  return 'v1beta4';
}

/**
 * The kube-system/kubeadm-config ConfigMap's data, as `kubeadm init` uploads it:
 * the ClusterConfiguration in kubeadm's own API version (`MasterConfiguration` in
 * 1.11), API server flags as a map (or, v1beta4, a list of name/value pairs).
 */
export function uploadedConfig(
  cfg: KubeadmConfig,
  kubeadmMinor: number,
  opts: { version: string; podSubnet: string | null; serviceSubnet: string; dnsDomain: string; registry: string },
): Record<string, string> {
  const api = uploadApiVersion(kubeadmMinor);
  const networking = {
    dnsDomain: opts.dnsDomain,
    ...(opts.podSubnet ? { podSubnet: opts.podSubnet } : {}),
    serviceSubnet: opts.serviceSubnet,
  };
  const args = cfg.apiServerArgs;
  const vols = cfg.apiServerVolumes.map((v) => ({
    hostPath: v.hostPath,
    mountPath: v.mountPath,
    name: v.name,
    ...(v.pathType ? { pathType: v.pathType } : {}),
    readOnly: !!v.readOnly,
  }));
  if (api === 'v1alpha2' || api === 'v1alpha3') {
    const doc = {
      apiServerExtraArgs: args,
      ...(vols.length
        ? { apiServerExtraVolumes: vols.map(({ readOnly, ...v }) => ({ ...v, writable: !readOnly })) }
        : {}),
      apiVersion: `kubeadm.k8s.io/${api}`,
      certificatesDir: '/etc/kubernetes/pki',
      clusterName: 'kubernetes',
      imageRepository: opts.registry,
      kind: api === 'v1alpha2' ? 'MasterConfiguration' : 'ClusterConfiguration',
      kubernetesVersion: opts.version,
      networking,
    };
    return { [api === 'v1alpha2' ? 'MasterConfiguration' : 'ClusterConfiguration']: yaml.dump(doc) };
  }
  const apiServer: Record<string, unknown> = {};
  if (Object.keys(args).length)
    apiServer.extraArgs = api === 'v1beta4' ? Object.entries(args).map(([name, value]) => ({ name, value })) : args;
  if (vols.length) apiServer.extraVolumes = vols;
  if (api !== 'v1beta4') apiServer.timeoutForControlPlane = '4m0s';
  const doc = {
    apiServer,
    apiVersion: `kubeadm.k8s.io/${api}`,
    certificatesDir: '/etc/kubernetes/pki',
    clusterName: 'kubernetes',
    controllerManager: {},
    dns: {},
    etcd: { local: { dataDir: '/var/lib/etcd' } },
    imageRepository: opts.registry,
    kind: 'ClusterConfiguration',
    kubernetesVersion: opts.version,
    networking,
    scheduler: {},
  };
  return { ClusterConfiguration: yaml.dump(doc) };
}

/** What `kubeadm join --config` reads from a JoinConfiguration (NodeConfiguration in v1alpha2). */
export interface JoinConfig {
  endpoint?: string;
  token?: string;
  caCertHashes: string[];
  nodeName?: string;
  criSocket?: string;
  nodeIp?: string;
  /** JoinConfiguration.controlPlane (v1beta1+): this node becomes another control plane. */
  controlPlane?: { advertiseAddress?: string; certificateKey?: string };
}

/**
 * Reads a join config as kubeadm of `kubeadmMinor` does: the discovery settings flat
 * (v1alpha2, v1alpha3) or under discovery.bootstrapToken (v1beta1+), and kubeletExtraArgs
 * as a map, or from v1beta4 a list of name/value pairs (a map there is a decoding error).
 */
export function readJoinConfig(file: string, kubeadmMinor: number): JoinConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`unable to read config from "${file}" : open ${file}: no such file or directory`);
  }
  const docs = (yaml.loadAll(text) as Record<string, any>[]).filter(Boolean);
  const d = docs.find((x) => x.kind === 'JoinConfiguration' || x.kind === 'NodeConfiguration');
  if (!d) throw new ConfigError(`no JoinConfiguration in ${file}`);
  const av = String(d.apiVersion ?? '');
  const version = av.replace('kubeadm.k8s.io/', '');
  const span = API_SPAN[version];
  const kindOk = version === 'v1alpha2' ? d.kind === 'NodeConfiguration' : d.kind === 'JoinConfiguration';
  if (!span || kubeadmMinor < span[0] || kubeadmMinor > span[1] || !kindOk)
    throw new ConfigError(
      `no kind "${d.kind}" is registered for version "${av}" in scheme "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"`,
    );
  const reg = d.nodeRegistration ?? {};
  const extra = reg.kubeletExtraArgs;
  let nodeIp: string | undefined;
  if (Array.isArray(extra)) {
    if (version !== 'v1beta4')
      throw new ConfigError(
        `json: cannot unmarshal array into Go struct field NodeRegistrationOptions.nodeRegistration.kubeletExtraArgs of type map[string]string`,
      );
    nodeIp = extra.find((a: { name: string }) => a.name === 'node-ip')?.value;
  } else if (extra && typeof extra === 'object') {
    if (version === 'v1beta4')
      throw new ConfigError(
        `json: cannot unmarshal object into Go struct field NodeRegistrationOptions.nodeRegistration.kubeletExtraArgs of type []v1beta4.Arg`,
      );
    nodeIp = extra['node-ip'];
  }
  const flat = version === 'v1alpha2' || version === 'v1alpha3';
  const bt = d.discovery?.bootstrapToken ?? {};
  return {
    endpoint: flat ? d.discoveryTokenAPIServers?.[0] : bt.apiServerEndpoint,
    token: flat ? d.token : bt.token,
    caCertHashes: (flat ? d.discoveryTokenCACertHashes : bt.caCertHashes) ?? [],
    nodeName: reg.name,
    criSocket: reg.criSocket,
    nodeIp,
    ...(!flat && d.controlPlane && typeof d.controlPlane === 'object'
      ? {
          controlPlane: {
            advertiseAddress: d.controlPlane.localAPIEndpoint?.advertiseAddress,
            certificateKey: d.controlPlane.certificateKey,
          },
        }
      : {}),
  };
}
