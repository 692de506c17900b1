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
import { fsTypeOfSource, VOLUME_SOURCES } from './fstype.js';
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

/**
 * The error paths of the container at `spec.<list>[<index>]`. They depend on nothing
 * else, so each is built once per process (containerPaths) instead of once per pod.
 */
class ContainerPaths {
  readonly scPath: string;
  readonly seLinuxPath: string;
  readonly capabilitiesPath: string;

  constructor(readonly path: string) {
    this.scPath = `${path}.securityContext`;
    this.seLinuxPath = `${this.scPath}.seLinuxOptions`;
    this.capabilitiesPath = `${this.scPath}.capabilities`;
  }
}

const CONTAINER_PATHS: Record<ContainerList, ContainerPaths[]> = {
  initContainers: [],
  containers: [],
  ephemeralContainers: [],
};

function containerPaths(list: ContainerList, index: number): ContainerPaths {
  const known = CONTAINER_PATHS[list];
  return (known[index] ??= new ContainerPaths(`spec.${list}[${index}]`));
}

const VOLUME_PATHS: string[] = [];

function volumePath(index: number): string {
  return (VOLUME_PATHS[index] ??= `spec.volumes[${index}]`);
}

export class ContainerView {
  /** `spec.containers[1]` */
  readonly path: string;
  // Error paths, shared by every pod (containerPaths).
  readonly scPath: string;
  readonly seLinuxPath: string;
  readonly capabilitiesPath: string;

