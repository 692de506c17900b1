/**
 * A PodSecurityPolicy's validating rules as CEL, for a ValidatingAdmissionPolicy.
 *
 * Each rule is what pkg/security/podsecuritypolicy/provider.go (release-1.24) checks in
 * ValidatePod / validateContainer / validatePodVolumes, written over the pod as the API
 * server stores it (defaulted: a sourceless volume is an emptyDir) or over the pod
 * template of a workload. The expressions use only CEL's standard functions and macros
 * (`has`, `all`, `exists`, `filter`, `map`, `in`, `size`, `startsWith`, `string`), no
 * optional syntax and no Kubernetes extension libraries, so they evaluate the same in
 * kube-apiserver (where `object` is a dynamic value) and in @bufbuild/cel.
 *
 * PodSecurityPolicy also *mutated* pods before checking them. A VAP cannot, so a field
 * PSP would have defaulted must be set by the workload: the rule checks the value PSP
 * guaranteed on an admitted pod. The exceptions are the fields whose absence gives the
 * container no more than PSP's default would (listed in `lenient`): fsGroup and
 * supplementalGroups (unset adds no group at all), capabilities when the policy only adds
 * defaults (unset gives fewer), the pod-level seccomp profile when the policy defaults it
 * (every container's effective profile is still checked), and the AppArmor profile when
 * the policy defaults it to runtime/default (the runtime's default for containers that
 * name none). PSP never refused a pod for leaving those unset, because it set them first.
 *
 * Seccomp is read from the `seccompProfile` fields only: from v1.25 kubelets ignore the
 * seccomp annotations and from v1.27 the API server no longer copies them into the fields
 * (kubernetes PRs #109819, #114947), so on the minors that serve ValidatingAdmissionPolicy
 * an annotation protects nothing. AppArmor is read from the container annotation, then the
 * container's and the pod's `appArmorProfile` field (the API server keeps the annotation
 * and the field in sync from v1.30).
 */
import type { PolicyObject } from '../psp/provider.js';
import type { PspSpec } from '../../k8s/psp.js';
import { PSP_ANNOTATIONS } from '../../k8s/psp-annotations.js';
import { SAFE_SYSCTLS } from '../pss/checks/sysctls.js';

export interface CelVariable {
  name: string;
  expression: string;
}

export interface CelValidation {
  /** Stable id of the PSP rule, e.g. `privileged`, `runAsUser`, `volumes`. */
  id: string;
  /** The PodSecurityPolicy field the rule comes from, e.g. `spec.privileged`. */
  field: string;
  /** True when the pod passes the rule. */
  expression: string;
  message: string;
  /** Names the first offending container or volume; `message` is the fallback. */
  messageExpression?: string;
}

export interface PolicyRules {
  policy: string;
  validations: CelValidation[];
  /** Where the CEL rule is not exactly PSP's check, and why. */
  approximations: string[];
}

/** Pod and workload kinds the rules apply to, with where their pod template sits. */
export const MATCHED_RESOURCES = [
  { group: '', version: 'v1', resources: ['pods', 'pods/ephemeralcontainers'] },
  { group: 'apps', version: 'v1', resources: ['deployments', 'daemonsets', 'statefulsets', 'replicasets'] },
  { group: 'batch', version: 'v1', resources: ['jobs', 'cronjobs'] },
] as const;

const S = 'variables.spec';
const PSC = 'variables.podSC';
const ANN = 'variables.annotations';
const CTRS = 'variables.containers';
const VOLS = 'variables.volumes';

/**
 * The variables every generated policy starts with: the pod spec and its metadata's
 * annotations, whether the object is a Pod, a workload with `spec.template`, or a
 * CronJob; the pod security context; every container (init, regular, ephemeral, the
 * order PSP visits them); the volumes.
 */
