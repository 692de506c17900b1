/**
 * What a move from a PodSecurityPolicy to a Pod Security Standards level leaves behind:
 * - the policy's mutating defaults (PSS never changes a pod: the workloads must set these
 *   fields themselves, or the pods they used to be given are refused or run differently);
 * - its validating rules the level does not enforce (what the cluster would stop refusing).
 * Both are read from the policy the way provider.go uses it (release-1.24).
 */
import type { PolicyObject } from '../psp/provider.js';
import type { PspSpec } from '../../k8s/psp.js';
import { PSP_ANNOTATIONS } from '../../k8s/psp-annotations.js';
import type { PssLevel } from '../../k8s/pss.js';
import { BASELINE_CAPABILITIES } from '../../k8s/pss.js';
import { RESTRICTED_VOLUMES } from './pss-mapping.js';
import { safeSysctls } from './cel.js';
import { pspVolumeTypes } from '../psp/volumes.js';

/** A default PodSecurityPolicy applied to pods that did not set the field. */
export interface MutatingDefault {
  /** The PSP field or annotation that causes it. */
  policyField: string;
  /** The pod field it sets, e.g. `spec.containers[*].securityContext.runAsNonRoot`. */
  podField: string;
  /** The value it sets, as YAML/JSON text. */
  value: string;
  /** When it applies. */
  when: string;
}

/** A validating rule of the policy that the level does not enforce. */
export interface Gap {
  policyField: string;
  /** What the level admits that the policy refused. */
  lost: string;
}

const CTR = 'spec.{initContainers,containers}[*].securityContext';

