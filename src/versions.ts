/**
 * Facts per Kubernetes minor that decide what kubestrap renders and runs.
 * Each fact names its upstream source (a Kubernetes PR, KEP or docs page) so it can
 * be re-checked; the README's "Version matrix" lists them by minor.
 */

export const OLDEST_MINOR = 11;
/** The newest minor released as of this release of kubestrap (v1.37, August 2026). */
export const NEWEST_MINOR = 37;
/** PodSecurityPolicy was removed in 1.25. */
export const LAST_PSP_MINOR = 24;
/** PodSecurity admission is beta and on by default from 1.23, GA in 1.25. */
export const FIRST_PSS_MINOR = 23;
/**
 * Several control planes from kubeadm alone: certificates uploaded to the kube-system/kubeadm-certs
 * Secret (added in 1.14 as --experimental-upload-certs, kubernetes PR #73907) and fetched by
 * `join --control-plane`; from 1.15 the flags are --upload-certs and --control-plane, and the
 * v1beta2 documents carry certificateKey (kubernetes/website PR #14596, kubeadm 1.15 reference).
 */
export const FIRST_HA_MINOR = 15;

export interface KubeVersion {
  /** Normalised, with the leading v: `v1.24.17`. */
  text: string;
  minor: number;
  patch: number;
}

const VERSION_RE = /^v?1\.(\d{1,2})\.(\d{1,3})$/;

/** Parses `v1.24.17` or `1.24.17`; returns undefined for anything else. */
export function parseKubeVersion(input: string): KubeVersion | undefined {
  const m = VERSION_RE.exec(input.trim());
  if (!m) return undefined;
  const minor = Number(m[1]);
  const patch = Number(m[2]);
  return { text: `v1.${minor}.${patch}`, minor, patch };
}

export function isSupportedMinor(minor: number): boolean {
  return minor >= OLDEST_MINOR && minor <= NEWEST_MINOR;
}

const EOL_YAML = 'kubernetes/website data/releases/eol.yaml (finalPatchRelease)';
/** Each Kubernetes release tags its staging modules v0.MINOR.PATCH, so the Go module proxy lists the patch too. */
const stagingTag = (minor: number, patch: number) =>
  `k8s.io/kubectl v0.${minor}.${patch} on the Go module proxy, the staging module release v1.${minor}.${patch} tags`;

/**
 * The newest patch of each minor that this release of kubestrap knows, with where it
 * comes from: the final patch of minors that reached end of life, for the rest the
 * newest release tag of their staging modules when this table was last updated (newer
 * patches may have come out since; kubernetes.io/releases/1.N/ lists them). A patch beyond these is warned about, not refused: it may be
 * real, or a typo that kubeadm init would only find out about when no images exist.
 */
export const NEWEST_KNOWN_PATCH: Readonly<Record<number, { patch: number; source: string }>> = {
  11: { patch: 10, source: EOL_YAML },
  12: { patch: 10, source: EOL_YAML },
  13: { patch: 12, source: EOL_YAML },
  14: { patch: 10, source: EOL_YAML },
  15: { patch: 12, source: EOL_YAML },
  16: { patch: 15, source: EOL_YAML },
  17: { patch: 17, source: EOL_YAML },
  18: { patch: 20, source: EOL_YAML },
  19: { patch: 16, source: EOL_YAML },
  20: { patch: 15, source: EOL_YAML },
  21: { patch: 14, source: EOL_YAML },
  22: { patch: 17, source: EOL_YAML },
  23: { patch: 17, source: EOL_YAML },
  24: { patch: 17, source: EOL_YAML },
  25: { patch: 16, source: EOL_YAML },
  26: { patch: 15, source: EOL_YAML },
  27: { patch: 16, source: EOL_YAML },
  28: { patch: 15, source: EOL_YAML },
  29: { patch: 14, source: EOL_YAML },
  30: { patch: 14, source: EOL_YAML },
  31: { patch: 14, source: EOL_YAML },
  32: { patch: 13, source: EOL_YAML },
  33: { patch: 13, source: stagingTag(33, 13) },
  34: { patch: 13, source: stagingTag(34, 13) },
  35: { patch: 10, source: stagingTag(35, 10) },
  36: { patch: 6, source: stagingTag(36, 6) },
  37: { patch: 2, source: stagingTag(37, 2) },
};