export const POD_VARIABLES: readonly CelVariable[] = [
  {
    name: 'spec',
    expression:
      "object.kind == 'Pod' ? object.spec : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)",
  },
  {
    name: 'annotations',
    expression:
      "object.kind == 'Pod' ? (has(object.metadata.annotations) ? object.metadata.annotations : {}) : " +
      "(object.kind == 'CronJob' ? (has(object.spec.jobTemplate.spec.template.metadata) && has(object.spec.jobTemplate.spec.template.metadata.annotations) ? object.spec.jobTemplate.spec.template.metadata.annotations : {}) : " +
      '(has(object.spec.template.metadata) && has(object.spec.template.metadata.annotations) ? object.spec.template.metadata.annotations : {}))',
  },
  { name: 'podSC', expression: `has(${S}.securityContext) ? ${S}.securityContext : {}` },
  {
    name: 'containers',
    expression: `(has(${S}.initContainers) ? ${S}.initContainers : []) + ${S}.containers + (has(${S}.ephemeralContainers) ? ${S}.ephemeralContainers : [])`,
  },
  { name: 'volumes', expression: `has(${S}.volumes) ? ${S}.volumes : []` },
  /** The pod's seccomp profile in PSP's annotation form (`runtime/default`, `localhost/<path>`, `unconfined`), '' when unset. */
  { name: 'podSeccomp', expression: `has(${PSC}.seccompProfile) ? ${seccompNameOf(`${PSC}.seccompProfile`)} : ''` },
];

/** A CEL string literal (JSON's escapes are all valid CEL escapes). */
export function celString(s: string): string {
  return JSON.stringify(s);
}

function celStrings(xs: readonly string[]): string {
  return `[${xs.map(celString).join(', ')}]`;
}

/** `has(c.securityContext) && has(c.securityContext.f)` */
function cHas(f: string): string {
  return `(has(c.securityContext) && has(c.securityContext.${f}))`;
}

/** The container's value of `f`, else the pod's, as a list of zero or one element. */
function effective(f: string): string {
  return `(${cHas(f)} ? [c.securityContext.${f}] : (has(${PSC}.${f}) ? [${PSC}.${f}] : []))`;
}

function inRanges(v: string, ranges: readonly { min: number; max: number }[]): string {
  if (ranges.length === 0) return 'false';
  return ranges
    .map((r) => (r.min === r.max ? `${v} == ${r.min}` : `(${v} >= ${r.min} && ${v} <= ${r.max})`))
    .join(' || ');
}

function rangesText(ranges: readonly { min: number; max: number }[]): string {
  return ranges.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(', ');
}

/** `'container "' + <first container failing ok> + '": ' + detail` */
function containerMessage(ok: string, detail: string): string {
  return `'container "' + ${CTRS}.filter(c, !(${ok}))[0].name + '": ' + ${celString(detail)}`;
}

function volumeMessage(ok: string, detail: string): string {
  return `'volume "' + ${VOLS}.filter(v, !(${ok}))[0].name + '": ' + ${celString(detail)}`;
}

/** Pod volume source keys for each PSP volume type (FSType); the pod's `cephfs` is the policy's `cephFS`. */
const SOURCE_OF_FSTYPE: Record<string, string> = { cephFS: 'cephfs' };

function volumeSource(fsType: string): string {
  return SOURCE_OF_FSTYPE[fsType] ?? fsType;
}

/** Seccomp profile object -> PSP's annotation form (podutil.SeccompAnnotationForField). */
function seccompNameOf(x: string): string {
  return (
    `(${x}.type == 'RuntimeDefault' ? 'runtime/default' : (${x}.type == 'Unconfined' ? 'unconfined' : ` +
    `(${x}.type == 'Localhost' && has(${x}.localhostProfile) ? 'localhost/' + ${x}.localhostProfile : '')))`
  );
}

/** AppArmor profile field -> the annotation form. */
function appArmorName(x: string): string {
  return (
    `(${x}.type == 'RuntimeDefault' ? 'runtime/default' : (${x}.type == 'Unconfined' ? 'unconfined' : ` +
    `(${x}.type == 'Localhost' && has(${x}.localhostProfile) ? 'localhost/' + ${x}.localhostProfile : '')))`
  );
}

