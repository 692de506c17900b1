/**
 * A pod read once into the fixed-shape form the admission engine works on, like the
 * API server's internal Pod type: every field PodSecurityPolicy looks at, typed, with
 * JSON `null` and absence both meaning "not set" (Go's nil). Pods arrive as arbitrary
 * parsed JSON of many shapes; reading them once into classes keeps the hot path of
 * trying several policies per pod monomorphic, and it is also where the input's
 * types are checked: a pod with, say, `privileged: "true"` fails here with the field
 * named (PodShapeError), as the API server would refuse to decode it.
 *
 * What the v1 API's defaulting does before admission and matters here is applied to
 * the view: a volume without a source is an emptyDir (SetDefaults_Volume), and with
 * hostNetwork a container port without hostPort uses its containerPort as hostPort
 * (SetDefaults_Pod, defaultHostNetworkPorts). Ephemeral containers cannot have ports.
 */
import { VOLUME_SOURCES, volumeFSType } from './fstype.js';
import type { Capabilities, ContainerList, Pod, SELinuxOptions, SeccompProfile, Sysctl } from './pod.js';
import { CONTAINER_LISTS } from './pod.js';

export class PodShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodShapeError';
  }
}

/** Security settings of a container; the first five fall back to the pod's. */
export class ContainerSC {
  constructor(
    public runAsUser: number | undefined,
    public runAsGroup: number | undefined,
    public runAsNonRoot: boolean | undefined,
    public seLinuxOptions: SELinuxOptions | undefined,
    public seccompProfile: SeccompProfile | undefined,
    public privileged: boolean | undefined,
    public procMount: string | undefined,
    public capabilities: Capabilities | undefined,
    public readOnlyRootFilesystem: boolean | undefined,
    public allowPrivilegeEscalation: boolean | undefined,
  ) {}

  clone(): ContainerSC {
    return new ContainerSC(
      this.runAsUser,
      this.runAsGroup,
      this.runAsNonRoot,
      this.seLinuxOptions,
      this.seccompProfile,
      this.privileged,
      this.procMount,
      this.capabilities,
      this.readOnlyRootFilesystem,
      this.allowPrivilegeEscalation,
    );
  }
}

/** The container fields written back to JSON when a policy changed them. */
export const CONTAINER_SC_FIELDS = [
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'seLinuxOptions',
  'seccompProfile',
  'privileged',
  'procMount',
  'capabilities',
  'readOnlyRootFilesystem',
  'allowPrivilegeEscalation',
] as const satisfies readonly (keyof ContainerSC)[];

export class PodSC {
  constructor(
    public runAsUser: number | undefined,
    public runAsGroup: number | undefined,
    public runAsNonRoot: boolean | undefined,
    public seLinuxOptions: SELinuxOptions | undefined,
    public seccompProfile: SeccompProfile | undefined,
    public fsGroup: number | undefined,
    /** undefined is nil; [] is an explicitly empty list (they validate differently). */
    public supplementalGroups: number[] | undefined,
  ) {}

  clone(): PodSC {
    return new PodSC(
      this.runAsUser,
      this.runAsGroup,
      this.runAsNonRoot,
      this.seLinuxOptions,
      this.seccompProfile,
      this.fsGroup,
      this.supplementalGroups,
    );
  }
}

/** The pod fields a policy may default. */
export const POD_SC_FIELDS = [
  'fsGroup',
  'supplementalGroups',
  'seLinuxOptions',
] as const satisfies readonly (keyof PodSC)[];

export class VolumeMountView {
  constructor(
    readonly name: string,
    readonly readOnly: boolean,
  ) {}
}

