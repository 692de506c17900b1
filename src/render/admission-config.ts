/**
 * The PodSecurity AdmissionConfiguration (PSS mode): a file on the control-plane
 * host that kubeadm mounts into the API server.
 */
import type { ClusterConfig } from '../config/load.js';
import { podSecurityConfigApi, pssVersionLabel } from '../versions.js';
import { renderTemplate } from './handlebars.js';

export const ADMISSION_CONFIG_DIR = '/etc/kubernetes/pod-security';
export const ADMISSION_CONFIG_PATH = `${ADMISSION_CONFIG_DIR}/admission-config.yaml`;

export function renderAdmissionConfig(cfg: ClusterConfig): string {
  return renderTemplate('pod-security/admission-config.yaml.hbs', {
    podSecurityConfigApi: podSecurityConfigApi(cfg.version.minor),
    level: cfg.podSecurity.default,
    // Pinned to the cluster's minor so an upgrade does not tighten the rules under running workloads.
    version: pssVersionLabel(cfg.version.minor),
    exemptNamespaces: cfg.podSecurity.privilegedNamespaces,
  });
}