/**
 * A warning when `version`'s patch is newer than the newest kubestrap knows for its
 * minor (undefined otherwise): kubeadm init pulls images tagged with the exact version,
 * so a patch that does not exist fails there, after the host was changed.
 */
export function patchWarning(version: KubeVersion): string | undefined {
  const known = NEWEST_KNOWN_PATCH[version.minor];
  if (!known || version.patch <= known.patch) return undefined;
  const newest = `v1.${version.minor}.${known.patch}`;
  return (
    `${version.text} is newer than ${newest}, the newest v1.${version.minor} patch kubestrap knows (${known.source}); ` +
    `if it does not exist, kubeadm init would fail to pull its images: check https://kubernetes.io/releases/ or use ${newest}`
  );
}

export type KubeadmApi = 'v1alpha2' | 'v1alpha3' | 'v1beta1' | 'v1beta2' | 'v1beta3' | 'v1beta4';

/**
 * The kubeadm config API a minor's kubeadm reads and writes by default.
 * 1.11 v1alpha2; 1.12 v1alpha3; 1.13-1.14 v1beta1; 1.15-1.21 v1beta2;
 * 1.22-1.30 v1beta3; 1.31+ v1beta4 (kubernetes PR #125029). 1.31-1.36 still read
 * v1beta3 with a deprecation warning; 1.37 removed it (PR #136016).
 */
export function kubeadmApiFor(minor: number): KubeadmApi {
  if (minor <= 11) return 'v1alpha2';
  if (minor === 12) return 'v1alpha3';
  if (minor <= 14) return 'v1beta1';
  if (minor <= 21) return 'v1beta2';
  if (minor <= 30) return 'v1beta3';
  return 'v1beta4';
}

export type PodSecurityMode = 'psp' | 'pss';

export function pspServed(minor: number): boolean {
  return minor <= LAST_PSP_MINOR;
}

export function pssAvailable(minor: number): boolean {
  return minor >= FIRST_PSS_MINOR;
}

/** `auto` means PSP while the minor serves it, the Pod Security Standards after. */
export function resolveMode(mode: 'auto' | PodSecurityMode, minor: number): PodSecurityMode {
  if (mode !== 'auto') return mode;
  return pspServed(minor) ? 'psp' : 'pss';
}

/**
 * apiVersion of the PodSecurity plugin's own configuration inside the
 * AdmissionConfiguration: v1beta1 in 1.23-1.24, v1 from 1.25.
 */
export function podSecurityConfigApi(minor: number): string {
  return minor >= 25 ? 'pod-security.admission.config.k8s.io/v1' : 'pod-security.admission.config.k8s.io/v1beta1';
}

/** The version a namespace's `enforce-version` label pins: the cluster's own minor. */
export function pssVersionLabel(minor: number): string {
  return `v1.${minor}`;
}

/**
 * Taints kubeadm puts on a control-plane node: `master` up to 1.23, both in 1.24
 * (the migration release), `control-plane` only from 1.25 (test/sim/REAL-OUTPUTS.md §10).
 */
export function controlPlaneTaints(minor: number): string[] {
  if (minor <= 23) return ['node-role.kubernetes.io/master'];
  if (minor === 24) return ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane'];
  return ['node-role.kubernetes.io/control-plane'];
}

/**
 * Which API groups serve PodSecurityPolicy: `extensions/v1beta1` until 1.15
 * (removed in 1.16), `policy/v1beta1` from 1.10 to 1.24. The admission plugin
 * accepts `use` granted in either group.
 */
export function pspRbacGroups(minor: number): string[] {
  return minor <= 15 ? ['policy', 'extensions'] : ['policy'];
}

/**
 * Volume types a PSP may list beyond the classic ones. The API server rejects
 * unknown types, so each is used only where it is certainly accepted and
 * useful: `csi` from 1.14 (inline CSI volumes; the PSP value itself arrived
 * around 1.11-1.12) and `ephemeral` from 1.21 (generic ephemeral volumes are on
 * by default there; the value was added during 1.19).
 */
export function pspExtraVolumeTypes(minor: number): string[] {
  const types: string[] = [];
  if (minor >= 14) types.push('csi');
  if (minor >= 21) types.push('ephemeral');
  return types;
}

/**
 * The first minor whose PodSecurityPolicy API has each newer spec field.
 * kubectl validates against the server's schema, so a field the server does
 * not know makes `kubectl apply` fail.
 */
