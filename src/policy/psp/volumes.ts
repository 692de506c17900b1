/**
 * Volume types (FSType) a PodSecurityPolicy may name, per minor. The API server
 * rejects any other value, so rendering a type an older minor does not know
 * breaks `kubectl apply`.
 */
import { pspExtraVolumeTypes } from '../../versions.js';

const CLASSIC = [
  '*',
  'azureFile',
  'azureDisk',
  'flocker',
  'flexVolume',
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
  'cinder',
  'cephFS',
  'downwardAPI',
  'fc',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
];

export function pspVolumeTypes(minor: number): string[] {
  return [...CLASSIC, ...pspExtraVolumeTypes(minor)];
}
