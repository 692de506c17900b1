/**
 * One PodSecurityPolicy turned into an admission provider: defaulting (mutate) and
 * checking (validate) a pod exactly as kube-apiserver 1.24 does it in
 * pkg/security/podsecuritypolicy/provider.go (MutatePod, mutateContainer,
 * ValidatePod, validatePodVolumes, validateContainer), with the strategies built
 * the way factory.go builds them.
 *
 * The order in which errors are appended is upstream's, because it is the order
 * they appear in the refusal message.
 */
import { Candidate } from './candidate.js';
import type { FieldError } from './field-error.js';
import { go, invalid } from './field-error.js';
import { allowsHostPath } from './fstype.js';
import type { PodView } from './pod-view.js';
import type { PspSpec } from '../../k8s/psp.js';
import { createAppArmorStrategy, type AppArmorStrategy } from './strategies/apparmor.js';
import { StrategyError } from './strategies/build-error.js';
import { createCapabilitiesStrategy, type CapabilitiesStrategy } from './strategies/capabilities.js';
import { createGroupStrategy, type GroupStrategy } from './strategies/group.js';
import { createSeccompStrategy, type SeccompStrategy } from './strategies/seccomp.js';
import { createSELinuxStrategy, type SELinuxStrategy } from './strategies/selinux.js';
import { createSysctlsStrategy, type SysctlsStrategy } from './strategies/sysctl.js';
import { createRunAsUserStrategy, type RunAsUserStrategy } from './strategies/user.js';

/** What the engine needs of a PodSecurityPolicy object. */
export interface PolicyObject {
  metadata: { name: string; annotations?: Record<string, string> | null };
  spec: PspSpec;
}

/** A policy that cannot be used: upstream skips it when building providers. */
export class ProviderBuildError extends Error {
  constructor(
    readonly policy: string,
    readonly reasons: string[],
  ) {
    super(`error creating provider for PSP ${policy}: ${reasons.join(', ')}`);
    this.name = 'ProviderBuildError';
  }
}

interface Strategies {
  runAsUser: RunAsUserStrategy;
  runAsGroup: GroupStrategy;
  seLinux: SELinuxStrategy;
  appArmor: AppArmorStrategy;
  seccomp: SeccompStrategy;
  fsGroup: GroupStrategy;
  supplementalGroups: GroupStrategy;
  capabilities: CapabilitiesStrategy;
  sysctls: SysctlsStrategy;
}

function buildStrategies(p: PolicyObject): Strategies {
  const spec = p.spec;
  const annotations = p.metadata.annotations ?? undefined;
  const errors: string[] = [];
  const attempt = <T>(make: () => T): T => {
    try {
      return make();
    } catch (e) {
      if (!(e instanceof StrategyError)) throw e;
      errors.push(e.message);
      return undefined as T;
    }
  };
  const s: Strategies = {
    runAsUser: attempt(() => createRunAsUserStrategy(spec.runAsUser)),
    runAsGroup: attempt(() => createGroupStrategy('RunAsGroup', spec.runAsGroup)),
    seLinux: attempt(() => createSELinuxStrategy(spec.seLinux)),
    appArmor: createAppArmorStrategy(annotations),
    seccomp: createSeccompStrategy(annotations),
    fsGroup: attempt(() => createGroupStrategy('FSGroup', spec.fsGroup)),
    supplementalGroups: attempt(() => createGroupStrategy('SupplementalGroups', spec.supplementalGroups)),
    capabilities: createCapabilitiesStrategy(spec),
    sysctls: createSysctlsStrategy(spec.allowedUnsafeSysctls, spec.forbiddenSysctls),
  };
  if (errors.length > 0) throw new ProviderBuildError(p.metadata.name, errors);
  return s;
}

/** `80`, `8000-8080`, joined with commas: the "Allowed ports" list of the hostPort error. */
function formatHostPortRanges(ranges: readonly { min: number; max: number }[]): string {
  return ranges.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(',');
}

function append(to: FieldError[], from: readonly FieldError[]): void {
  for (let i = 0; i < from.length; i++) to.push(from[i]);
}

export class PspProvider {
  readonly name: string;
  private readonly spec: PspSpec;
  private readonly s: Strategies;
  /** v1beta1 defaulting: a policy without allowPrivilegeEscalation allows it. */
  private readonly allowPrivilegeEscalation: boolean;
  private readonly mustRunAsNonRoot: boolean;
  private readonly allowAllVolumes: boolean;
  private readonly allowedVolumes: ReadonlySet<string>;
  private readonly allowedProcMounts: ReadonlySet<string>;
  private readonly allowedHostPortsText: string;

  /** Throws ProviderBuildError for a policy the admission plugin would skip. */
  constructor(policy: PolicyObject) {
    this.name = policy.metadata.name;
    this.spec = policy.spec;
    this.s = buildStrategies(policy);
    this.allowPrivilegeEscalation = policy.spec.allowPrivilegeEscalation ?? true;
    this.mustRunAsNonRoot = policy.spec.runAsUser?.rule === 'MustRunAsNonRoot';
    const volumes = policy.spec.volumes ?? [];
    this.allowAllVolumes = volumes.includes('*');
    this.allowedVolumes = new Set(volumes);
    const procMounts = policy.spec.allowedProcMountTypes ?? [];
    this.allowedProcMounts = new Set(procMounts.length > 0 ? procMounts : ['Default']);
    this.allowedHostPortsText = formatHostPortRanges(policy.spec.hostPorts ?? []);
  }

