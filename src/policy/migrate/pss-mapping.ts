/**
 * A PodSecurityPolicy mapped to the Pod Security Standards, row by row, following the
 * Kubernetes documentation page "Mapping PodSecurityPolicies to Pod Security Standards"
 * (https://kubernetes.io/docs/reference/access-authn-authz/psp-to-pod-security-standards/,
 * source kubernetes/website content/en/docs/reference/access-authn-authz/
 * psp-to-pod-security-standards.md). Each row of that page lists the values the Baseline
 * and Restricted profiles allow; "Anything outside the allowed values for those profiles
 * would fall under the Privileged profile", and "No opinion" rows allow anything.
 *
 * Two levels come out of it:
 * - `level`: the most restrictive level that admits everything the policy admits: the
 *   loosest level over all rows, exactly as the page says.
 * - `target`: the same, except for three rows about profiles and labels a pod has to ask
 *   for explicitly (seLinux, and the seccomp and AppArmor allowedProfileNames
 *   annotations). A policy that leaves them open (`RunAsAny`, `*`, no annotation) lands on
 *   Privileged by the page, which is true but rarely what its author meant: the target
 *   is the level the rest of the policy supports, and `newlyRefused` says what pods it
 *   would refuse that the policy admitted (check live pods with the dry run first). The
 *   Kubernetes migration guide names this choice: "a level that is at least as
 *   permissive as the PSP, and a level that is at least as restrictive".
 */
import { BASELINE_CAPABILITY_SET, type PssLevel } from '../../k8s/pss.js';
import type { PolicyObject } from '../psp/provider.js';
import type { PspSpec } from '../../k8s/psp.js';
import { PSP_ANNOTATIONS } from '../../k8s/psp-annotations.js';

const ORDER: readonly PssLevel[] = ['restricted', 'baseline', 'privileged'];

export function looser(a: PssLevel, b: PssLevel): PssLevel {
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}

export function isLooser(a: PssLevel, b: PssLevel): boolean {
  return ORDER.indexOf(a) > ORDER.indexOf(b);
}

/** The documentation page the rows come from. */
export const MAPPING_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/psp-to-pod-security-standards/';

/** Volume types the Restricted profile allows (the page's volumes row). */
export const RESTRICTED_VOLUMES: ReadonlySet<string> = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** SELinux types the page allows for Baseline and Restricted. */
export const SELINUX_TYPES: readonly string[] = ['container_t', 'container_init_t', 'container_kvm_t'];

/** One row of the page applied to one policy. */
export interface RowVerdict {
  /** The row's name on the page: a PodSecurityPolicySpec field or a PSP annotation. */
  row: string;
  /** The policy's value, printed. */
  value: string;
  /** The page's type of the row. */
  type: 'Validating' | 'Mutating' | 'Mutating & Validating' | 'Mutating (MustRunAs) & Validating';
  /** The level this value maps to by the page. */
  level: PssLevel;
  /** The level used for the target (differs only on the seLinux, seccomp and AppArmor rows). */
  target: PssLevel;
  /** Why the value needs more than Restricted, or what the target newly refuses. */
  note?: string;
}

export interface PssMapping {
  policy: string;
  /** Most restrictive level that admits everything the policy admits (by the page). */
  level: PssLevel;
  /** The level to aim for; equal to `level` or tighter (see the module comment). */
  target: PssLevel;
  rows: RowVerdict[];
  /** What pods `target` refuses that the policy admitted; empty when target == level. */
  newlyRefused: string[];
}

const show = (v: unknown): string => (v === undefined ? 'unset' : JSON.stringify(v));

function capabilitiesLevel(caps: readonly string[]): PssLevel {
  if (caps.includes('*')) return 'privileged';
  if (caps.every((c) => c === 'NET_BIND_SERVICE')) return 'restricted';
  if (caps.every((c) => BASELINE_CAPABILITY_SET.has(c))) return 'baseline';
  return 'privileged';
}

function volumesLevel(volumes: readonly string[]): PssLevel {
  if (volumes.includes('*') || volumes.includes('hostPath')) return 'privileged';
  if (volumes.every((v) => RESTRICTED_VOLUMES.has(v))) return 'restricted';
  return 'baseline';
}