export function mutatingDefaults(policy: PolicyObject): MutatingDefault[] {
  const s: PspSpec = policy.spec;
  const a = policy.metadata.annotations ?? {};
  const out: MutatingDefault[] = [];
  const unset = 'when the pod does not set it';
  if (s.supplementalGroups?.rule === 'MustRunAs' && s.supplementalGroups.ranges?.length) {
    out.push({
      policyField: 'spec.supplementalGroups',
      podField: 'spec.securityContext.supplementalGroups',
      value: `[${s.supplementalGroups.ranges[0].min}]`,
      when: unset,
    });
  }
  if (s.fsGroup?.rule === 'MustRunAs' && s.fsGroup.ranges?.length) {
    out.push({
      policyField: 'spec.fsGroup',
      podField: 'spec.securityContext.fsGroup',
      value: `${s.fsGroup.ranges[0].min}`,
      when: unset,
    });
  }
  if (s.seLinux?.rule === 'MustRunAs' && s.seLinux.seLinuxOptions) {
    const v = JSON.stringify(s.seLinux.seLinuxOptions);
    out.push({ policyField: 'spec.seLinux', podField: 'spec.securityContext.seLinuxOptions', value: v, when: unset });
    out.push({
      policyField: 'spec.seLinux',
      podField: `${CTR}.seLinuxOptions`,
      value: v,
      when: 'when neither the container nor the pod sets it',
    });
  }
  const seccompDefault = a[PSP_ANNOTATIONS.seccompDefault];
  if (seccompDefault) {
    out.push({
      policyField: `metadata.annotations[${PSP_ANNOTATIONS.seccompDefault}]`,
      podField: 'spec.securityContext.seccompProfile',
      value: JSON.stringify(seccompField(seccompDefault)),
      when: 'when the pod sets no seccomp profile (PSP wrote the seccomp.security.alpha.kubernetes.io/pod annotation, which kubelets ignore from v1.25)',
    });
  }
  if (s.runtimeClass?.defaultRuntimeClassName != null) {
    out.push({
      policyField: 'spec.runtimeClass.defaultRuntimeClassName',
      podField: 'spec.runtimeClassName',
      value: s.runtimeClass.defaultRuntimeClassName,
      when: unset,
    });
  }
  if (s.runAsUser?.rule === 'MustRunAs' && s.runAsUser.ranges?.length) {
    out.push({
      policyField: 'spec.runAsUser',
      podField: `${CTR}.runAsUser`,
      value: `${s.runAsUser.ranges[0].min}`,
      when: 'when neither the container nor the pod sets it',
    });
  }
  if (s.runAsGroup?.rule === 'MustRunAs' && s.runAsGroup.ranges?.length) {
    out.push({
      policyField: 'spec.runAsGroup',
      podField: `${CTR}.runAsGroup`,
      value: `${s.runAsGroup.ranges[0].min}`,
      when: 'when neither the container nor the pod sets it',
    });
  }
  const apparmorDefault = a[PSP_ANNOTATIONS.apparmorDefault];
  if (apparmorDefault) {
    out.push({
      policyField: `metadata.annotations[${PSP_ANNOTATIONS.apparmorDefault}]`,
      podField: `${CTR}.appArmorProfile`,
      value: JSON.stringify(appArmorField(apparmorDefault)),
      when: 'when the container has no AppArmor profile (PSP wrote the container.apparmor.security.beta.kubernetes.io/<name> annotation; the field exists from v1.30)',
    });
  }
  if (s.runAsUser?.rule === 'MustRunAsNonRoot') {
    out.push({
      policyField: 'spec.runAsUser',
      podField: `${CTR}.runAsNonRoot`,
      value: 'true',
      when: 'when neither runAsNonRoot nor runAsUser is set on the container or the pod',
    });
  }
  if ((s.defaultAddCapabilities ?? []).length > 0) {
    out.push({
      policyField: 'spec.defaultAddCapabilities',
      podField: `${CTR}.capabilities.add`,
      value: JSON.stringify(s.defaultAddCapabilities),
      when: 'added unless the container drops them',
    });
  }
  if ((s.requiredDropCapabilities ?? []).length > 0) {
    out.push({
      policyField: 'spec.requiredDropCapabilities',
      podField: `${CTR}.capabilities.drop`,
      value: JSON.stringify(s.requiredDropCapabilities),
      when: 'added to what the container drops',
    });
  }
  if (s.readOnlyRootFilesystem) {
    out.push({
      policyField: 'spec.readOnlyRootFilesystem',
      podField: `${CTR}.readOnlyRootFilesystem`,
      value: 'true',
      when: 'when the container does not set it',
    });
  }
  if (s.defaultAllowPrivilegeEscalation != null) {
    out.push({
      policyField: 'spec.defaultAllowPrivilegeEscalation',
      podField: `${CTR}.allowPrivilegeEscalation`,
      value: String(s.defaultAllowPrivilegeEscalation),
      when: 'when the container does not set it',
    });
  }
  if (s.allowPrivilegeEscalation === false && s.defaultAllowPrivilegeEscalation == null) {
    out.push({
      policyField: 'spec.allowPrivilegeEscalation',
      podField: `${CTR}.allowPrivilegeEscalation`,
      value: 'false',
      when: 'when the container does not set it',
    });
  }
  return out;
}

function seccompField(name: string): Record<string, string> {
  if (name === 'runtime/default' || name === 'docker/default') return { type: 'RuntimeDefault' };
  if (name === 'unconfined') return { type: 'Unconfined' };
  if (name.startsWith('localhost/')) return { type: 'Localhost', localhostProfile: name.slice('localhost/'.length) };
  return { type: name };
}

function appArmorField(name: string): Record<string, string> {
  if (name === 'runtime/default') return { type: 'RuntimeDefault' };
  if (name === 'unconfined') return { type: 'Unconfined' };
  if (name.startsWith('localhost/')) return { type: 'Localhost', localhostProfile: name.slice('localhost/'.length) };
  return { type: name };
}

const ranges = (r: readonly { min: number; max: number }[] | undefined) =>
  (r ?? []).map((x) => (x.min === x.max ? `${x.min}` : `${x.min}-${x.max}`)).join(', ');

/**
 * The policy's validating rules that `level` does not enforce, at Pod Security
 * Standards version v1.<minor> (for the safe sysctls): each as what the level admits
 * that the policy refused.
 */
