/**
 * The kubeadm config for the cluster's minor, in the API version that minor's
 * kubeadm reads (versions.ts), with pod security switched on in the API server.
 */
import type { ClusterConfig } from '../config/load.js';
import { criSocket, dnsImageRepository, imageRepository, kubeadmApiFor } from '../versions.js';
import { renderTemplate } from './handlebars.js';
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

export function renderKubeadmConfig(cfg: ClusterConfig): string {
  const minor = cfg.version.minor;
  const api = kubeadmApiFor(minor);
  const extraArgs = apiServerExtraArgs(cfg);
  const extraVolumes = apiServerExtraVolumes(cfg);
  const advertiseAddress = cfg.controlPlane.advertiseAddress;
  const context = {
    kubeadmApi: api,
    apiVersion: `kubeadm.k8s.io/${api}`,
    kubernetesVersion: cfg.version.text,
    advertiseAddress,
    nodeName: cfg.controlPlane.nodeName,
    // Validation allows it only where these two templates are used (1.15+).
    controlPlaneEndpoint: cfg.controlPlane.endpoint,
    criSocket: criSocket(minor),
    // On multi-NIC hosts (Vagrant) the kubelet must register the address the API server advertises.
    kubeletExtraArgs: advertiseAddress ? [{ name: 'node-ip', value: advertiseAddress }] : [],
    imageRepository: imageRepository(minor),
    dnsImageRepository: dnsImageRepository(minor),
    podSubnet: cfg.networking.podSubnet,
    serviceSubnet: cfg.networking.serviceSubnet,
    dnsDomain: cfg.networking.dnsDomain,
    apiServerExtraArgs: extraArgs,
    apiServerExtraVolumes: extraVolumes,
    hasApiServerSettings: extraArgs.length + extraVolumes.length > 0,
  };
  const template = api === 'v1beta1' || api === 'v1beta2' || api === 'v1beta3' ? 'v1beta' : api;
  return renderTemplate(`kubeadm/${template}.yaml.hbs`, context);
}