export const PSP_FIELD_SINCE: Record<string, number> = {
  allowedProcMountTypes: 12,
  runAsGroup: 13,
  allowedCSIDrivers: 14,
  runtimeClass: 15,
};

/**
 * Where flannel runs. Current flannel runs in `kube-flannel` with
 * priorityClassName system-node-critical; before 1.17 the Priority admission
 * plugin allowed the system priority classes only in kube-system, so older
 * minors keep flannel in kube-system.
 */
export function flannelNamespace(minor: number): string {
  return minor >= 17 ? 'kube-flannel' : 'kube-system';
}

/**
 * The namespaces that must run privileged pods when the config names none: kube-system
 * (the control plane, kube-proxy, CoreDNS) and wherever flannel runs on the minor.
 */
export function defaultPrivilegedNamespaces(minor: number): string[] {
  return [...new Set(['kube-system', flannelNamespace(minor)])];
}

/**
 * The CRI socket kubeadm is told to use. kubestrap standardises on containerd
 * for every minor, so the lab and a real host agree. kubeadm 1.24+ wants the
 * unix:// scheme (it prepends it with a deprecation warning otherwise, PR
 * #107295); before 1.24 a bare path is the form kubeadm documents.
 */
export function criSocket(minor: number): string {
  return minor >= 24 ? 'unix:///var/run/containerd/containerd.sock' : '/run/containerd/containerd.sock';
}

/**
 * Whether kubeadm must be told the CRI socket on the command line (reset): before 1.24
 * it detects the runtime from the sockets present and Docker's counts (two sockets:
 * "Found multiple CRI sockets"; 1.11-1.13 simply assume Docker). From 1.24 it reads the
 * socket the node was set up with.
 */
export function criSocketFlagNeeded(minor: number): boolean {
  return minor < 24;
}

/** The CRI socket as a URI (`unix:///…`), whichever form kubeadm is given: what crictl and the kubelet dial. */
export function criSocketUri(minor: number): string {
  const s = criSocket(minor);
  return s.startsWith('unix://') ? s : `unix://${s}`;
}

/**
 * The node label that says the OS: `kubernetes.io/os` from 1.14; before that
 * only `beta.kubernetes.io/os` is set, and an affinity on the GA label would
 * match no node at all.
 */
export function osLabel(minor: number): string {
  return minor >= 14 ? 'kubernetes.io/os' : 'beta.kubernetes.io/os';
}

/** flannel release kubestrap pins: v0.28.9 and its flannel-cni-plugin v1.9.1-flannel3 (flannel-io/flannel releases, kube-flannel.yml of v0.28.9). */
export const FLANNEL = {
  version: 'v0.28.9',
  image: 'ghcr.io/flannel-io/flannel:v0.28.9',
  cniPluginImage: 'ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3',
} as const;

/**
 * Where kubeadm pulls the control plane's images from. kubeadm defaulted to k8s.gcr.io
 * before 1.25 (registry.k8s.io from kubernetes PR #109938; cherry-picked only into late
 * 1.22-1.24 patches); k8s.gcr.io was frozen on 2023-04-03 and later patches were never
 * pushed there. registry.k8s.io serves every image k8s.gcr.io had, so kubestrap names it
 * for every minor whose kubeadm may still default to the old one.
 */
export function imageRepository(minor: number): string | undefined {
  return minor <= 24 ? 'registry.k8s.io' : undefined;
}

/**
 * CoreDNS lives at coredns/coredns from 1.21, and kubeadm uses that subpath only for its
 * default registry (kubernetes PR #102502): with registry.k8s.io named explicitly, 1.21-1.24
 * must be told where CoreDNS is, or they pull registry.k8s.io/coredns:v1.8.x, which does not exist.
 */
export function dnsImageRepository(minor: number): string | undefined {
  return minor >= 21 && minor <= 24 ? 'registry.k8s.io/coredns' : undefined;
}

/** `kubeadm config validate` exists from 1.28 (kubernetes PR #118013). */
export function hasKubeadmConfigValidate(minor: number): boolean {
  return minor >= 28;
}

/** Every supported minor, oldest first: for tests and the version matrix. */
export function supportedMinors(): number[] {
  const out: number[] = [];
  for (let m = OLDEST_MINOR; m <= NEWEST_MINOR; m++) out.push(m);
  return out;
}