const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/** Every order of the categories of an SELinux level (`s0:c1,c2` equals `s0:c2,c1` for PSP). */
function levelSpellings(level: string, approximations: string[]): string[] {
  const i = level.indexOf(':');
  if (i < 0) return [level];
  const sens = level.slice(0, i);
  const cats = level.slice(i + 1).split(',');
  if (cats.length > 5) {
    approximations.push(
      `spec.seLinux.seLinuxOptions.level ${level}: PSP accepts its categories in any order; the CEL rule accepts them only in the order written (more than 5 categories)`,
    );
    return [level];
  }
  const out = new Set<string>();
  const permute = (rest: string[], acc: string[]) => {
    if (rest.length === 0) {
      out.add(`${sens}:${acc.join(',')}`);
      return;
    }
    rest.forEach((c, k) => permute([...rest.slice(0, k), ...rest.slice(k + 1)], [...acc, c]));
  };
  permute(cats, []);
  return [level, ...[...out].filter((l) => l !== level)];
}

/** The kubelet's safe sysctls on `minor` (the set the PodSecurity checks of that version use). */
export function safeSysctls(minor: number): readonly string[] {
  let names: readonly string[] = SAFE_SYSCTLS[0].names;
  for (const s of SAFE_SYSCTLS) if (minor >= s.minimumMinor) names = s.names;
  return names;
}

/** A CEL test of a sysctl name `n` against PSP patterns (`*` alone, `prefix*`, exact names). */
function sysctlMatch(n: string, patterns: readonly string[]): string {
  if (patterns.includes('*')) return 'true';
  const exact = patterns.filter((p) => !p.endsWith('*'));
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  const parts: string[] = [];
  if (exact.length > 0) parts.push(`${n} in ${celStrings(exact)}`);
  for (const p of prefixes) parts.push(`${n}.startsWith(${celString(p)})`);
  return parts.length === 0 ? 'false' : parts.join(' || ');
}

/** The profile names of a PSP allowedProfileNames annotation, as upstream splits it (no trimming). */
function profileList(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',');
}

/**
 * The CEL validations equivalent to the policy's validating rules, in the order the
 * PodSecurityPolicy admission controller reports its errors.
 */
