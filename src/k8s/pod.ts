/**
 * The v1 Pod as JSON, typed for the fields kubestrap reads or writes (pod security
 * admission looks at most of them); everything else passes through untouched. The
 * engines never trust these types: policy/psp/pod-view.ts reads a pod once, checking
 * each field it uses, into fixed-shape objects. JSON `null` means "not set"
 * everywhere, as it does for Go pointers.
 */

export interface SELinuxOptions {
  user?: string | null;
  role?: string | null;
  type?: string | null;
  level?: string | null;
}

export interface SeccompProfile {
  type?: string | null;
  localhostProfile?: string | null;
}

export interface Capabilities {
  add?: string[] | null;
  drop?: string[] | null;
}

/** Fields a container may set and, for the first five, inherit from the pod. */
export interface ContainerSecurityContext {
  runAsUser?: number | null;
  runAsGroup?: number | null;
  runAsNonRoot?: boolean | null;
  seLinuxOptions?: SELinuxOptions | null;
  seccompProfile?: SeccompProfile | null;
  privileged?: boolean | null;
  procMount?: string | null;
  capabilities?: Capabilities | null;
  readOnlyRootFilesystem?: boolean | null;
  allowPrivilegeEscalation?: boolean | null;
  [other: string]: unknown;
}

export interface Sysctl {
  name: string;
  value?: string;
}

export interface PodSecurityContext {
  runAsUser?: number | null;
  runAsGroup?: number | null;
  runAsNonRoot?: boolean | null;
  seLinuxOptions?: SELinuxOptions | null;
  seccompProfile?: SeccompProfile | null;
  fsGroup?: number | null;
  supplementalGroups?: number[] | null;
  sysctls?: Sysctl[] | null;
  [other: string]: unknown;
}

export interface ContainerPort {
  containerPort?: number;
  hostPort?: number | null;
  [other: string]: unknown;
}

export interface VolumeMount {
  name: string;
  readOnly?: boolean | null;
  [other: string]: unknown;
}

export interface Container {
  name: string;
  securityContext?: ContainerSecurityContext | null;
  ports?: ContainerPort[] | null;
  volumeMounts?: VolumeMount[] | null;
  [other: string]: unknown;
}

/** A volume: its name plus exactly one source key (hostPath, emptyDir, csi, ...). */
export interface Volume {
  name: string;
  hostPath?: { path: string; [other: string]: unknown } | null;
  flexVolume?: { driver: string; [other: string]: unknown } | null;
  csi?: { driver: string; [other: string]: unknown } | null;
  [source: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[] | null;
  ephemeralContainers?: Container[] | null;
  volumes?: Volume[] | null;
  hostNetwork?: boolean | null;
  hostPID?: boolean | null;
  hostIPC?: boolean | null;
  securityContext?: PodSecurityContext | null;
  runtimeClassName?: string | null;
  serviceAccountName?: string | null;
  /** Deprecated alias of serviceAccountName, still honoured by the v1 API. */
  serviceAccount?: string | null;
  [other: string]: unknown;
}

export interface PodMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  annotations?: Record<string, string> | null;
  [other: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: PodMetadata;
  spec: PodSpec;
  [other: string]: unknown;
}

/** The three container lists, in the order the API server visits them (podutil.VisitContainers). */
export const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
export type ContainerList = (typeof CONTAINER_LISTS)[number];