export class ContainerView {
  constructor(
    readonly list: ContainerList,
    readonly index: number,
    /** `spec.containers[1]` */
    readonly path: string,
    readonly name: string,
    readonly sc: ContainerSC,
    /** hostPort of each port that has one (after host-network defaulting). */
    readonly hostPorts: readonly number[],
    readonly mounts: readonly VolumeMountView[],
    /** The pod's `container.seccomp.security.alpha.kubernetes.io/<name>` annotation. */
    readonly seccompAnnotation: string | undefined,
    /** The pod's `container.apparmor.security.beta.kubernetes.io/<name>` annotation. */
    readonly appArmorAnnotation: string | undefined,
  ) {
    this.scPath = `${path}.securityContext`;
    this.seLinuxPath = `${this.scPath}.seLinuxOptions`;
    this.capabilitiesPath = `${this.scPath}.capabilities`;
  }

  // Error paths, built once per pod instead of once per policy tried.
  readonly scPath: string;
  readonly seLinuxPath: string;
  readonly capabilitiesPath: string;
}

export class VolumeView {
  constructor(
    readonly name: string,
    readonly fsType: string,
    /** hostPath.path for hostPath volumes. */
    readonly hostPath: string | undefined,
    /** flexVolume.driver or csi.driver. */
    readonly driver: string | undefined,
  ) {}
}

export class PodView {
  constructor(
    readonly pod: Pod,
    readonly annotations: Readonly<Record<string, string>>,
    /** The pod's `seccomp.security.alpha.kubernetes.io/pod` annotation. */
    readonly seccompAnnotation: string | undefined,
    readonly psc: PodSC,
    readonly hostNetwork: boolean,
    readonly hostPID: boolean,
    readonly hostIPC: boolean,
    readonly sysctls: readonly Sysctl[],
    readonly volumes: readonly VolumeView[],
    readonly runtimeClassName: string | undefined,
    readonly containers: readonly ContainerView[],
  ) {}
}

// --- reading and checking ------------------------------------------------------

type Obj = Record<string, unknown>;
const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function fail(path: string, what: string, v: unknown): never {
  throw new PodShapeError(`${path}: must be ${what}, not ${describe(v)}`);
}