export function policyRules(policy: PolicyObject, minor: number): PolicyRules {
  const spec: PspSpec = policy.spec;
  const annotations = policy.metadata.annotations ?? {};
  const name = policy.metadata.name;
  const out: CelValidation[] = [];
  const approximations: string[] = [];
  const suffix = ` (PodSecurityPolicy ${name})`;
  const add = (v: CelValidation) =>
    out.push({
      ...v,
      message: v.message + suffix,
      messageExpression: v.messageExpression ? `${v.messageExpression} + ${celString(suffix)}` : undefined,
    });
  /** A rule over every container: `ok` uses `c`. */
  const perContainer = (id: string, field: string, ok: string, detail: string) =>
    add({
      id,
      field,
      expression: `${CTRS}.all(c, ${ok})`,
      message: `every container: ${detail}`,
      messageExpression: containerMessage(ok, detail),
    });

  // --- pod-level groups -------------------------------------------------------
  const fsGroup = spec.fsGroup;
  if (fsGroup && (fsGroup.rule === 'MustRunAs' || fsGroup.rule === 'MayRunAs')) {
    const ranges = fsGroup.ranges ?? [];
    add({
      id: 'fsGroup',
      field: 'spec.fsGroup',
      expression: `!has(${PSC}.fsGroup) || ${inRanges(`${PSC}.fsGroup`, ranges)}`,
      message: `spec.securityContext.fsGroup: must be in the ranges ${rangesText(ranges)}`,
    });
  }
  const sup = spec.supplementalGroups;
  if (sup && (sup.rule === 'MustRunAs' || sup.rule === 'MayRunAs')) {
    const ranges = sup.ranges ?? [];
    // PSP MustRunAs also refused an explicitly empty list; a ValidatingAdmissionPolicy never
    // sees one (the API server drops empty lists before CEL: seen on a real 1.37, test/real).
    add({
      id: 'supplementalGroups',
      field: 'spec.supplementalGroups',
      expression: `!has(${PSC}.supplementalGroups) || ${PSC}.supplementalGroups.all(g, ${inRanges('g', ranges)})`,
      message: `spec.securityContext.supplementalGroups: every group must be in the ranges ${rangesText(ranges)}`,
    });
  }

  // --- seccomp (pod) ---------------------------------------------------------
  const seccompAllowed = profileList(annotations[PSP_ANNOTATIONS.seccompAllowed]);
  const seccompDefault = annotations[PSP_ANNOTATIONS.seccompDefault] ?? '';
  const seccompAny = seccompAllowed?.includes('*') ?? false;
  const normSeccomp = (p: string) => (p === 'docker/default' ? 'runtime/default' : p);
  const seccompList = seccompAllowed ? [...new Set(seccompAllowed.map(normSeccomp))] : [];
  const podSeccomp = 'variables.podSeccomp';
  const ctrSeccomp = `(${cHas('seccompProfile')} ? ${seccompNameOf('c.securityContext.seccompProfile')} : ${podSeccomp})`;
  if (seccompAllowed === undefined) {
    add({
      id: 'seccomp.pod',
      field: `metadata.annotations[${PSP_ANNOTATIONS.seccompAllowed}]`,
      expression: `${podSeccomp} == ''`,
      message: 'spec.securityContext.seccompProfile: seccomp may not be set',
    });
  } else if (!seccompAny) {
    const defaulted = seccompDefault !== '' && seccompList.includes(normSeccomp(seccompDefault));
    add({
      id: 'seccomp.pod',
      field: `metadata.annotations[${PSP_ANNOTATIONS.seccompAllowed}]`,
      expression: defaulted
        ? `!has(${PSC}.seccompProfile) || ${podSeccomp} in ${celStrings(seccompList)}`
        : `${podSeccomp} in ${celStrings(seccompList)}`,
      message: `spec.securityContext.seccompProfile: must be one of ${seccompProfilesText(seccompList)}${defaulted ? ' (or unset, when every container sets one)' : ''}`,
    });
  }

  // --- SELinux (pod) ---------------------------------------------------------
  let seLinuxOk: ((o: string) => string) | undefined;
  if (spec.seLinux?.rule === 'MustRunAs') {
    const want = spec.seLinux.seLinuxOptions ?? {};
    const levels = levelSpellings(want.level ?? '', approximations);
    const part = (o: string, k: 'user' | 'role' | 'type') =>
      `(has(${o}.${k}) ? ${o}.${k} : '') == ${celString(want[k] ?? '')}`;
    seLinuxOk = (o) =>
      `(has(${o}.level) ? ${o}.level : '') in ${celStrings(levels)} && ${part(o, 'role')} && ${part(o, 'type')} && ${part(o, 'user')}`;
    add({
      id: 'seLinux.pod',
      field: 'spec.seLinux',
      expression: `has(${PSC}.seLinuxOptions) && ${seLinuxOk(`${PSC}.seLinuxOptions`)}`,
      message: `spec.securityContext.seLinuxOptions: must be ${seLinuxText(want)}`,
    });
  }

  // --- host namespaces -------------------------------------------------------
  for (const [field, text] of [
    ['hostNetwork', 'Host network'],
    ['hostPID', 'Host PID'],
    ['hostIPC', 'Host IPC'],
  ] as const) {
    if (spec[field]) continue;
    add({
      id: field,
      field: `spec.${field}`,
      expression: `!(has(${S}.${field}) && ${S}.${field} == true)`,
      message: `spec.${field}: ${text} is not allowed to be used`,
    });
  }

  // --- sysctls -------------------------------------------------------------
  const forbidden = spec.forbiddenSysctls ?? [];
  const allowedUnsafe = spec.allowedUnsafeSysctls ?? [];
  const safe = safeSysctls(minor);
  if (!(forbidden.length === 0 && allowedUnsafe.includes('*'))) {
    const isForbidden = sysctlMatch('s.name', forbidden);
    const isAllowed = `s.name in ${celStrings(safe)}${allowedUnsafe.length > 0 ? ` || ${sysctlMatch('s.name', allowedUnsafe)}` : ''}`;
    const ok =
      isForbidden === 'false'
        ? `(${isAllowed})`
        : isForbidden === 'true'
          ? 'false'
          : `!(${isForbidden}) && (${isAllowed})`;
    add({
      id: 'sysctls',
      field: 'spec.allowedUnsafeSysctls',
      expression: `!has(${PSC}.sysctls) || ${PSC}.sysctls.all(s, ${ok})`,
      message:
        'spec.securityContext.sysctls: only the safe sysctls' +
        (allowedUnsafe.length > 0 ? ` and ${allowedUnsafe.join(', ')}` : '') +
        (forbidden.length > 0 ? `, none of ${forbidden.join(', ')},` : '') +
        ' are allowed',
      messageExpression: `'sysctl ' + ${PSC}.sysctls.filter(s, !(${ok}))[0].name + ' is not allowed'`,
    });
  }

  // --- volumes -------------------------------------------------------------
  const volumes = spec.volumes ?? [];
  const allVolumes = volumes.includes('*');
  if (!allVolumes) {
    const ok = volumes.length === 0 ? 'false' : volumes.map((t) => `has(v.${volumeSource(t)})`).join(' || ');
    const detail =
      volumes.length === 0 ? 'no volumes are allowed' : `its type is not allowed; allowed: ${volumes.join(', ')}`;
    add({
      id: 'volumes',
      field: 'spec.volumes',
      expression: `${VOLS}.all(v, ${ok})`,
      message: `spec.volumes: only ${volumes.join(', ') || 'no'} volumes are allowed`,
      messageExpression: volumeMessage(ok, detail),
    });
  }
  const hostPathAllowed = allVolumes || volumes.includes('hostPath');
  const hostPaths = spec.allowedHostPaths ?? [];
  if (hostPathAllowed && hostPaths.length > 0) {
    const match = (entries: typeof hostPaths) =>
      entries.length === 0
        ? 'false'
        : entries
            .map((e) => {
              const p = e.pathPrefix.endsWith('/') ? e.pathPrefix.slice(0, -1) : e.pathPrefix;
              return `v.hostPath.path == ${celString(p)} || v.hostPath.path == ${celString(`${p}/`)} || v.hostPath.path.startsWith(${celString(`${p}/`)})`;
            })
            .join(' || ');
    const writable = match(hostPaths.filter((e) => !e.readOnly));
    const readOnly = match(hostPaths.filter((e) => e.readOnly));
    const prefixes = hostPaths.map((e) => `${e.pathPrefix}${e.readOnly ? ' (read-only)' : ''}`).join(', ');
    const pathOk = `!has(v.hostPath) || ${writable} || ${readOnly}`;
    add({
      id: 'allowedHostPaths',
      field: 'spec.allowedHostPaths',
      expression: `${VOLS}.all(v, ${pathOk})`,
      message: `spec.volumes[].hostPath.path: must be under ${prefixes}`,
      messageExpression: volumeMessage(pathOk, `host path is not allowed to be used; allowed: ${prefixes}`),
    });
    if (readOnly !== 'false') {
      const mountsRO = `${CTRS}.all(c, !has(c.volumeMounts) || c.volumeMounts.all(m, m.name != v.name || (has(m.readOnly) && m.readOnly == true)))`;
      const roOk = `!has(v.hostPath) || (${writable}) || !(${readOnly}) || ${mountsRO}`;
      add({
        id: 'allowedHostPaths.readOnly',
        field: 'spec.allowedHostPaths[].readOnly',
        expression: `${VOLS}.all(v, ${roOk})`,
        message:
          'volumeMounts[].readOnly: host paths allowed read-only must be mounted read-only (readOnly: true) in every container',
        messageExpression: volumeMessage(roOk, 'is allowed read-only: every volumeMount of it must set readOnly: true'),
      });
    }
  }
  const flex = spec.allowedFlexVolumes ?? [];
  if ((allVolumes || volumes.includes('flexVolume')) && flex.length > 0) {
    const drivers = flex.map((f) => f.driver);
    const ok = `!has(v.flexVolume) || v.flexVolume.driver in ${celStrings(drivers)}`;
    add({
      id: 'allowedFlexVolumes',
      field: 'spec.allowedFlexVolumes',
      expression: `${VOLS}.all(v, ${ok})`,
      message: `spec.volumes[].flexVolume.driver: Flexvolume driver is not allowed to be used; allowed: ${drivers.join(', ')}`,
      messageExpression: volumeMessage(
        ok,
        `Flexvolume driver is not allowed to be used; allowed: ${drivers.join(', ')}`,
      ),
    });
  }
  const csi = spec.allowedCSIDrivers ?? [];
  if ((allVolumes || volumes.includes('csi')) && csi.length > 0) {
    const drivers = csi.map((d) => d.name);
    const ok = `!has(v.csi) || v.csi.driver in ${celStrings(drivers)}`;
    add({
      id: 'allowedCSIDrivers',
      field: 'spec.allowedCSIDrivers',
      expression: `${VOLS}.all(v, ${ok})`,
      message: `spec.volumes[].csi.driver: Inline CSI driver is not allowed to be used; allowed: ${drivers.join(', ')}`,
      messageExpression: volumeMessage(
        ok,
        `Inline CSI driver is not allowed to be used; allowed: ${drivers.join(', ')}`,
      ),
    });
  }

  // --- runtime class -------------------------------------------------------
  const rc = spec.runtimeClass;
  if (rc && !rc.allowedRuntimeClassNames.includes('*')) {
    const names = rc.allowedRuntimeClassNames;
    const defaulted = rc.defaultRuntimeClassName != null;
    add({
      id: 'runtimeClass',
      field: 'spec.runtimeClass.allowedRuntimeClassNames',
      expression: `has(${S}.runtimeClassName) ? ${S}.runtimeClassName in ${celStrings(names)} : ${defaulted ? 'false' : 'true'}`,
      message: `spec.runtimeClassName: must be one of ${names.join(', ') || '(none)'}${defaulted ? ` (PodSecurityPolicy set ${rc.defaultRuntimeClassName} by default: set it)` : ''}`,
    });
  } else if (rc?.defaultRuntimeClassName != null) {
    add({
      id: 'runtimeClass',
      field: 'spec.runtimeClass.defaultRuntimeClassName',
      expression: `has(${S}.runtimeClassName)`,
      message: `spec.runtimeClassName: must be set (PodSecurityPolicy set ${rc.defaultRuntimeClassName} by default)`,
    });
  }

  // --- containers ----------------------------------------------------------
  const ru = spec.runAsUser;
  if (ru?.rule === 'MustRunAs') {
    const ranges = ru.ranges ?? [];
    perContainer(
      'runAsUser',
      'spec.runAsUser',
      `${effective('runAsUser')}.exists(u, ${inRanges('u', ranges)})`,
      `securityContext.runAsUser (of the container or the pod) must be set and in the ranges ${rangesText(ranges)} (PSP set ${ranges[0]?.min} by default)`,
    );
  } else if (ru?.rule === 'MustRunAsNonRoot') {
    const nonRoot = effective('runAsNonRoot');
    const uid = effective('runAsUser');
    perContainer(
      'runAsUser',
      'spec.runAsUser',
      `(size(${nonRoot}) > 0 || size(${uid}) > 0) && ${nonRoot}.all(x, x == true) && ${uid}.all(u, u != 0)`,
      'must run as non-root: set securityContext.runAsNonRoot: true (or a non-zero runAsUser); running with the root UID is forbidden',
    );
  }
  const rg = spec.runAsGroup;
  if (rg && (rg.rule === 'MustRunAs' || rg.rule === 'MayRunAs')) {
    const ranges = rg.ranges ?? [];
    const ok =
      rg.rule === 'MustRunAs'
        ? `${effective('runAsGroup')}.exists(g, ${inRanges('g', ranges)})`
        : `${effective('runAsGroup')}.all(g, ${inRanges('g', ranges)})`;
    perContainer(
      'runAsGroup',
      'spec.runAsGroup',
      ok,
      `securityContext.runAsGroup ${rg.rule === 'MustRunAs' ? 'must be set and ' : 'must be '}in the ranges ${rangesText(ranges)}${rg.rule === 'MustRunAs' ? ` (PSP set ${ranges[0]?.min} by default)` : ''}`,
    );
  }
  if (seLinuxOk) {
    perContainer(
      'seLinux',
      'spec.seLinux',
      `${effective('seLinuxOptions')}.exists(o, ${seLinuxOk('o')})`,
      `securityContext.seLinuxOptions must be ${seLinuxText(spec.seLinux?.seLinuxOptions ?? {})}`,
    );
  }

  const apparmorAllowed = profileList(annotations[PSP_ANNOTATIONS.apparmorAllowed]);
  if (apparmorAllowed !== undefined) {
    const aaDefault = annotations[PSP_ANNOTATIONS.apparmorDefault] ?? '';
    const key = `(${celString(APPARMOR_PREFIX)} + c.name)`;
    const fromField = `(${cHas('appArmorProfile')} ? ${appArmorName('c.securityContext.appArmorProfile')} : (has(${PSC}.appArmorProfile) ? ${appArmorName(`${PSC}.appArmorProfile`)} : ''))`;
    const profile = `(${key} in ${ANN} ? ${ANN}[${key}] : ${fromField})`;
    const lenient = aaDefault === 'runtime/default' && apparmorAllowed.includes('runtime/default');
    const check = lenient
      ? `p == '' || p in ${celStrings(apparmorAllowed)}`
      : `p != '' && p in ${celStrings(apparmorAllowed)}`;
    perContainer(
      'apparmor',
      `metadata.annotations[${PSP_ANNOTATIONS.apparmorAllowed}]`,
      `[${profile}].all(p, ${check})`,
      `AppArmor profile must be ${lenient ? 'unset (the runtime default) or ' : ''}one of ${apparmorAllowed.join(', ')}`,
    );
  }

  if (seccompAllowed === undefined) {
    perContainer(
      'seccomp',
      `metadata.annotations[${PSP_ANNOTATIONS.seccompAllowed}]`,
      `${ctrSeccomp} == ''`,
      'securityContext.seccompProfile: seccomp may not be set',
    );
  } else if (!seccompAny) {
    perContainer(
      'seccomp',
      `metadata.annotations[${PSP_ANNOTATIONS.seccompAllowed}]`,
      `${ctrSeccomp} in ${celStrings(seccompList)}`,
      `securityContext.seccompProfile (of the container or the pod) must be ${seccompProfilesText(seccompList)}`,
    );
  }
  if (!seccompAny) {
    // The old annotations do nothing on these minors, so they never satisfy a rule; but a
    // profile PSP refused stays refused when it is asked for the old way.
    const names =
      seccompAllowed === undefined
        ? []
        : [
            ...new Set(
              seccompAllowed.flatMap((p) =>
                p === 'docker/default' || p === 'runtime/default' ? ['docker/default', 'runtime/default'] : [p],
              ),
            ),
          ];
    const okValue = (v: string) => (names.length === 0 ? `${v} == ''` : `${v} == '' || ${v} in ${celStrings(names)}`);
    const podKey = celString(SECCOMP_POD_ANNOTATION);
    const ctrKey = `(${celString(SECCOMP_CONTAINER_PREFIX)} + c.name)`;
    const ok = `(!(${podKey} in ${ANN}) || ${okValue(`${ANN}[${podKey}]`)}) && ${CTRS}.all(c, !(${ctrKey} in ${ANN}) || ${okValue(`${ANN}[${ctrKey}]`)})`;
    add({
      id: 'seccomp.annotations',
      field: `metadata.annotations[${PSP_ANNOTATIONS.seccompAllowed}]`,
      expression: ok,
      message: `metadata.annotations: the seccomp annotations (ignored from v1.25: use seccompProfile) ${names.length === 0 ? 'may not name a profile' : `may only name ${names.join(', ')}`}`,
    });
  }

  if (!spec.privileged) {
    perContainer(
      'privileged',
      'spec.privileged',
      `!(${cHas('privileged')} && c.securityContext.privileged == true)`,
      'securityContext.privileged: Privileged containers are not allowed',
    );
  }

  const procMounts =
    spec.allowedProcMountTypes && spec.allowedProcMountTypes.length > 0 ? spec.allowedProcMountTypes : ['Default'];
  if (!(procMounts.includes('Default') && procMounts.includes('Unmasked'))) {
    perContainer(
      'procMount',
      'spec.allowedProcMountTypes',
      `(${cHas('procMount')} ? c.securityContext.procMount : 'Default') in ${celStrings(procMounts)}`,
      `securityContext.procMount: ProcMountType is not allowed; allowed: ${procMounts.join(', ')}`,
    );
  }

  const allowedCaps = spec.allowedCapabilities ?? [];
  const defaultAdd = spec.defaultAddCapabilities ?? [];
  const requiredDrop = spec.requiredDropCapabilities ?? [];
  if (!allowedCaps.includes('*')) {
    const may = [...new Set([...defaultAdd, ...allowedCaps])];
    const ok = `!(${cHas('capabilities')} && has(c.securityContext.capabilities.add)) || c.securityContext.capabilities.add.all(x, x in ${celStrings(may)})`;
    perContainer(
      'capabilities.add',
      'spec.allowedCapabilities',
      ok,
      `securityContext.capabilities.add: capability may not be added; allowed: ${may.join(', ') || 'none'}`,
    );
  }
  if (requiredDrop.length > 0) {
    const ok = `${cHas('capabilities')} && has(c.securityContext.capabilities.drop) && ${celStrings(requiredDrop)}.all(d, d in c.securityContext.capabilities.drop)`;
    perContainer(
      'capabilities.drop',
      'spec.requiredDropCapabilities',
      ok,
      `securityContext.capabilities.drop must include ${requiredDrop.join(', ')}`,
    );
  }

  const hostPorts = spec.hostPorts ?? [];
  if (!hostPorts.some((r) => r.min <= 0 && r.max >= 65535)) {
    const hostNet = `(has(${S}.hostNetwork) && ${S}.hostNetwork == true)`;
    // With host networking the API server (and, from v1.28, the controller creating the pod) fills hostPort from containerPort.
    const port = `(has(p.hostPort) && p.hostPort != 0 ? p.hostPort : (${hostNet} && has(p.containerPort) ? p.containerPort : 0))`;
    const ok = `!has(c.ports) || c.ports.all(p, [${port}].all(h, h == 0 || ${inRanges('h', hostPorts)}))`;
    perContainer(
      'hostPorts',
      'spec.hostPorts',
      ok,
      `ports[].hostPort: Host port is not allowed to be used. Allowed ports: [${rangesText(hostPorts)}]`,
    );
  }

  if (spec.readOnlyRootFilesystem) {
    perContainer(
      'readOnlyRootFilesystem',
      'spec.readOnlyRootFilesystem',
      `${cHas('readOnlyRootFilesystem')} && c.securityContext.readOnlyRootFilesystem == true`,
      'securityContext.readOnlyRootFilesystem must be set to true',
    );
  }

  if (spec.allowPrivilegeEscalation === false) {
    perContainer(
      'allowPrivilegeEscalation',
      'spec.allowPrivilegeEscalation',
      `${cHas('allowPrivilegeEscalation')} && c.securityContext.allowPrivilegeEscalation == false`,
      'securityContext.allowPrivilegeEscalation must be set to false: Allowing privilege escalation for containers is not allowed',
    );
  }

  if (seccompAllowed?.some((p) => p === 'docker/default')) {
    approximations.push(
      'seccomp docker/default: the seccompProfile field has no docker/default; it is runtime/default (RuntimeDefault), which PSP treated as the same profile',
    );
  }
  if (allowedCaps.includes('*') && requiredDrop.length > 0) {
    approximations.push(
      `capabilities: with allowedCapabilities "*" PSP did not check requiredDropCapabilities (it only added them); the CEL rule requires ${requiredDrop.join(', ')} to be dropped`,
    );
  }
  return { policy: name, validations: out, approximations };
}

function seccompProfilesText(list: readonly string[]): string {
  return list.map((p) => (p === '' ? '(unset)' : p)).join(', ');
}

function seLinuxText(o: { user?: string; role?: string; type?: string; level?: string }): string {
  return `user=${o.user ?? ''} role=${o.role ?? ''} type=${o.type ?? ''} level=${o.level ?? ''}`;
}

/** The conjunction of all of a policy's rules: true when the policy would admit the pod. */
export function admitsAll(rules: PolicyRules): string {
  if (rules.validations.length === 0) return 'true';
  return rules.validations.map((v) => `(${v.expression})`).join(' && ');
}
