/**
 * render(config): every artifact of the cluster, in apply order. Each is built as
 * Kubernetes objects (typed data, src/k8s/) and turned into YAML once, by go-yaml.ts,
 * which quotes every string so Go's decoder reads exactly the value built; nothing is
 * parsed back. Only a user's own CNI manifest is text, read and checked when loaded.
 */
import type { ClusterConfig } from '../config/load.js';
import type { KubeDocument } from '../k8s/objects.js';
import { ADMISSION_CONFIG_PATH, admissionConfig } from './admission-config.js';
import { renderCni } from './cni.js';
import { toGoYamlDocuments } from './go-yaml.js';
import { INGRESS_POLICY, ingressController, ingressObjects } from './ingress.js';
import { kubeadmDocuments } from './kubeadm.js';
import { podSecurityObjects, podSecurityPolicyNames } from './pod-security.js';
import { tenantObjects } from './tenants.js';
import { tenantPolicyObjects } from './tenant-policies.js';
import { FLANNEL, kubeadmApiFor, patchWarning } from '../versions.js';

/** The `up` step that applies a manifest. */
export type ManifestStep = 'pod-security' | 'cni' | 'ingress' | 'tenants';

export interface Artifact {
  /** Path inside the render directory, e.g. `manifests/01-pod-security.yaml`. */
  path: string;
  kind: 'kubeadm-config' | 'manifest' | 'host-file';
  /** Host files: where the file goes on the node. */
  hostPath?: string;
  step?: ManifestStep;
  /** What the file holds, in order. */
  objects: KubeDocument[];
  /** The file: the objects as YAML (a user's CNI manifest: as written). */
  text: string;
}

export interface RenderResult {
  artifacts: Artifact[];
  warnings: string[];
}

export const KUBEADM_CONFIG_FILE = 'kubeadm-config.yaml';

function built(
  path: string,
  kind: Artifact['kind'],
  objects: KubeDocument[],
  extra: Partial<Artifact> = {},
  header: string[] = [],
): Artifact {
  return { path, kind, ...extra, objects, text: toGoYamlDocuments(objects, header) };
}

export function render(cfg: ClusterConfig): RenderResult {
  const artifacts: Artifact[] = [];
  const warnings: string[] = [];
  const patch = patchWarning(cfg.version);
  if (patch) warnings.push(`${cfg.source ?? '(built-in defaults)'}: kubernetesVersion: ${patch}`);

  artifacts.push(
    built(KUBEADM_CONFIG_FILE, 'kubeadm-config', kubeadmDocuments(cfg), {}, [
      `kubeadm ${cfg.version.text} reads kubeadm.k8s.io/${kubeadmApiFor(cfg.version.minor)}.`,
    ]),
  );

  if (cfg.mode === 'pss') {
    artifacts.push(
      built(`host${ADMISSION_CONFIG_PATH}`, 'host-file', [admissionConfig(cfg)], { hostPath: ADMISSION_CONFIG_PATH }, [
        "The PodSecurity admission plugin's cluster-wide defaults, read by the API server",
        'through --admission-control-config-file. Namespaces listed under exemptions are not',
        'checked at all: they run the control plane and the CNI.',
      ]),
    );
  }

  const manifests: { step: ManifestStep; name: string; objects: KubeDocument[]; text?: string; header?: string[] }[] =
    [];
  manifests.push({ step: 'pod-security', name: 'pod-security', objects: podSecurityObjects(cfg) });
  const cni = renderCni(cfg);
  warnings.push(...cni.warnings);
  manifests.push({
    step: 'cni',
    name: 'cni',
    objects: cni.objects,
    text: cni.text,
    header:
      cni.text === undefined
        ? [`flannel ${FLANNEL.version}: upstream's kube-flannel.yml with this cluster's settings.`]
        : [],
  });

  const defined = new Set(cfg.mode === 'psp' ? podSecurityPolicyNames(cfg) : []);
  if (cfg.ingress.enabled) {
    manifests.push({ step: 'ingress', name: 'ingress', objects: ingressObjects(cfg) });
    const controller = ingressController(cfg);
    warnings.push(...controller.warnings);
    manifests.push({
      step: 'ingress',
      name: 'ingress-nginx',
      get objects() {
        return controller.objects;
      },
      text: controller.text,
    });
    if (cfg.mode === 'psp') defined.add(INGRESS_POLICY);
  }
  if (cfg.tenants.length > 0) {
    // podSecurity.customPolicies: vap: the tenants' ValidatingAdmissionPolicies, in force before their namespaces exist.
    const policies = tenantPolicyObjects(cfg);
    if (policies.length > 0)
      manifests.push({
        step: 'tenants',
        name: 'tenant-policies',
        objects: policies,
        header: [
          "ValidatingAdmissionPolicies for the tenants' policies (podSecurity.customPolicies: vap): what",
          'each PodSecurityPolicy template enforces beyond its namespace level.',
        ],
      });
    manifests.push({ step: 'tenants', name: 'tenants', objects: tenantObjects(cfg, defined) });
  }

  manifests.forEach((m, i) => {
    const rel = `manifests/${String(i + 1).padStart(2, '0')}-${m.name}.yaml`;
    artifacts.push(
      m.text !== undefined
        ? {
            path: rel,
            kind: 'manifest',
            step: m.step,
            get objects() {
              return m.objects;
            },
            text: m.text,
          }
        : built(rel, 'manifest', m.objects, { step: m.step }, m.header),
    );
  });
  return { artifacts, warnings };
}
