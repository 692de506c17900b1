/**
 * The API server's defaulting that changes what the PodSecurity checks see. The plugin
 * runs after decoding, and decoding applies the v1 defaults (pkg/apis/core/v1/defaults.go),
 * so a pod as written is not the pod the checks read:
 * - SetDefaults_Volume: a volume that names no source becomes an `emptyDir`
 *   (upstream's restricted fixtures rely on it: restrictedVolumes' passing pod has
 *   `{Name: "volume0", VolumeSource: {}}`, "implicit empty dir", test/fixtures_restrictedVolumes.go);
 * - SetDefaults_Pod: with `hostNetwork`, a container or init container port without a
 *   hostPort gets hostPort = containerPort. Since 1.28 only Pods get this, not the pod
 *   templates of workloads (feature gate DefaultHostNetworkHostPortsInPodTemplates,
 *   deprecated and off since 1.28, kubernetes PR #117696). It changes the baseline
 *   message (a `hostPort` entry beside `host namespaces`), never the verdict: hostNetwork
 *   alone already fails baseline.
 * The other v1 defaults (dnsPolicy, probe timeouts, an empty pod securityContext, ...)
 * touch no field a check reads.
 *
 * A volume with a key kubestrap does not know is left alone, so it stays an "unknown"
 * restricted volume type: the API server would drop the field and default the volume,
 * but kubectl's strict field validation (its default) refuses such a manifest, and an
 * offline check should not wave through a source it cannot name.
 *
 * Returns the input spec when nothing changes (the common case allocates nothing), else
 * a shallow copy with new volume / container lists.
 */
import type { PodSpecLike } from './helpers.js';

/** Every source field of v1 VolumeSource (staging/src/k8s.io/api/core/v1/types.go), `image` (1.31+) included. */
const VOLUME_SOURCES: ReadonlySet<string> = new Set([
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
]);

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** No source set (null counts as unset, as Go's decoder reads it) and no field kubestrap cannot name. */
function hasNoSource(v: Obj): boolean {
  for (const key in v) {
    if (key === 'name') continue;
    if (!VOLUME_SOURCES.has(key)) return false;
    if (v[key] !== null && v[key] !== undefined) return false;
  }
  return true;
}

function defaultVolumes(volumes: unknown): Obj[] | undefined {
  if (!Array.isArray(volumes)) return undefined;
  let out: Obj[] | undefined;
  for (let i = 0; i < volumes.length; i++) {
    const v = volumes[i];
    if (!isObj(v) || !hasNoSource(v)) continue;
    out ??= volumes.slice();
    out[i] = { name: v.name, emptyDir: {} };
  }
  return out;
}

function defaultHostNetworkPorts(containers: unknown): unknown[] | undefined {
  if (!Array.isArray(containers)) return undefined;
  let out: unknown[] | undefined;
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i];
    if (!isObj(c) || !Array.isArray(c.ports)) continue;
    const needs = (p: unknown) =>
      isObj(p) && !p.hostPort && typeof p.containerPort === 'number' && p.containerPort !== 0;
    if (!c.ports.some(needs)) continue;
    out ??= containers.slice();
    out[i] = {
      ...c,
      ports: c.ports.map((p) => (needs(p) ? { ...(p as Obj), hostPort: (p as Obj).containerPort } : p)),
    };
  }
  return out;
}

/**
 * The spec the PodSecurity checks read: `spec` after the API server's defaulting.
 * `isPod` is true for a Pod (SetDefaults_Pod applies), false for a workload's template.
 */
export function defaultedPodSpec(spec: PodSpecLike, isPod: boolean): PodSpecLike {
  const volumes = defaultVolumes(spec.volumes);
  const hostNet = isPod && spec.hostNetwork === true;
  const containers = hostNet ? defaultHostNetworkPorts(spec.containers) : undefined;
  const initContainers = hostNet ? defaultHostNetworkPorts(spec.initContainers) : undefined;
  if (!volumes && !containers && !initContainers) return spec;
  return {
    ...spec,
    ...(volumes ? { volumes } : {}),
    ...(containers ? { containers } : {}),
    ...(initContainers ? { initContainers } : {}),
  };
}
