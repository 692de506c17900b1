/**
 * The PodSecurity AdmissionConfiguration (PSS mode): a file on the control-plane
 * host that kubeadm mounts into the API server. It sets the PodSecurity admission
 * plugin's cluster-wide defaults, read by the API server through
 * --admission-control-config-file. Namespaces listed under exemptions are not
 * checked at all: they run the control plane and the CNI.
 */
import type { ClusterConfig } from '../config/load.js';
import type { KubeDocument } from '../k8s/objects.js';
import { podSecurityConfigApi, pssVersionLabel } from '../versions.js';
import { toGoYaml } from './go-yaml.js';

export const ADMISSION_CONFIG_DIR = '/etc/kubernetes/pod-security';
export const ADMISSION_CONFIG_PATH = `${ADMISSION_CONFIG_DIR}/admission-config.yaml`;

export function admissionConfig(cfg: ClusterConfig): KubeDocument {
  const level = cfg.podSecurity.default;
  // Pinned to the cluster's minor so an upgrade does not tighten the rules under running workloads.
  const version = pssVersionLabel(cfg.version.minor);
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      {
        name: 'PodSecurity',
        configuration: {
          apiVersion: podSecurityConfigApi(cfg.version.minor),
          kind: 'PodSecurityConfiguration',
          defaults: {
            enforce: level,
            'enforce-version': version,
            audit: level,
            'audit-version': version,
            warn: level,
            'warn-version': version,
          },
          exemptions: {
            usernames: [],
            runtimeClasses: [],
            namespaces: [...cfg.podSecurity.privilegedNamespaces],
          },
        },
      },
    ],
  };
}

/** The file's text, as `up` installs it and `admission enable` writes it. */
export function admissionConfigText(cfg: ClusterConfig): string {
  return toGoYaml(admissionConfig(cfg));
}
