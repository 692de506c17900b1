/**
 * The rules kube-apiserver's PodSecurityPolicy validation applies on top of the
 * schema (pkg/apis/policy/validation/validation.go, release-1.24), plus the ones
 * that make a policy unusable at admission time (a MustRunAs strategy without a
 * range fails to build, so the admission plugin skips that policy silently).
 * Each problem carries the field path inside the spec.
 */
import type { PspAnnotations, PspSpec } from '../../k8s/psp.js';
import { PSP_ANNOTATIONS } from '../../k8s/psp-annotations.js';
import { pspVolumeTypes } from './volumes.js';
import { PSP_FIELD_SINCE } from '../../versions.js';

export interface SpecProblem {
  /** Path relative to the policy object, e.g. ['spec', 'hostPorts', 0, 'max']. */
  path: (string | number)[];
  message: string;
}

export function validatePspSpec(spec: PspSpec, minor: number, annotations: PspAnnotations = {}): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path: ['spec', ...path], message });

  for (const [field, since] of Object.entries(PSP_FIELD_SINCE)) {
    if (spec[field as keyof PspSpec] !== undefined && minor < since) {
      add([field], `needs Kubernetes v1.${since} or newer; v1.${minor}'s API server does not know this field`);
    }
  }

  const ranges = (field: 'runAsUser' | 'runAsGroup' | 'supplementalGroups' | 'fsGroup') => {
    const s = spec[field];
    if (!s) return;
    (s.ranges ?? []).forEach((r, i) => {
      if (r.min > r.max) add([field, 'ranges', i], `min (${r.min}) must not be greater than max (${r.max})`);
    });
    if ((s.rule === 'MustRunAs' || s.rule === 'MayRunAs') && (s.ranges ?? []).length === 0) {
      add(
        [field, 'ranges'],
        `rule ${s.rule} needs at least one range; without one the admission plugin cannot use this policy`,
      );
    }
  };
  ranges('runAsUser');
  ranges('runAsGroup');
  if (spec.runAsGroup?.rule === 'RunAsAny' && (spec.runAsGroup.ranges ?? []).length > 0) {
    add(['runAsGroup', 'ranges'], 'must be empty for rule RunAsAny');
  }
  ranges('supplementalGroups');
  ranges('fsGroup');

  // kube-apiserver requires these four strategies on every policy.
  for (const field of ['seLinux', 'runAsUser', 'supplementalGroups', 'fsGroup'] as const) {
    if (!spec[field]) add([field], `is required (use {rule: RunAsAny} to allow anything)`);
  }

  const known = new Set(pspVolumeTypes(minor));
  (spec.volumes ?? []).forEach((v, i) => {
    if (!known.has(v))
      add(['volumes', i], `"${v}" is not a volume type Kubernetes v1.${minor} accepts in a PodSecurityPolicy`);
  });

  (spec.hostPorts ?? []).forEach((r, i) => {
    if (r.min > r.max) add(['hostPorts', i], `min (${r.min}) must not be greater than max (${r.max})`);
  });

  (spec.allowedHostPaths ?? []).forEach((p, i) => {
    if (p.pathPrefix.split('/').includes('..')) add(['allowedHostPaths', i, 'pathPrefix'], `must not contain '..'`);
  });

  const drops = new Set(spec.requiredDropCapabilities ?? []);
  const wildcard = (spec.allowedCapabilities ?? []).indexOf('*');
  if (wildcard >= 0 && drops.size > 0) {
    add(
      ['allowedCapabilities', wildcard],
      `"*" allows every capability, so requiredDropCapabilities must be empty (it is [${[...drops].join(', ')}])`,
    );
  }
  (spec.defaultAddCapabilities ?? []).forEach((c, i) => {
    if (drops.has(c)) add(['defaultAddCapabilities', i], `capability "${c}" is also in requiredDropCapabilities`);
  });
  (spec.allowedCapabilities ?? []).forEach((c, i) => {
    if (drops.has(c)) add(['allowedCapabilities', i], `capability "${c}" is also in requiredDropCapabilities`);
  });

  if (spec.defaultAllowPrivilegeEscalation === true && spec.allowPrivilegeEscalation === false) {
    add(['defaultAllowPrivilegeEscalation'], 'cannot be true while allowPrivilegeEscalation is false');
  }

  validateSysctls(spec, add);

  if (spec.runtimeClass) {
    const allowed = spec.runtimeClass.allowedRuntimeClassNames;
    const def = spec.runtimeClass.defaultRuntimeClassName;
    if (allowed.includes('*') && allowed.length > 1) {
      add(['runtimeClass', 'allowedRuntimeClassNames'], 'if "*" is present, it must be the only entry');
    }
    if (def !== undefined && !allowed.includes('*') && !allowed.includes(def)) {
      add(['runtimeClass', 'defaultRuntimeClassName'], `"${def}" must be listed in allowedRuntimeClassNames`);
    }
  }

  for (const [key, defKey, kind] of [
    [PSP_ANNOTATIONS.seccompAllowed, PSP_ANNOTATIONS.seccompDefault, 'seccomp'],
    [PSP_ANNOTATIONS.apparmorAllowed, PSP_ANNOTATIONS.apparmorDefault, 'apparmor'],
  ] as const) {
    const allowed = annotations[key];
    const def = annotations[defKey];
    for (const [k, v] of [
      [key, allowed],
      [defKey, def],
    ] as const) {
      if (v === undefined) continue;
      for (const name of v.split(',')) {
        const problem = profileProblem(kind, name.trim(), k === key);
        if (problem) problems.push({ path: ['metadata', 'annotations', k], message: problem });
      }
    }
  }

  return problems;
}