export function gapsAt(policy: PolicyObject, level: PssLevel, minor: number): Gap[] {
  const s: PspSpec = policy.spec;
  const a = policy.metadata.annotations ?? {};
  const out: Gap[] = [];
  const add = (policyField: string, lost: string) => out.push({ policyField, lost });
  const privileged = level === 'privileged';
  const baseline = level === 'baseline';

  if (!s.privileged && privileged) add('spec.privileged', 'privileged containers');
  for (const [f, what] of [
    ['hostNetwork', 'the host network'],
    ['hostPID', 'the host PID namespace'],
    ['hostIPC', 'the host IPC namespace'],
  ] as const) {
    if (!s[f] && privileged) add(`spec.${f}`, what);
  }
  const ports = s.hostPorts ?? [];
  if (privileged && !ports.some((r) => r.min <= 0 && r.max >= 65535))
    add('spec.hostPorts', ports.length === 0 ? 'host ports' : `host ports outside ${ranges(ports)}`);

  const volumes = s.volumes ?? [];
  if (!volumes.includes('*')) {
    const allowed = new Set(volumes);
    // What the level admits, among the types a PodSecurityPolicy could name (v1.24).
    const levelTypes =
      level === 'restricted'
        ? [...RESTRICTED_VOLUMES]
        : pspVolumeTypes(24).filter((t) => t !== '*' && (privileged || t !== 'hostPath'));
    const extra = levelTypes.filter((t) => !allowed.has(t));
    if (extra.length > 0)
      add(
        'spec.volumes',
        `${extra.length > 8 ? `${extra.length} more volume types (${extra.slice(0, 6).join(', ')}, ...)` : `${extra.join(', ')} volumes`}`,
      );
  }
  const hostPathAllowed = volumes.includes('*') || volumes.includes('hostPath');
  if (hostPathAllowed && privileged && (s.allowedHostPaths ?? []).length > 0) {
    add(
      'spec.allowedHostPaths',
      `host paths outside ${(s.allowedHostPaths ?? []).map((p) => `${p.pathPrefix}${p.readOnly ? ' (read-only)' : ''}`).join(', ')}, and writable mounts of the read-only ones`,
    );
  }
  if (
    (volumes.includes('*') || volumes.includes('flexVolume')) &&
    level !== 'restricted' &&
    (s.allowedFlexVolumes ?? []).length > 0
  ) {
    add(
      'spec.allowedFlexVolumes',
      `Flexvolume drivers other than ${(s.allowedFlexVolumes ?? []).map((f) => f.driver).join(', ')}`,
    );
  }
  if ((volumes.includes('*') || volumes.includes('csi')) && (s.allowedCSIDrivers ?? []).length > 0) {
    add(
      'spec.allowedCSIDrivers',
      `inline CSI drivers other than ${(s.allowedCSIDrivers ?? []).map((d) => d.name).join(', ')}`,
    );
  }

  const caps = [...(s.allowedCapabilities ?? []), ...(s.defaultAddCapabilities ?? [])];
  if (!caps.includes('*')) {
    const have = new Set(caps);
    if (privileged)
      add(
        'spec.allowedCapabilities',
        caps.length === 0 ? 'adding any capability' : `adding capabilities other than ${caps.join(', ')}`,
      );
    else {
      const levelCaps = baseline ? [...BASELINE_CAPABILITIES] : ['NET_BIND_SERVICE'];
      const extra = levelCaps.filter((c) => !have.has(c));
      if (extra.length > 0) add('spec.allowedCapabilities', `adding ${extra.join(', ')}`);
    }
  }
  const drops = s.requiredDropCapabilities ?? [];
  // Restricted requires dropping ALL, which drops every capability the policy required.
  if (drops.length > 0 && level !== 'restricted')
    add('spec.requiredDropCapabilities', `containers that do not drop ${drops.join(', ')}`);

  const ru = s.runAsUser;
  if (ru?.rule === 'MustRunAs')
    add(
      'spec.runAsUser',
      `user IDs outside ${ranges(ru.ranges)}${level === 'restricted' ? ' (but not root)' : ', root included'}`,
    );
  if (ru?.rule === 'MustRunAsNonRoot' && level !== 'restricted') add('spec.runAsUser', 'containers running as root');
  for (const f of ['runAsGroup', 'supplementalGroups', 'fsGroup'] as const) {
    const g = s[f];
    if (g && (g.rule === 'MustRunAs' || g.rule === 'MayRunAs')) add(`spec.${f}`, `${f} outside ${ranges(g.ranges)}`);
  }
  const se = s.seLinux;
  if (se?.rule === 'MustRunAs')
    add(
      'spec.seLinux',
      `SELinux options other than ${JSON.stringify(se.seLinuxOptions ?? {})} (the level only limits type, user and role)`,
    );
  if (s.readOnlyRootFilesystem) add('spec.readOnlyRootFilesystem', 'writable root filesystems');
  if (s.allowPrivilegeEscalation === false && level !== 'restricted')
    add('spec.allowPrivilegeEscalation', 'privilege escalation (allowPrivilegeEscalation: true or unset)');

  const unsafe = s.allowedUnsafeSysctls ?? [];
  if (privileged && !unsafe.includes('*'))
    add(
      'spec.allowedUnsafeSysctls',
      unsafe.length ? `unsafe sysctls other than ${unsafe.join(', ')}` : 'unsafe sysctls',
    );
  const forbidden = s.forbiddenSysctls ?? [];
  if (forbidden.length > 0) {
    const safe = safeSysctls(minor);
    const hit = forbidden.includes('*')
      ? [...safe]
      : safe.filter((n) => forbidden.some((f) => (f.endsWith('*') ? n.startsWith(f.slice(0, -1)) : n === f)));
    if (hit.length > 0) add('spec.forbiddenSysctls', `the safe sysctls ${hit.join(', ')}`);
  }
  const proc = s.allowedProcMountTypes ?? [];
  if (privileged && !proc.includes('Unmasked')) add('spec.allowedProcMountTypes', 'procMount Unmasked');
  const rc = s.runtimeClass;
  if (rc && !rc.allowedRuntimeClassNames.includes('*'))
    add(
      'spec.runtimeClass.allowedRuntimeClassNames',
      `runtime classes other than ${rc.allowedRuntimeClassNames.join(', ') || '(none)'}`,
    );

  const seccomp = a[PSP_ANNOTATIONS.seccompAllowed];
  if (seccomp === undefined) {
    if (level !== 'restricted')
      add(
        `metadata.annotations[${PSP_ANNOTATIONS.seccompAllowed}]`,
        'setting a seccomp profile (the policy allowed none)',
      );
  } else if (!seccomp.split(',').includes('*')) {
    const list = seccomp.split(',');
    const extra: string[] = [];
    const local = list.filter((p) => p.startsWith('localhost/'));
    extra.push(local.length === 0 ? 'Localhost profiles' : `Localhost profiles other than ${local.join(', ')}`);
    if (!list.some((p) => p === 'runtime/default' || p === 'docker/default')) extra.push('RuntimeDefault');
    if (level !== 'restricted' && !list.includes('')) extra.push('no profile');
    if (privileged && !list.includes('unconfined')) extra.push('Unconfined');
    add(`metadata.annotations[${PSP_ANNOTATIONS.seccompAllowed}]`, `seccomp: ${extra.join(', ')}`);
  }
  const apparmor = a[PSP_ANNOTATIONS.apparmorAllowed];
  if (apparmor !== undefined) {
    const list = apparmor.split(',');
    const extra: string[] = [];
    const local = list.filter((p) => p.startsWith('localhost/'));
    extra.push(local.length === 0 ? 'localhost/* profiles' : `localhost profiles other than ${local.join(', ')}`);
    if (!list.includes('runtime/default')) extra.push('runtime/default');
    if (!list.includes('') && a[PSP_ANNOTATIONS.apparmorDefault] !== 'runtime/default') extra.push('no profile');
    if (privileged && !list.includes('unconfined')) extra.push('unconfined');
    add(`metadata.annotations[${PSP_ANNOTATIONS.apparmorAllowed}]`, `AppArmor: ${extra.join(', ')}`);
  }
  return out;
}