/** The page's seccomp/AppArmor allowedProfileNames rows: Restricted "runtime/default", Baseline "runtime/default," (unset allowed), localhost/* for both. */
function profilesLevel(list: readonly string[]): PssLevel {
  const runtime = (p: string) => p === 'runtime/default' || p === 'docker/default';
  const local = (p: string) => p.startsWith('localhost/') && p.length > 'localhost/'.length;
  if (list.every((p) => runtime(p) || local(p))) return 'restricted';
  if (list.every((p) => runtime(p) || local(p) || p === '')) return 'baseline';
  return 'privileged';
}

/** The page's rows for one policy, in the page's order. */
export function mappingRows(policy: PolicyObject): RowVerdict[] {
  const s: PspSpec = policy.spec;
  const a = policy.metadata.annotations ?? {};
  const rows: RowVerdict[] = [];
  const row = (r: Omit<RowVerdict, 'target'> & { target?: PssLevel }) =>
    rows.push({ ...r, target: r.target ?? r.level });

  row({
    row: 'privileged',
    type: 'Validating',
    value: show(s.privileged),
    level: s.privileged ? 'privileged' : 'restricted',
    note: s.privileged ? 'Baseline & Restricted: false / undefined / nil' : undefined,
  });
  const adds = [...(s.defaultAddCapabilities ?? []), ...(s.allowedCapabilities ?? [])];
  const capLevel = capabilitiesLevel(adds);
  row({
    row: 'allowedCapabilities (with defaultAddCapabilities)',
    type: 'Validating',
    value: show([...new Set(adds)]),
    level: capLevel,
    note:
      capLevel === 'restricted'
        ? undefined
        : capLevel === 'baseline'
          ? 'Restricted: empty or only NET_BIND_SERVICE'
          : 'Baseline: a subset of AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT',
  });
  const drops = s.requiredDropCapabilities ?? [];
  row({
    row: 'requiredDropCapabilities',
    type: 'Mutating & Validating',
    value: show(s.requiredDropCapabilities),
    level: drops.includes('ALL') ? 'restricted' : 'baseline',
    note: drops.includes('ALL') ? undefined : 'Restricted: must include ALL',
  });
  const volumes = s.volumes ?? [];
  const volLevel = volumesLevel(volumes);
  row({
    row: 'volumes',
    type: 'Validating',
    value: show(volumes),
    level: volLevel,
    note:
      volLevel === 'restricted'
        ? undefined
        : volLevel === 'baseline'
          ? 'Restricted: a subset of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret'
          : 'Baseline: anything except hostPath and *',
  });
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    row({
      row: f,
      type: 'Validating',
      value: show(s[f]),
      level: s[f] ? 'privileged' : 'restricted',
      note: s[f] ? 'Baseline & Restricted: false / undefined / nil' : undefined,
    });
  }
  const ports = s.hostPorts ?? [];
  row({
    row: 'hostPorts',
    type: 'Validating',
    value: show(s.hostPorts),
    level: ports.length > 0 ? 'privileged' : 'restricted',
    note: ports.length > 0 ? 'Baseline & Restricted: undefined / nil / empty' : undefined,
  });

  const se = s.seLinux;
  const o = se?.seLinuxOptions ?? {};
  const seOk = se?.rule === 'MustRunAs' && !o.user && !o.role && (!o.type || SELINUX_TYPES.includes(o.type));
  row({
    row: 'seLinux',
    type: 'Mutating & Validating',
    value: show(se),
    level: seOk ? 'restricted' : 'privileged',
    target: 'restricted',
    note: seOk
      ? undefined
      : `Baseline & Restricted: rule MustRunAs with user and role unset and type unset or one of ${SELINUX_TYPES.join(', ')}; this policy admits pods that set ${se?.rule === 'MustRunAs' ? `seLinuxOptions ${[o.user && `user ${o.user}`, o.role && `role ${o.role}`, o.type && `type ${o.type}`].filter(Boolean).join(', ')}` : 'any seLinuxOptions (user, role, a type such as spc_t)'}`,
  });
  const ru = s.runAsUser?.rule;
  row({
    row: 'runAsUser',
    type: 'Mutating & Validating',
    value: show(s.runAsUser),
    level: ru === 'MustRunAsNonRoot' ? 'restricted' : 'baseline',
    note: ru === 'MustRunAsNonRoot' ? undefined : 'Restricted: rule is MustRunAsNonRoot',
  });
  for (const f of ['runAsGroup', 'supplementalGroups', 'fsGroup', 'readOnlyRootFilesystem'] as const) {
    row({
      row: f,
      type: f === 'runAsGroup' ? 'Mutating (MustRunAs) & Validating' : 'Mutating & Validating',
      value: show(s[f]),
      level: 'restricted',
      note: 'No opinion',
    });
  }
  row({
    row: 'defaultAllowPrivilegeEscalation',
    type: 'Mutating',
    value: show(s.defaultAllowPrivilegeEscalation),
    level: 'restricted',
    note: 'No opinion (non-validating)',
  });
  // policy/v1beta1 defaults allowPrivilegeEscalation to true.
  const ape = s.allowPrivilegeEscalation ?? true;
  row({
    row: 'allowPrivilegeEscalation',
    type: 'Mutating & Validating',
    value: show(s.allowPrivilegeEscalation),
    level: ape ? 'baseline' : 'restricted',
    note: ape ? 'Restricted: false (unset defaults to true)' : undefined,
  });
  for (const f of ['allowedHostPaths', 'allowedFlexVolumes', 'allowedCSIDrivers'] as const) {
    row({
      row: f,
      type: 'Validating',
      value: show(s[f]),
      level: 'restricted',
      note: 'No opinion (volumes takes precedence)',
    });
  }
  const unsafe = s.allowedUnsafeSysctls ?? [];
  row({
    row: 'allowedUnsafeSysctls',
    type: 'Validating',
    value: show(s.allowedUnsafeSysctls),
    level: unsafe.length > 0 ? 'privileged' : 'restricted',
    note: unsafe.length > 0 ? 'Baseline & Restricted: undefined / nil / empty' : undefined,
  });
  row({
    row: 'forbiddenSysctls',
    type: 'Validating',
    value: show(s.forbiddenSysctls),
    level: 'restricted',
    note: 'No opinion',
  });
  const proc = s.allowedProcMountTypes ?? [];
  const procOk = proc.every((p) => p === 'Default');
  row({
    row: 'allowedProcMountTypes',
    type: 'Validating',
    value: show(s.allowedProcMountTypes),
    level: procOk ? 'restricted' : 'privileged',
    note: procOk ? undefined : 'Baseline & Restricted: ["Default"] or undefined / nil / empty',
  });
  row({
    row: 'runtimeClass.defaultRuntimeClassName',
    type: 'Mutating',
    value: show(s.runtimeClass?.defaultRuntimeClassName),
    level: 'restricted',
    note: 'No opinion',
  });
  row({
    row: 'runtimeClass.allowedRuntimeClassNames',
    type: 'Validating',
    value: show(s.runtimeClass?.allowedRuntimeClassNames),
    level: 'restricted',
    note: 'No opinion',
  });

  row({
    row: PSP_ANNOTATIONS.seccompDefault,
    type: 'Mutating',
    value: show(a[PSP_ANNOTATIONS.seccompDefault]),
    level: 'restricted',
    note: 'No opinion',
  });
  const seccomp = a[PSP_ANNOTATIONS.seccompAllowed];
  if (seccomp === undefined) {
    // No annotation: PSP lets no pod set a seccomp profile, so its pods run without one,
    // which Baseline admits and Restricted refuses.
    row({
      row: PSP_ANNOTATIONS.seccompAllowed,
      type: 'Validating',
      value: 'unset',
      level: 'baseline',
      note: 'Restricted: "runtime/default" (no trailing comma); unset means no profile may be set, so pods run without one',
    });
  } else {
    const list = seccomp.split(',');
    const lvl = profilesLevel(list);
    const unconfined = list.includes('*') || list.includes('unconfined');
    row({
      row: PSP_ANNOTATIONS.seccompAllowed,
      type: 'Validating',
      value: JSON.stringify(seccomp),
      level: lvl,
      target: lvl === 'privileged' ? 'baseline' : lvl,
      note:
        lvl === 'restricted'
          ? undefined
          : lvl === 'baseline'
            ? 'Restricted: "runtime/default" (no trailing comma)'
            : `Baseline: "runtime/default," (localhost/* also permitted); this policy admits ${unconfined ? 'the unconfined profile' : 'other profiles'}`,
    });
  }
  row({
    row: PSP_ANNOTATIONS.apparmorDefault,
    type: 'Mutating',
    value: show(a[PSP_ANNOTATIONS.apparmorDefault]),
    level: 'restricted',
    note: 'No opinion',
  });
  const apparmor = a[PSP_ANNOTATIONS.apparmorAllowed];
  if (apparmor === undefined) {
    row({
      row: PSP_ANNOTATIONS.apparmorAllowed,
      type: 'Validating',
      value: 'unset',
      level: 'privileged',
      target: 'restricted',
      note: 'Baseline: "runtime/default," (localhost/* also permitted); unset allows any profile, unconfined included',
    });
  } else {
    const lvl = profilesLevel(apparmor.split(','));
    row({
      row: PSP_ANNOTATIONS.apparmorAllowed,
      type: 'Validating',
      value: JSON.stringify(apparmor),
      level: lvl,
      target: lvl === 'privileged' ? 'restricted' : lvl,
      note:
        lvl === 'restricted'
          ? undefined
          : lvl === 'baseline'
            ? 'Restricted: "runtime/default" (no trailing comma)'
            : 'Baseline: "runtime/default," (localhost/* also permitted)',
    });
  }
  return rows;
}

