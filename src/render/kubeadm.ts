/**
 * The kubeadm config for the cluster's minor, in the API version that minor's
 * kubeadm reads (versions.ts), with pod security switched on in the API server:
 * - v1alpha2 (1.11): one MasterConfiguration, the kubelet's settings nested under
 *   kubeletConfiguration.baseConfig; mounts are read-only unless `writable: true`;
 * - v1alpha3 (1.12): InitConfiguration (this node, with apiEndpoint) and
 *   ClusterConfiguration (flat apiServerExtra* fields);
 * - v1beta1 (1.13-1.14), v1beta2 (1.15-1.21), v1beta3 (1.22-1.30): the same shape,
 *   localAPIEndpoint, apiServer.extraArgs as a map; a mount is writable unless readOnly;
 * - v1beta4 (1.31+): extraArgs (API server and kubelet) are lists of name/value pairs.
 * From v1alpha3 on, the kubelet reads its own KubeletConfiguration document.
 */
import type { ClusterConfig } from '../config/load.js';
import type { KubeDocument } from '../k8s/objects.js';
import { criSocket, dnsImageRepository, imageRepository, kubeadmApiFor } from '../versions.js';
import { ADMISSION_CONFIG_DIR, ADMISSION_CONFIG_PATH } from './admission-config.js';

interface NameValue {
  name: string;
  value: string;
}

interface HostMount {
  name: string;
  hostPath: string;
  mountPath: string;
  pathType: string;
}

/** The API server flags that turn pod security on, in the order kubeadm will pass them. */
export function apiServerExtraArgs(cfg: ClusterConfig): NameValue[] {
  if (cfg.mode === 'psp') {
    // enable-admission-plugins replaces kubeadm's default list, so NodeRestriction must be repeated.
    return [{ name: 'enable-admission-plugins', value: 'NodeRestriction,PodSecurityPolicy' }];
  }
  return [{ name: 'admission-control-config-file', value: ADMISSION_CONFIG_PATH }];
}

export function apiServerExtraVolumes(cfg: ClusterConfig): HostMount[] {
  if (cfg.mode === 'psp') return [];
  // The API server runs as a static pod: the config file is only visible to it through a mount.
  return [
    {
      name: 'pod-security-config',
      hostPath: ADMISSION_CONFIG_DIR,
      mountPath: ADMISSION_CONFIG_DIR,
      pathType: 'DirectoryOrCreate',
    },
  ];
}

const asMap = (args: NameValue[]) => Object.fromEntries(args.map((a) => [a.name, a.value]));
const asList = (args: NameValue[]) => args.map((a) => ({ name: a.name, value: a.value }));
const nonEmpty = <T extends object>(key: string, value: T | undefined, present: boolean) =>
  present ? { [key]: value } : {};

export function kubeadmDocuments(cfg: ClusterConfig): KubeDocument[] {
  const minor = cfg.version.minor;
  const api = kubeadmApiFor(minor);
  const apiVersion = `kubeadm.k8s.io/${api}`;
  const extraArgs = apiServerExtraArgs(cfg);
  const mounts = apiServerExtraVolumes(cfg);
  const address = cfg.controlPlane.advertiseAddress;
  const nodeName = cfg.controlPlane.nodeName;
  // On multi-NIC hosts (Vagrant) the kubelet must register the address the API server advertises.
  const kubeletArgs: NameValue[] = address ? [{ name: 'node-ip', value: address }] : [];
  const images = imageRepository(minor);
  const dnsImages = dnsImageRepository(minor);
  const v1beta4 = api === 'v1beta4';
  const nodeRegistration = {
    ...(nodeName ? { name: nodeName } : {}),
    criSocket: criSocket(minor),
    ...nonEmpty('kubeletExtraArgs', v1beta4 ? asList(kubeletArgs) : asMap(kubeletArgs), kubeletArgs.length > 0),
  };
  const endpoint = address ? { advertiseAddress: address, bindPort: 6443 } : undefined;
  const networking = {
    podSubnet: cfg.networking.podSubnet,
    serviceSubnet: cfg.networking.serviceSubnet,
    dnsDomain: cfg.networking.dnsDomain,
  };
  const kubelet: KubeDocument = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
  };

  if (api === 'v1alpha2' || api === 'v1alpha3') {
    // Both read-only unless writable is true.
    const volumes = mounts.map((m) => ({
      name: m.name,
      hostPath: m.hostPath,
      mountPath: m.mountPath,
      writable: false,
      pathType: m.pathType,
    }));
    const apiServer = {
      ...nonEmpty('apiServerExtraArgs', asMap(extraArgs), extraArgs.length > 0),
      ...nonEmpty('apiServerExtraVolumes', volumes, volumes.length > 0),
    };
    if (api === 'v1alpha2') {
      return [
        {
          apiVersion,
          kind: 'MasterConfiguration',
          kubernetesVersion: cfg.version.text,
          ...(images ? { imageRepository: images } : {}),
          ...(endpoint ? { api: endpoint } : {}),
          nodeRegistration,
          networking,
          ...apiServer,
          kubeletConfiguration: { baseConfig: { cgroupDriver: 'systemd' } },
        },
      ];
    }
    return [
      { apiVersion, kind: 'InitConfiguration', ...(endpoint ? { apiEndpoint: endpoint } : {}), nodeRegistration },
      {
        apiVersion,
        kind: 'ClusterConfiguration',
        kubernetesVersion: cfg.version.text,
        ...(images ? { imageRepository: images } : {}),
        networking,
        ...apiServer,
      },
      kubelet,
    ];
  }

  const volumes = mounts.map((m) => ({
    name: m.name,
    hostPath: m.hostPath,
    mountPath: m.mountPath,
    readOnly: true,
    pathType: m.pathType,
  }));
  const apiServer = {
    ...nonEmpty('extraArgs', v1beta4 ? asList(extraArgs) : asMap(extraArgs), extraArgs.length > 0),
    ...nonEmpty('extraVolumes', volumes, volumes.length > 0),
  };
  return [
    { apiVersion, kind: 'InitConfiguration', ...(endpoint ? { localAPIEndpoint: endpoint } : {}), nodeRegistration },
    {
      apiVersion,
      kind: 'ClusterConfiguration',
      kubernetesVersion: cfg.version.text,
      // Validation allows it only from 1.15, where these documents are written.
      ...(cfg.controlPlane.endpoint ? { controlPlaneEndpoint: cfg.controlPlane.endpoint } : {}),
      ...(images ? { imageRepository: images } : {}),
      ...(dnsImages ? { dns: { imageRepository: dnsImages } } : {}),
      networking,
      ...(Object.keys(apiServer).length > 0 ? { apiServer } : {}),
    },
    kubelet,
  ];
}