function objAt(v: unknown, path: string): Obj | undefined {
  if (v == null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
  return v as Obj;
}

function listAt(v: unknown, path: string): unknown[] | undefined {
  if (v == null) return undefined;
  if (!Array.isArray(v)) fail(path, 'a list', v);
  return v;
}

function boolAt(v: unknown, path: string): boolean | undefined {
  if (v == null) return undefined;
  if (typeof v !== 'boolean') fail(path, 'true or false', v);
  return v;
}

function intAt(v: unknown, path: string): number | undefined {
  if (v == null) return undefined;
  if (!Number.isInteger(v)) fail(path, 'an integer', v);
  return v as number;
}

function strAt(v: unknown, path: string): string | undefined {
  if (v == null) return undefined;
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

function requiredStr(v: unknown, path: string): string {
  if (v == null) throw new PodShapeError(`${path}: is required`);
  return strAt(v, path)!;
}

function strList(v: unknown, path: string): string[] | undefined {
  const l = listAt(v, path);
  if (!l) return undefined;
  for (let i = 0; i < l.length; i++) if (typeof l[i] !== 'string') fail(`${path}[${i}]`, 'a string', l[i]);
  return l as string[];
}

function seLinuxAt(v: unknown, path: string): SELinuxOptions | undefined {
  const o = objAt(v, path);
  if (!o) return undefined;
  for (const k of ['user', 'role', 'type', 'level']) strAt(o[k], `${path}.${k}`);
  return o as SELinuxOptions;
}

function seccompAt(v: unknown, path: string): SeccompProfile | undefined {
  const o = objAt(v, path);
  if (!o) return undefined;
  strAt(o.type, `${path}.type`);
  strAt(o.localhostProfile, `${path}.localhostProfile`);
  return o as SeccompProfile;
}

function capabilitiesAt(v: unknown, path: string): Capabilities | undefined {
  const o = objAt(v, path);
  if (!o) return undefined;
  // Only the two lists matter; a fresh object of one shape keeps reads fast.
  return { add: strList(o.add, `${path}.add`), drop: strList(o.drop, `${path}.drop`) };
}

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
export const APPARMOR_CONTAINER_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function annotation(annotations: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(annotations, key) ? annotations[key] : undefined;
}

function containerView(
  c: unknown,
  list: ContainerList,
  index: number,
  hostNetwork: boolean,
  annotations: Readonly<Record<string, string>>,
): ContainerView {
  const path = `spec.${list}[${index}]`;
  if (c == null) throw new PodShapeError(`${path}: is required`);
  const o = objAt(c, path)!;
  const name = requiredStr(o.name, `${path}.name`);
  const s = objAt(o.securityContext, `${path}.securityContext`);
  const sp = `${path}.securityContext`;
  const sc = s
    ? new ContainerSC(
        intAt(s.runAsUser, `${sp}.runAsUser`),
        intAt(s.runAsGroup, `${sp}.runAsGroup`),
        boolAt(s.runAsNonRoot, `${sp}.runAsNonRoot`),
        seLinuxAt(s.seLinuxOptions, `${sp}.seLinuxOptions`),
        seccompAt(s.seccompProfile, `${sp}.seccompProfile`),
        boolAt(s.privileged, `${sp}.privileged`),
        strAt(s.procMount, `${sp}.procMount`),
        capabilitiesAt(s.capabilities, `${sp}.capabilities`),
        boolAt(s.readOnlyRootFilesystem, `${sp}.readOnlyRootFilesystem`),
        boolAt(s.allowPrivilegeEscalation, `${sp}.allowPrivilegeEscalation`),
      )
    : new ContainerSC(
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
      );
  const hostPorts: number[] = [];
  const ports = listAt(o.ports, `${path}.ports`) ?? [];
  for (let i = 0; i < ports.length; i++) {
    const p = objAt(ports[i], `${path}.ports[${i}]`);
    if (!p) continue;
    const containerPort = intAt(p.containerPort, `${path}.ports[${i}].containerPort`) ?? 0;
    let hostPort = intAt(p.hostPort, `${path}.ports[${i}].hostPort`) ?? 0;
    if (hostPort === 0 && hostNetwork && list !== 'ephemeralContainers') hostPort = containerPort;
    if (hostPort > 0) hostPorts.push(hostPort);
  }
  const mounts: VolumeMountView[] = [];
  const vms = listAt(o.volumeMounts, `${path}.volumeMounts`) ?? [];
  for (let i = 0; i < vms.length; i++) {
    const m = objAt(vms[i], `${path}.volumeMounts[${i}]`);
    if (!m) continue;
    mounts.push(
      new VolumeMountView(
        requiredStr(m.name, `${path}.volumeMounts[${i}].name`),
        boolAt(m.readOnly, `${path}.volumeMounts[${i}].readOnly`) ?? false,
      ),
    );
  }
  return new ContainerView(
    list,
    index,
    path,
    name,
    sc,
    hostPorts,
    mounts,
    annotation(annotations, SECCOMP_CONTAINER_ANNOTATION_PREFIX + name),
    annotation(annotations, APPARMOR_CONTAINER_ANNOTATION_PREFIX + name),
  );
}

function volumeView(v: unknown, i: number): VolumeView {
  const path = `spec.volumes[${i}]`;
  if (v == null) throw new PodShapeError(`${path}: is required`);
  const o = objAt(v, path)!;
  const name = requiredStr(o.name, `${path}.name`);
  let sources = 0;
  for (const k in o) if (o[k] != null && VOLUME_SOURCES.has(k)) sources++;
  if (sources > 1) throw new PodShapeError(`${path}: may not specify more than 1 volume type`);
  const fsType = volumeFSType(o as never);
  let hostPath: string | undefined;
  let driver: string | undefined;
  if (fsType === 'hostPath')
    hostPath = requiredStr(objAt(o.hostPath, `${path}.hostPath`)!.path, `${path}.hostPath.path`);
  else if (fsType === 'flexVolume')
    driver = requiredStr(objAt(o.flexVolume, `${path}.flexVolume`)!.driver, `${path}.flexVolume.driver`);
  else if (fsType === 'csi') driver = requiredStr(objAt(o.csi, `${path}.csi`)!.driver, `${path}.csi.driver`);
  return new VolumeView(name, fsType, hostPath, driver);
}

/**
 * Reads a pod (kind Pod, or a pod template turned into one) for admission. Throws
 * PodShapeError naming the first field of the wrong type.
 */
export function podView(pod: Pod): PodView {
  const meta = objAt(pod.metadata, 'metadata');
  let annotations = EMPTY;
  const a = objAt(meta?.annotations, 'metadata.annotations');
  if (a) {
    for (const k in a)
      if (typeof a[k] !== 'string')
        throw new PodShapeError(`metadata.annotations[${k}]: must be a string, not ${describe(a[k])} (quote it)`);
    annotations = a as Record<string, string>;
  }
  if (pod.spec == null) throw new PodShapeError('spec: is required');
  const spec = objAt(pod.spec, 'spec')!;
  const hostNetwork = boolAt(spec.hostNetwork, 'spec.hostNetwork') ?? false;
  const hostPID = boolAt(spec.hostPID, 'spec.hostPID') ?? false;
  const hostIPC = boolAt(spec.hostIPC, 'spec.hostIPC') ?? false;
  const runtimeClassName = strAt(spec.runtimeClassName, 'spec.runtimeClassName');
  strAt(spec.serviceAccountName, 'spec.serviceAccountName');
  strAt(spec.serviceAccount, 'spec.serviceAccount');

  const s = objAt(spec.securityContext, 'spec.securityContext');
  const sp = 'spec.securityContext';
  let psc: PodSC;
  let sysctls: Sysctl[] = [];
  if (s) {
    let groups: number[] | undefined;
    const g = listAt(s.supplementalGroups, `${sp}.supplementalGroups`);
    if (g) {
      for (let i = 0; i < g.length; i++)
        if (!Number.isInteger(g[i])) fail(`${sp}.supplementalGroups[${i}]`, 'an integer', g[i]);
      groups = g as number[];
    }
    psc = new PodSC(
      intAt(s.runAsUser, `${sp}.runAsUser`),
      intAt(s.runAsGroup, `${sp}.runAsGroup`),
      boolAt(s.runAsNonRoot, `${sp}.runAsNonRoot`),
      seLinuxAt(s.seLinuxOptions, `${sp}.seLinuxOptions`),
      seccompAt(s.seccompProfile, `${sp}.seccompProfile`),
      intAt(s.fsGroup, `${sp}.fsGroup`),
      groups,
    );
    const sl = listAt(s.sysctls, `${sp}.sysctls`);
    if (sl) {
      sysctls = sl.map((x, i) => {
        const o = objAt(x, `${sp}.sysctls[${i}]`);
        if (!o) throw new PodShapeError(`${sp}.sysctls[${i}]: is required`);
        return { name: requiredStr(o.name, `${sp}.sysctls[${i}].name`) };
      });
    }
  } else {
    psc = new PodSC(undefined, undefined, undefined, undefined, undefined, undefined, undefined);
  }

  const volumes = (listAt(spec.volumes, 'spec.volumes') ?? []).map(volumeView);

  if (spec.containers == null) throw new PodShapeError('spec.containers: is required');
  const containers: ContainerView[] = [];
  for (const list of CONTAINER_LISTS) {
    const cs = listAt(spec[list], `spec.${list}`);
    if (!cs) continue;
    for (let i = 0; i < cs.length; i++) containers.push(containerView(cs[i], list, i, hostNetwork, annotations));
  }
  return new PodView(
    pod,
    annotations,
    annotation(annotations, SECCOMP_POD_ANNOTATION),
    psc,
    hostNetwork,
    hostPID,
    hostIPC,
    sysctls,
    volumes,
    runtimeClassName,
    containers,
  );
}