/**
 * How kubectl asks the API server for a dry run, by kubectl minor: the
 * `--dry-run=server` form from 1.18, `--server-dry-run` on 1.13-1.17 (the API
 * server's dry run is beta from 1.13), none before.
 */
export function serverDryRunArgs(minor: number): string[] | undefined {
  if (minor >= 18) return ['--dry-run=server'];
  if (minor >= 13) return ['--server-dry-run'];
  return undefined;
}

/**
 * ValidatingAdmissionPolicy (KEP-3488): admissionregistration.k8s.io/v1beta1 on 1.28-1.29
 * (beta, off by default: ValidatingAdmissionPolicy gate plus --runtime-config), v1 (GA, on)
 * from 1.30. v1alpha1 (1.26-1.27) lacks variables, so kubestrap does not use it.
 */
export const FIRST_VAP_MINOR = 28;
export const FIRST_VAP_GA_MINOR = 30;

export function vapApiVersion(minor: number): string | undefined {
  if (minor >= FIRST_VAP_GA_MINOR) return 'admissionregistration.k8s.io/v1';
  if (minor >= FIRST_VAP_MINOR) return 'admissionregistration.k8s.io/v1beta1';
  return undefined;
}

/** Supported version skew (kubernetes.io version-skew-policy). */
export const SKEW = {
  /** kubeadm deploys its own minor or the one before it. */
  kubeadmMayBeNewerBy: 1,
  /** kubectl within one minor of the API server. */
  kubectl: 1,
  /** kubelet never newer than the API server; up to 3 minors older from 1.28, 2 before. */
  kubeletOlder: (minor: number) => (minor >= 28 ? 3 : 2),
};

/** An ingress-nginx release kubestrap ships as a template (templates/ingress/). */
export interface IngressNginxRelease {
  version: string;
  template: string;
  controllerImage: string;
  certgenImage: string;
  /** The Kubernetes minors its README's support table lists. */
  tested: [number, number];
  /** The strictest Pod Security Standards level its pods pass (v1.3's controller allows privilege escalation). */
  level: 'baseline' | 'restricted';
}

/**
 * The ingress-nginx releases kubestrap pins, each with the images of its release manifest.
 * README support table: v1.3.x 1.20-1.24; v1.14.x 1.30-1.34 (v1.15, the last release before
 * the project retired in 2026, adds 1.35). Nothing newer supports 1.36+; v1.14.5 serves
 * 1.25-1.29 and 1.35+ too, with a warning (see ingressNginxFor).
 */
export const INGRESS_NGINX_RELEASES: IngressNginxRelease[] = [
  {
    version: 'v1.3.0',
    template: 'ingress/ingress-nginx-v1.3.yaml.hbs',
    controllerImage:
      'registry.k8s.io/ingress-nginx/controller:v1.3.0@sha256:d1707ca76d3b044ab8a28277a2466a02100ee9f58a86af1535a3edf9323ea1b5',
    certgenImage:
      'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.1.1@sha256:64d8c73dca984af206adf9d6d7e46aa550362b1d7a01f3a0a91b20cc67868660',
    tested: [20, 24],
    level: 'baseline',
  },
  {
    version: 'v1.14.5',
    template: 'ingress/ingress-nginx-v1.14.yaml.hbs',
    controllerImage:
      'registry.k8s.io/ingress-nginx/controller:v1.14.5@sha256:af3312d040dbe8d503001a1094b248e8be372f70f317a4bc35f81fb312bff3a8',
    certgenImage:
      'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.9@sha256:01038e7de14b78d702d2849c3aad72fd25903c4765af63cf16aa3398f5d5f2dd',
    tested: [30, 34],
    level: 'restricted',
  },
];

/** The first minor kubestrap installs ingress-nginx on: v1.3's Ingress and IngressClass are networking.k8s.io/v1 (1.19+), tested from 1.20. */
export const FIRST_INGRESS_MINOR = 20;

/** The release for a minor (undefined before 1.20), and whether its support table lists that minor. */
export function ingressNginxFor(minor: number): { release: IngressNginxRelease; tested: boolean } | undefined {
  if (minor < FIRST_INGRESS_MINOR) return undefined;
  const release = minor <= 24 ? INGRESS_NGINX_RELEASES[0] : INGRESS_NGINX_RELEASES[1];
  return { release, tested: minor >= release.tested[0] && minor <= release.tested[1] };
}