  // --- defaulting ---------------------------------------------------------------

  /** provider.go MutatePod: what the policy defaults, never overriding what is set. */
  mutate(view: PodView): Candidate {
    const s = this.s;
    const c = new Candidate(view);
    const psc = view.psc;
    if (psc.supplementalGroups === undefined) {
      const groups = s.supplementalGroups.generate();
      if (groups) c.setPodSC('supplementalGroups', groups);
    }
    if (psc.fsGroup === undefined) {
      const g = s.fsGroup.generateSingle();
      if (g !== undefined) c.setPodSC('fsGroup', g);
    }
    if (psc.seLinuxOptions === undefined) {
      const o = s.seLinux.generate();
      if (o) c.setPodSC('seLinuxOptions', o);
    }
    // Only the pod gets a seccomp default; containers inherit it.
    const seccomp = s.seccomp.generate(c);
    if (seccomp !== '') c.setSeccompAnnotation(seccomp);

    const rc = this.spec.runtimeClass;
    if (rc && view.runtimeClassName === undefined && rc.defaultRuntimeClassName != null) {
      c.setRuntimeClassName(rc.defaultRuntimeClassName);
    }

    for (let i = 0; i < view.containers.length; i++) this.mutateContainer(c, i);
    return c;
  }

  private mutateContainer(c: Candidate, i: number): void {
    const s = this.s;
    if (c.runAsUser(i) === undefined) {
      const uid = s.runAsUser.generate();
      if (uid !== undefined) c.writable(i).runAsUser = uid;
    }
    if (c.runAsGroup(i) === undefined) {
      const gid = s.runAsGroup.generateSingle();
      if (gid !== undefined) c.writable(i).runAsGroup = gid;
    }
    if (c.seLinuxOptions(i) === undefined) {
      const o = s.seLinux.generate();
      if (o) c.writable(i).seLinuxOptions = o;
    }
    const apparmor = s.appArmor.generate(c.appArmorAnnotation(i));
    if (apparmor !== undefined) c.setAppArmorAnnotation(i, apparmor);

    // The marker that makes the kubelet refuse to start the image as root.
    if (this.mustRunAsNonRoot && c.runAsNonRoot(i) === undefined && c.runAsUser(i) === undefined) {
      c.writable(i).runAsNonRoot = true;
    }

    const caps = c.scs[i].capabilities;
    const nextCaps = s.capabilities.generate(caps);
    if (nextCaps !== caps) c.writable(i).capabilities = nextCaps ?? undefined;

    if (this.spec.readOnlyRootFilesystem && c.scs[i].readOnlyRootFilesystem === undefined) {
      c.writable(i).readOnlyRootFilesystem = true;
    }
    const defaultAPE = this.spec.defaultAllowPrivilegeEscalation;
    if (defaultAPE != null && c.scs[i].allowPrivilegeEscalation === undefined) {
      c.writable(i).allowPrivilegeEscalation = defaultAPE;
    }
    if (!this.allowPrivilegeEscalation && c.scs[i].allowPrivilegeEscalation === undefined) {
      c.writable(i).allowPrivilegeEscalation = false;
    }
  }

  // --- validation -------------------------------------------------------------

  /** provider.go ValidatePod: every field error of the defaulted pod. */
  validate(c: Candidate): FieldError[] {
    const s = this.s;
    const view = c.view;
    const psc = c.psc;
    const errs: FieldError[] = [];

    append(
      errs,
      s.fsGroup.validate('spec.securityContext.fsGroup', psc.fsGroup !== undefined ? [psc.fsGroup] : undefined),
    );
    append(errs, s.supplementalGroups.validate('spec.securityContext.supplementalGroups', psc.supplementalGroups));
    append(errs, s.seccomp.validatePod(c));
    append(errs, s.seLinux.validate('spec.securityContext.seLinuxOptions', psc.seLinuxOptions));

    if (!this.spec.hostNetwork && view.hostNetwork)
      errs.push(invalid('spec.securityContext.hostNetwork', go.bool(true), 'Host network is not allowed to be used'));
    if (!this.spec.hostPID && view.hostPID)
      errs.push(invalid('spec.securityContext.hostPID', go.bool(true), 'Host PID is not allowed to be used'));
    if (!this.spec.hostIPC && view.hostIPC)
      errs.push(invalid('spec.securityContext.hostIPC', go.bool(true), 'Host IPC is not allowed to be used'));

    if (view.sysctls.length > 0) append(errs, s.sysctls.validate(view.sysctls));
    if (view.volumes.length > 0) this.validateVolumes(view, errs);

    const rc = this.spec.runtimeClass;
    const runtimeClassName = c.runtimeClassName;
    if (
      rc &&
      runtimeClassName !== undefined &&
      !rc.allowedRuntimeClassNames.some((n) => n === '*' || n === runtimeClassName)
    ) {
      errs.push(invalid('spec.runtimeClassName', go.str(runtimeClassName), ''));
    }

    for (let i = 0; i < view.containers.length; i++) this.validateContainer(c, i, errs);
    return errs;
  }