  constructor(
    readonly list: ContainerList,
    readonly index: number,
    paths: ContainerPaths,
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
    this.path = paths.path;
    this.scPath = paths.scPath;
    this.seLinuxPath = paths.seLinuxPath;
    this.capabilitiesPath = paths.capabilitiesPath;
  }
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

// The readers take the field's path as a base and a key and join them only to report a
// bad value: built eagerly, the paths cost more than the reads (dozens per pod).

function at(base: string, key: string): string {
  return key === '' ? base : `${base}.${key}`;
}

function objAt(v: unknown, base: string, key = ''): Obj | undefined {
  if (v == null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(at(base, key), 'an object', v);
  return v as Obj;
}

function listAt(v: unknown, base: string, key = ''): unknown[] | undefined {
  if (v == null) return undefined;
  if (!Array.isArray(v)) fail(at(base, key), 'a list', v);
  return v;
}

function boolAt(v: unknown, base: string, key = ''): boolean | undefined {
  if (v == null) return undefined;
  if (typeof v !== 'boolean') fail(at(base, key), 'true or false', v);
  return v;
}

function intAt(v: unknown, base: string, key = ''): number | undefined {
  if (v == null) return undefined;
  if (!Number.isInteger(v)) fail(at(base, key), 'an integer', v);
  return v as number;
}

function strAt(v: unknown, base: string, key = ''): string | undefined {
  if (v == null) return undefined;
  if (typeof v !== 'string') fail(at(base, key), 'a string', v);
  return v;
}

function requiredStr(v: unknown, base: string, key = ''): string {
  if (v == null) throw new PodShapeError(`${at(base, key)}: is required`);
  return strAt(v, base, key)!;
}

function strList(v: unknown, base: string, key: string): string[] | undefined {
  const l = listAt(v, base, key);
  if (!l) return undefined;
  for (let i = 0; i < l.length; i++) if (typeof l[i] !== 'string') fail(`${at(base, key)}[${i}]`, 'a string', l[i]);
  return l as string[];
}

function seLinuxAt(v: unknown, base: string, key: string): SELinuxOptions | undefined {
  const o = objAt(v, base, key);
  if (!o) return undefined;
  for (const k of ['user', 'role', 'type', 'level']) if (o[k] != null) strAt(o[k], at(base, key), k);
  return o as SELinuxOptions;
}

function seccompAt(v: unknown, base: string, key: string): SeccompProfile | undefined {
  const o = objAt(v, base, key);
  if (!o) return undefined;
  strAt(o.type, at(base, key), 'type');
  if (o.localhostProfile != null) strAt(o.localhostProfile, at(base, key), 'localhostProfile');
  return o as SeccompProfile;
}

function capabilitiesAt(v: unknown, base: string, key: string): Capabilities | undefined {
  const o = objAt(v, base, key);
  if (!o) return undefined;
  // Only the two lists matter; a fresh object of one shape keeps reads fast.
  const path = at(base, key);
  return { add: strList(o.add, path, 'add'), drop: strList(o.drop, path, 'drop') };
}

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
export const APPARMOR_CONTAINER_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function annotation(annotations: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(annotations, key) ? annotations[key] : undefined;
}

/** Whether any key has one of the per-container annotation prefixes (most pods: none, so no lookups). */
function hasContainerAnnotations(annotations: Readonly<Record<string, string>>): boolean {
  for (const k in annotations)
    if (k.startsWith(SECCOMP_CONTAINER_ANNOTATION_PREFIX) || k.startsWith(APPARMOR_CONTAINER_ANNOTATION_PREFIX))
      return true;
  return false;
}

function containerView(
  c: unknown,
  list: ContainerList,
  index: number,
  hostNetwork: boolean,
  annotations: Readonly<Record<string, string>> | undefined,
): ContainerView {
  const paths = containerPaths(list, index);
  const path = paths.path;
  if (c == null) throw new PodShapeError(`${path}: is required`);
  const o = objAt(c, path)!;
  const name = requiredStr(o.name, path, 'name');
  const s = objAt(o.securityContext, path, 'securityContext');
  const sc = s ? containerSC(s, paths.scPath) : NO_SECURITY_CONTEXT;
  // Ports and mounts are checked inline: their paths are built only to report a bad value.
  const hostPorts: number[] = [];
  const ports = listAt(o.ports, path, 'ports');
  if (ports) {
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      if (p == null) continue;
      if (typeof p !== 'object' || Array.isArray(p)) fail(`${path}.ports[${i}]`, 'an object', p);
      const cp = (p as Obj).containerPort;
      const hp = (p as Obj).hostPort;
      if (cp != null && !Number.isInteger(cp)) fail(`${path}.ports[${i}].containerPort`, 'an integer', cp);
      if (hp != null && !Number.isInteger(hp)) fail(`${path}.ports[${i}].hostPort`, 'an integer', hp);
      const containerPort = cp == null ? 0 : (cp as number);
      let hostPort = hp == null ? 0 : (hp as number);
      if (hostPort === 0 && hostNetwork && list !== 'ephemeralContainers') hostPort = containerPort;
      if (hostPort > 0) hostPorts.push(hostPort);
    }
  }
  const mounts: VolumeMountView[] = [];
  const vms = listAt(o.volumeMounts, path, 'volumeMounts');
  if (vms) {
    for (let i = 0; i < vms.length; i++) {
      const m = vms[i];
      if (m == null) continue;
      if (typeof m !== 'object' || Array.isArray(m)) fail(`${path}.volumeMounts[${i}]`, 'an object', m);
      const mountName = (m as Obj).name;
      const ro = (m as Obj).readOnly;
      if (typeof mountName !== 'string') {
        if (mountName == null) throw new PodShapeError(`${path}.volumeMounts[${i}].name: is required`);
        fail(`${path}.volumeMounts[${i}].name`, 'a string', mountName);
      }
      if (ro != null && typeof ro !== 'boolean') fail(`${path}.volumeMounts[${i}].readOnly`, 'true or false', ro);
      mounts.push(new VolumeMountView(mountName, ro == null ? false : (ro as boolean)));
    }
  }
  return new ContainerView(
    list,
    index,
    paths,
    name,
    sc,
    hostPorts,
    mounts,
    annotations && annotation(annotations, SECCOMP_CONTAINER_ANNOTATION_PREFIX + name),
    annotations && annotation(annotations, APPARMOR_CONTAINER_ANNOTATION_PREFIX + name),
  );
}

/**
 * The settings of every container without a securityContext. Shared: a view's settings
 * are never written to (a Candidate copies them on its first change).
 */
const NO_SECURITY_CONTEXT = new ContainerSC(
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

function containerSC(s: Obj, sp: string): ContainerSC {
  return new ContainerSC(
    intAt(s.runAsUser, sp, 'runAsUser'),
    intAt(s.runAsGroup, sp, 'runAsGroup'),
    boolAt(s.runAsNonRoot, sp, 'runAsNonRoot'),
    seLinuxAt(s.seLinuxOptions, sp, 'seLinuxOptions'),
    seccompAt(s.seccompProfile, sp, 'seccompProfile'),
    boolAt(s.privileged, sp, 'privileged'),
    strAt(s.procMount, sp, 'procMount'),
    capabilitiesAt(s.capabilities, sp, 'capabilities'),
    boolAt(s.readOnlyRootFilesystem, sp, 'readOnlyRootFilesystem'),
    boolAt(s.allowPrivilegeEscalation, sp, 'allowPrivilegeEscalation'),
  );
}

function volumeView(v: unknown, i: number): VolumeView {
  const path = volumePath(i);
  if (v == null) throw new PodShapeError(`${path}: is required`);
  const o = objAt(v, path)!;
  const name = typeof o.name === 'string' ? o.name : requiredStr(o.name, path, 'name');
  // One walk over the volume's own keys finds its source (volumeFSType would try every source name).
  let sources = 0;
  let source: string | undefined;
  for (const k in o) {
    if (o[k] != null && VOLUME_SOURCES.has(k)) {
      sources++;
      source = k;
    }
  }
  if (sources > 1) throw new PodShapeError(`${path}: may not specify more than 1 volume type`);
  const fsType = source === undefined ? 'emptyDir' : fsTypeOfSource(source);
  let hostPath: string | undefined;
  let driver: string | undefined;
  if (fsType === 'hostPath') hostPath = requiredStr(objAt(o.hostPath, path, 'hostPath')!.path, path, 'hostPath.path');
  else if (fsType === 'flexVolume')
    driver = requiredStr(objAt(o.flexVolume, path, 'flexVolume')!.driver, path, 'flexVolume.driver');
  else if (fsType === 'csi') driver = requiredStr(objAt(o.csi, path, 'csi')!.driver, path, 'csi.driver');
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
  const hostNetwork = boolAt(spec.hostNetwork, 'spec', 'hostNetwork') ?? false;
  const hostPID = boolAt(spec.hostPID, 'spec', 'hostPID') ?? false;
  const hostIPC = boolAt(spec.hostIPC, 'spec', 'hostIPC') ?? false;
  const runtimeClassName = strAt(spec.runtimeClassName, 'spec', 'runtimeClassName');
  strAt(spec.serviceAccountName, 'spec', 'serviceAccountName');
  strAt(spec.serviceAccount, 'spec', 'serviceAccount');

  const sp = 'spec.securityContext';
  const s = objAt(spec.securityContext, sp);
  let psc: PodSC;
  let sysctls: Sysctl[] = [];
  if (s) {
    let groups: number[] | undefined;
    const g = listAt(s.supplementalGroups, sp, 'supplementalGroups');
    if (g) {
      for (let i = 0; i < g.length; i++)
        if (!Number.isInteger(g[i])) fail(`${sp}.supplementalGroups[${i}]`, 'an integer', g[i]);
      groups = g as number[];
    }
    psc = new PodSC(
      intAt(s.runAsUser, sp, 'runAsUser'),
      intAt(s.runAsGroup, sp, 'runAsGroup'),
      boolAt(s.runAsNonRoot, sp, 'runAsNonRoot'),
      seLinuxAt(s.seLinuxOptions, sp, 'seLinuxOptions'),
      seccompAt(s.seccompProfile, sp, 'seccompProfile'),
      intAt(s.fsGroup, sp, 'fsGroup'),
      groups,
    );
    const sl = listAt(s.sysctls, sp, 'sysctls');
    if (sl) {
      sysctls = sl.map((x, i) => {
        const o = objAt(x, `${sp}.sysctls[${i}]`);
        if (!o) throw new PodShapeError(`${sp}.sysctls[${i}]: is required`);
        return { name: requiredStr(o.name, `${sp}.sysctls[${i}]`, 'name') };
      });
    }
  } else {
    psc = new PodSC(undefined, undefined, undefined, undefined, undefined, undefined, undefined);
  }

  const volumes = (listAt(spec.volumes, 'spec', 'volumes') ?? []).map(volumeView);

  if (spec.containers == null) throw new PodShapeError('spec.containers: is required');
  const perContainer = hasContainerAnnotations(annotations) ? annotations : undefined;
  const containers: ContainerView[] = [];
  for (const list of CONTAINER_LISTS) {
    const cs = listAt(spec[list], 'spec', list);
    if (!cs) continue;
    for (let i = 0; i < cs.length; i++) containers.push(containerView(cs[i], list, i, hostNetwork, perContainer));
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
