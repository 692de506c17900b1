/**
 * Which PodSecurityPolicy volume type (FSType) a pod volume is, and whether a host
 * path is allowed (pkg/security/podsecuritypolicy/util/util.go: GetVolumeFSType,
 * AllowsHostVolumePath, hasPathPrefix).
 *
 * Pod fields and FSType names differ in one place: the pod's `cephfs` volume is the
 * policy's `cephFS`.
 */
import type { Volume } from './pod.js';

/** Pod volume source key -> FSType, in upstream's lookup order. */
const SOURCE_TO_FSTYPE: readonly (readonly [string, string])[] = [
  ['hostPath', 'hostPath'],
  ['emptyDir', 'emptyDir'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['gitRepo', 'gitRepo'],
  ['secret', 'secret'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['persistentVolumeClaim', 'persistentVolumeClaim'],
  ['rbd', 'rbd'],
  ['flexVolume', 'flexVolume'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephFS'],
  ['flocker', 'flocker'],
  ['downwardAPI', 'downwardAPI'],
  ['fc', 'fc'],
  ['azureFile', 'azureFile'],
  ['configMap', 'configMap'],
  ['vsphereVolume', 'vsphereVolume'],
  ['quobyte', 'quobyte'],
  ['azureDisk', 'azureDisk'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['storageos', 'storageos'],
  ['projected', 'projected'],
  ['portworxVolume', 'portworxVolume'],
  ['scaleIO', 'scaleIO'],
  ['csi', 'csi'],
  ['ephemeral', 'ephemeral'],
];

/** The pod volume source keys kubestrap knows (for input checks). */
export const VOLUME_SOURCES: ReadonlySet<string> = new Set(SOURCE_TO_FSTYPE.map(([k]) => k));

/**
 * The FSType of a volume. A volume with no source is an emptyDir: the v1 API's
 * defaulting (SetDefaults_Volume) turns it into one before admission sees it.
 */
export function volumeFSType(v: Volume): string {
  for (const [source, fsType] of SOURCE_TO_FSTYPE) {
    if (v[source] != null) return fsType;
  }
  return 'emptyDir';
}

const FSTYPE_OF_SOURCE: ReadonlyMap<string, string> = new Map(SOURCE_TO_FSTYPE);

/** The FSType of one volume source key (one of VOLUME_SOURCES). */
export function fsTypeOfSource(source: string): string {
  return FSTYPE_OF_SOURCE.get(source)!;
}

/**
 * Whether `prefix` covers `path` on whole segments: `/foo` covers `/foo` and `/foo/bar`
 * but not `/foobar`. Trailing slashes on either side are ignored.
 */
export function hasPathPrefix(path: string, prefix: string): boolean {
  const s = path.endsWith('/') ? path.slice(0, -1) : path;
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!s.startsWith(p)) return false;
  return s.length === p.length || s[p.length] === '/';
}

export interface HostPathVerdict {
  allowed: boolean;
  /** Allowed only through readOnly entries: every mount of the volume must be read-only. */
  mustBeReadOnly: boolean;
}

/**
 * No allowedHostPaths: any path. Otherwise a matching writable entry wins outright;
 * if only readOnly entries match, the path is allowed read-only.
 */
export function allowsHostPath(
  allowedHostPaths: readonly { pathPrefix: string; readOnly?: boolean }[] | undefined,
  path: string,
): HostPathVerdict {
  if (!allowedHostPaths || allowedHostPaths.length === 0) return { allowed: true, mustBeReadOnly: false };
  let allowed = false;
  for (const entry of allowedHostPaths) {
    if (!hasPathPrefix(path, entry.pathPrefix)) continue;
    if (!entry.readOnly) return { allowed: true, mustBeReadOnly: false };
    allowed = true;
  }
  return { allowed, mustBeReadOnly: allowed };
}