/** What a pod admitted by the policy but refused by the target level looks like, per row. */
function refusedByTarget(r: RowVerdict, target: PssLevel): string | undefined {
  if (!isLooser(r.level, target)) return undefined;
  if (r.row === 'seLinux')
    return `pods that set seLinuxOptions user or role, or a type other than ${SELINUX_TYPES.join(', ')} (container_engine_t too from v1.31)`;
  if (r.row === PSP_ANNOTATIONS.seccompAllowed)
    return target === 'restricted'
      ? 'pods whose containers run without a RuntimeDefault or Localhost seccomp profile'
      : 'pods that ask for the Unconfined seccomp profile';
  if (r.row === PSP_ANNOTATIONS.apparmorAllowed) return 'pods that ask for the unconfined AppArmor profile';
  return `pods that use ${r.row} ${r.value}`;
}

export function mapToPss(policy: PolicyObject): PssMapping {
  const rows = mappingRows(policy);
  let level: PssLevel = 'restricted';
  let target: PssLevel = 'restricted';
  for (const r of rows) {
    level = looser(level, r.level);
    target = looser(target, r.target);
  }
  const newlyRefused = rows.map((r) => refusedByTarget(r, target)).filter((x): x is string => x !== undefined);
  return { policy: policy.metadata.name, level, target, rows, newlyRefused };
}

/**
 * The loosest level the given spec fields need by the page (the strict `level` over
 * only the rows of these fields). Used for custom policies in PSS mode: a field the
 * config overrides can only relax the template's level.
 */
export function levelOfFields(spec: Partial<PspSpec>, annotations: Record<string, string | undefined>): PssLevel {
  const rows = mappingRows({
    metadata: {
      name: '',
      annotations: Object.fromEntries(Object.entries(annotations).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >,
    },
    spec: spec as PspSpec,
  });
  const fields = new Set<string>(Object.keys(spec).filter((k) => (spec as Record<string, unknown>)[k] !== undefined));
  const annotated = new Set(Object.keys(annotations).filter((k) => annotations[k] !== undefined));
  let level: PssLevel = 'restricted';
  for (const r of rows) {
    const field = r.row.startsWith('allowedCapabilities')
      ? ['allowedCapabilities', 'defaultAddCapabilities']
      : [r.row.split('.')[0]];
    const touched = field.some((f) => fields.has(f)) || annotated.has(r.row);
    if (touched) level = looser(level, r.level);
  }
  return level;
}