  private validateVolumes(view: PodView, errs: FieldError[]): void {
    for (let i = 0; i < view.volumes.length; i++) {
      const v = view.volumes[i];
      const fsType = v.fsType;
      if (!this.allowAllVolumes && !this.allowedVolumes.has(fsType)) {
        errs.push(invalid(`spec.volumes[${i}]`, go.str(fsType), `${fsType} volumes are not allowed to be used`));
        continue;
      }
      if (fsType === 'hostPath') {
        const verdict = allowsHostPath(this.spec.allowedHostPaths, v.hostPath!);
        if (!verdict.allowed) {
          errs.push(
            invalid(`spec.volumes[${i}].hostPath.pathPrefix`, go.str(v.hostPath!), 'is not allowed to be used'),
          );
        } else if (verdict.mustBeReadOnly) {
          for (const c of view.containers) {
            c.mounts.forEach((m, j) => {
              if (m.name === v.name && !m.readOnly)
                errs.push(invalid(`${c.path}.volumeMounts[${j}].readOnly`, go.bool(false), 'must be read-only'));
            });
          }
        }
      } else if (fsType === 'flexVolume') {
        const allowed = this.spec.allowedFlexVolumes ?? [];
        // Upstream names the field `driver` directly under the volume, not under flexVolume.
        if (allowed.length > 0 && !allowed.some((f) => f.driver === v.driver)) {
          errs.push(
            invalid(`spec.volumes[${i}].driver`, go.str(v.driver!), 'Flexvolume driver is not allowed to be used'),
          );
        }
      } else if (fsType === 'csi') {
        const allowed = this.spec.allowedCSIDrivers ?? [];
        if (allowed.length > 0 && !allowed.some((d) => d.name === v.driver)) {
          errs.push(
            invalid(`spec.volumes[${i}].csi.driver`, go.str(v.driver!), 'Inline CSI driver is not allowed to be used'),
          );
        }
      }
    }
  }

  private validateContainer(c: Candidate, i: number, errs: FieldError[]): void {
    const s = this.s;
    const cv = c.view.containers[i];
    const sc = c.scs[i];
    const scPath = cv.scPath;

    append(errs, s.runAsUser.validate(scPath, c.runAsNonRoot(i), c.runAsUser(i)));
    const gid = c.runAsGroup(i);
    // Upstream passes the security context path itself here, not `.runAsGroup`.
    append(errs, s.runAsGroup.validate(scPath, gid !== undefined ? [gid] : undefined));
    append(errs, s.seLinux.validate(cv.seLinuxPath, c.seLinuxOptions(i)));
    append(errs, s.appArmor.validate(cv.name, c.appArmorAnnotation(i)));
    append(errs, s.seccomp.validateContainer(c, cv, sc.seccompProfile));

    if (!this.spec.privileged && sc.privileged === true) {
      errs.push(invalid(`${scPath}.privileged`, go.bool(true), 'Privileged containers are not allowed'));
    }

    const procMount = sc.procMount ?? 'Default';
    if (!this.allowedProcMounts.has(procMount)) {
      errs.push(invalid(`${scPath}.procMount`, go.namedString(procMount), 'ProcMountType is not allowed'));
    }

    append(errs, s.capabilities.validate(cv.capabilitiesPath, sc.capabilities));

    for (const hp of cv.hostPorts) {
      if (!this.isAllowedHostPort(hp)) {
        errs.push(
          invalid(
            `${cv.path}.hostPort`,
            go.int(hp),
            `Host port ${hp} is not allowed to be used. Allowed ports: [${this.allowedHostPortsText}]`,
          ),
        );
      }
    }

    if (this.spec.readOnlyRootFilesystem) {
      const ro = sc.readOnlyRootFilesystem;
      if (ro === undefined) {
        errs.push(
          invalid(
            `${scPath}.readOnlyRootFilesystem`,
            go.nil,
            'ReadOnlyRootFilesystem may not be nil and must be set to true',
          ),
        );
      } else if (!ro) {
        errs.push(
          invalid(`${scPath}.readOnlyRootFilesystem`, go.bool(false), 'ReadOnlyRootFilesystem must be set to true'),
        );
      }
    }

    const ape = sc.allowPrivilegeEscalation;
    if (!this.allowPrivilegeEscalation && (ape === undefined || ape)) {
      errs.push(
        invalid(
          `${scPath}.allowPrivilegeEscalation`,
          ape === undefined ? go.nil : go.bool(true),
          'Allowing privilege escalation for containers is not allowed',
        ),
      );
    }
  }

  private isAllowedHostPort(port: number): boolean {
    for (const r of this.spec.hostPorts ?? []) if (port >= r.min && port <= r.max) return true;
    return false;
  }
}
