/**
 * restrictedVolumes (restricted, v1.0+): only the inline volume sources that expose no
 * host or network storage are allowed: configMap, csi, downwardAPI, emptyDir,
 * ephemeral, image, persistentVolumeClaim, projected, secret.
 *
 * Upstream: policy/check_restrictedVolumes.go (read at b8ff6a45) with one revision at
 * 1.0 and OverrideCheckIDs ["hostPathVolumes"], so restricted reports hostPath here
 * instead of as "hostPath volumes". `image` was added to the 1.0 function by PR
 * #130394 (Kubernetes 1.33; check_restrictedVolumes_test.go at 030880a5, volume "a9"),
 * so a current plugin allows image volumes at every pinned version. A volume with no
 * known source is reported as type "unknown". Detail example (that test):
 * `volumes "b1", "c1" use restricted volume types "hostPath", "unknown"`.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { joinQuote, nameOf, pluralize, sortedSet } from '../helpers.js';

const ALLOWED = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
] as const;

/** The restricted sources in the order upstream's switch tests them. */
const RESTRICTED = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
] as const;

function has(v: Record<string, unknown>, key: string): boolean {
  const x = v[key];
  return x !== undefined && x !== null;
}

function restrictedVolumes1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  const volumes = spec.volumes;
  if (!Array.isArray(volumes)) return null;
  let bad: string[] | undefined;
  let types: string[] | undefined;
  outer: for (let i = 0; i < volumes.length; i++) {
    const raw = volumes[i];
    const v = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    for (let k = 0; k < ALLOWED.length; k++) if (has(v, ALLOWED[k])) continue outer;
    (bad ??= []).push(nameOf(v));
    let type = 'unknown';
    for (let k = 0; k < RESTRICTED.length; k++) {
      if (has(v, RESTRICTED[k])) {
        type = RESTRICTED[k];
        break;
      }
    }
    (types ??= []).push(type);
  }
  if (!bad) return null;
  const set = sortedSet(types!);
  return {
    reason: 'restricted volume types',
    detail:
      `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ` +
      `${pluralize('restricted volume type', 'restricted volume types', set.length)} ${joinQuote(set)}`,
  };
}

export const restrictedVolumes: CheckDefinition = {
  id: 'restrictedVolumes',
  level: 'restricted',
  versions: [{ minimumMinor: 0, check: restrictedVolumes1_0, overrides: ['hostPathVolumes'] }],
};