function profileProblem(kind: 'seccomp' | 'apparmor', name: string, allowList: boolean): string | undefined {
  if (allowList && name === '*') return undefined;
  if (kind === 'seccomp') {
    if (name === 'runtime/default' || name === 'docker/default' || name === 'unconfined') return undefined;
    if (name.startsWith('localhost/') && name.length > 'localhost/'.length) return undefined;
    return `"${name}" is not a seccomp profile: use runtime/default, docker/default, unconfined or localhost/<path>`;
  }
  if (name === 'runtime/default' || name === 'unconfined') return undefined;
  if (name.startsWith('localhost/') && name.length > 'localhost/'.length) return undefined;
  return `"${name}" is not an AppArmor profile: use runtime/default, unconfined or localhost/<name>`;
}

const SYSCTL_PATTERN = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\*)?$|^\*$/;

function validateSysctls(spec: PspSpec, add: (p: (string | number)[], m: string) => void) {
  const forbidden = spec.forbiddenSysctls ?? [];
  const allowed = spec.allowedUnsafeSysctls ?? [];
  for (const [field, list] of [
    ['forbiddenSysctls', forbidden],
    ['allowedUnsafeSysctls', allowed],
  ] as const) {
    list.forEach((s, i) => {
      if (!SYSCTL_PATTERN.test(s)) add([field, i], `"${s}" is not a sysctl name or a prefix pattern ending in "*"`);
    });
  }
  if (forbidden.includes('*') && allowed.length > 0) {
    add(['allowedUnsafeSysctls'], 'must be empty when forbiddenSysctls contains "*"');
  }
  allowed.forEach((a, i) => {
    for (const f of forbidden) {
      if (sysctlPatternsOverlap(a, f)) {
        add(['allowedUnsafeSysctls', i], `"${a}" is also matched by forbiddenSysctls entry "${f}"`);
        break;
      }
    }
  });
}

function sysctlPatternsOverlap(a: string, b: string): boolean {
  const pa = a.endsWith('*') ? a.slice(0, -1) : undefined;
  const pb = b.endsWith('*') ? b.slice(0, -1) : undefined;
  if (pa !== undefined && pb !== undefined) return pa.startsWith(pb) || pb.startsWith(pa);
  if (pa !== undefined) return b.startsWith(pa);
  if (pb !== undefined) return a.startsWith(pb);
  return a === b;
}
