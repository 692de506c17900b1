/**
 * render(config): every artifact of the cluster, in apply order. Each text is
 * read back (duplicate keys rejected, every document a Kubernetes object)
 * before it is returned, so nothing malformed is ever written or applied.
 */
import type { ClusterConfig } from '../config/load.js';
import { renderAdmissionConfig, ADMISSION_CONFIG_PATH } from './admission-config.js';
import { renderCni } from './cni.js';
import { INGRESS_POLICY, renderIngress, renderIngressController } from './ingress.js';
import { renderKubeadmConfig } from './kubeadm.js';
import { joinDocs } from './objects.js';
import { parseManifest, type KubeObject } from './parse-back.js';
import { podSecurityPolicyNames, renderPodSecurity } from './pod-security.js';
import { renderTenants } from './tenants.js';
import { renderTenantPolicies } from './tenant-policies.js';
import { patchWarning } from '../versions.js';

/** The `up` step that applies a manifest. */
export type ManifestStep = 'pod-security' | 'cni' | 'ingress' | 'tenants';

export interface Artifact {
  /** Path inside the render directory, e.g. `manifests/01-pod-security.yaml`. */
  path: string;
  kind: 'kubeadm-config' | 'manifest' | 'host-file';
  /** Host files: where the file goes on the node. */
  hostPath?: string;
  step?: ManifestStep;
  text: string;
  objects: KubeObject[];
}

export interface RenderResult {
  artifacts: Artifact[];
  warnings: string[];
}

export const KUBEADM_CONFIG_FILE = 'kubeadm-config.yaml';

export function render(cfg: ClusterConfig): RenderResult {
  const artifacts: Artifact[] = [];
  const warnings: string[] = [];
  const patch = patchWarning(cfg.version);
  if (patch) warnings.push(`${cfg.source ?? '(built-in defaults)'}: kubernetesVersion: ${patch}`);

  const kubeadmText = renderKubeadmConfig(cfg);
  artifacts.push({
    path: KUBEADM_CONFIG_FILE,
    kind: 'kubeadm-config',
    text: kubeadmText,
    objects: parseManifestLoose(kubeadmText, KUBEADM_CONFIG_FILE),
  });

  if (cfg.mode === 'pss') {
    const text = renderAdmissionConfig(cfg);
    const rel = `host${ADMISSION_CONFIG_PATH}`;
    artifacts.push({
      path: rel,
      kind: 'host-file',
      hostPath: ADMISSION_CONFIG_PATH,
      text,
      objects: parseManifestLoose(text, rel),
    });
  }

  const manifests: { step: ManifestStep; name: string; text: string }[] = [];
  manifests.push({ step: 'pod-security', name: 'pod-security', text: joinDocs(renderPodSecurity(cfg)) });
  const cni = renderCni(cfg);
  warnings.push(...cni.warnings);
  manifests.push({ step: 'cni', name: 'cni', text: cni.text });

  const defined = new Set(cfg.mode === 'psp' ? podSecurityPolicyNames(cfg) : []);
  if (cfg.ingress.enabled) {
    manifests.push({ step: 'ingress', name: 'ingress', text: joinDocs(renderIngress(cfg)) });
    const controller = renderIngressController(cfg);
    warnings.push(...controller.warnings);
    manifests.push({ step: 'ingress', name: 'ingress-nginx', text: controller.text });
    if (cfg.mode === 'psp') defined.add(INGRESS_POLICY);
  }
  if (cfg.tenants.length > 0) {
    // podSecurity.customPolicies: vap: the tenants' ValidatingAdmissionPolicies, in force before their namespaces exist.
    const policies = renderTenantPolicies(cfg);
    if (policies.length > 0) manifests.push({ step: 'tenants', name: 'tenant-policies', text: joinDocs(policies) });
    manifests.push({ step: 'tenants', name: 'tenants', text: joinDocs(renderTenants(cfg, defined)) });
  }

  manifests.forEach((m, i) => {
    const rel = `manifests/${String(i + 1).padStart(2, '0')}-${m.name}.yaml`;
    // A user's own CNI manifest was checked when it was read; ours must always parse.
    artifacts.push({ path: rel, kind: 'manifest', step: m.step, text: m.text, objects: parseManifest(m.text, rel) });
  });
  return { artifacts, warnings };
}

/** kubeadm and admission configs are objects without metadata.name: only their shape is checked. */
function parseManifestLoose(text: string, file: string): KubeObject[] {
  return parseManifest(text, file, { requireName: false });
}
