/**
 * Pod Security Standards evaluation as the PodSecurity admission plugin does it
 * (kubernetes/kubernetes staging/src/k8s.io/pod-security-admission): the checks of a
 * level at a policy version (registry.ts, checks/), and the texts the plugin prints
 * (admission/admission.go, policy/checks.go AggregateCheckResult.ForbiddenDetail).
 *
 * Semantics emulated: a current (v1.37) apiserver evaluating a namespace labelled
 * `pod-security.kubernetes.io/enforce-version: v1.N`. Each policy version keeps the
 * checks as they were defined for it, but the texts and the few fixes made inside an
 * existing revision (AppArmor fields, image volumes, the seLinuxOptions detail) are
 * the current plugin's. `latest` is the newest policy version defined (v1.37).
 *
 * Where behaviour changes (policy minor: what), each cited in its checks/*.ts:
 *   1.0   baseline: appArmorProfile, capabilities_baseline, hostNamespaces, hostPathVolumes,
 *         hostPorts, privileged, procMount, seLinuxOptions, seccompProfile_baseline
 *         (annotations), sysctls, windowsHostProcess; restricted: restrictedVolumes
 *         (replaces hostPathVolumes), runAsNonRoot
 *   1.8   allowPrivilegeEscalation
 *   1.19  seccomp fields instead of annotations; seccompProfile_restricted (replaces the
 *         baseline seccomp check)
 *   1.22  capabilities_restricted (replaces capabilities_baseline)
 *   1.23  runAsUser != 0
 *   1.25  Windows pods exempt from allowPrivilegeEscalation, capabilities_restricted,
 *         seccompProfile_restricted
 *   1.27 / 1.29 / 1.32 / 1.37  more safe sysctls
 *   1.31  SELinux type container_engine_t
 *   1.34  hostProbesAndHostLifecycle
 *   1.35  hostUsers: false relaxes procMount (baseline), runAsNonRoot, runAsUser;
 *         procMount_restricted keeps restricted strict
 * A check's ID is upstream's; a refusal lists baseline IDs sorted, then restricted IDs
 * sorted (registry.ts).
 */
import type { PssLevel, PssVersion, PssViolation } from './types.js';
import { UserError } from '../../errors.js';
import { ALL_CHECKS } from './checks/index.js';
import { buildRegistry, checksAt } from './registry.js';
import { defaultedPodSpec } from './api-defaults.js';
import type { PodMetaLike, PodSpecLike } from './helpers.js';
import { goCompare, goQuote } from './helpers.js';

const REGISTRY = buildRegistry(ALL_CHECKS);

/** The newest policy minor any check defines; `latest` evaluates as this (registry.go maxVersion). */
export const PSS_LATEST_MINOR = REGISTRY.maxMinor;

const EMPTY_META: PodMetaLike = Object.freeze({});
const EMPTY_SPEC: PodSpecLike = Object.freeze({});

/** Controllers whose pod template the plugin checks (admission.go DefaultPodSpecExtractor). */
const TEMPLATE_AT_SPEC = new Set([
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'DaemonSet',
  'StatefulSet',
  'Job',
]);

export interface PodTemplateLike {
  metadata: PodMetaLike;
  spec: PodSpecLike;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object';
}

/**
 * The metadata and spec the plugin evaluates for an object: a Pod's own, the template
 * of a PodTemplate, ReplicationController, ReplicaSet, Deployment, DaemonSet,
 * StatefulSet or Job, and `spec.jobTemplate.spec.template` of a CronJob. Any other
 * object is taken as a pod template itself (`{metadata, spec}`). Returns undefined for
 * a controller without a template (the plugin skips those: nothing to check).
 */
export function extractPodTemplate(obj: object): PodTemplateLike | undefined {
  const o = obj as Record<string, unknown>;
  const kind = o.kind;
  let tpl: unknown = o;
  if (typeof kind === 'string' && kind !== 'Pod') {
    if (TEMPLATE_AT_SPEC.has(kind)) tpl = isObj(o.spec) ? o.spec.template : undefined;
    else if (kind === 'PodTemplate') tpl = o.template;
    else if (kind === 'CronJob') {
      const jt = isObj(o.spec) ? o.spec.jobTemplate : undefined;
      const js = isObj(jt) ? jt.spec : undefined;
      tpl = isObj(js) ? js.template : undefined;
    }
  }
  if (!isObj(tpl)) return undefined;
  return {
    metadata: isObj(tpl.metadata) ? (tpl.metadata as PodMetaLike) : EMPTY_META,
    spec: isObj(tpl.spec) ? (tpl.spec as PodSpecLike) : EMPTY_SPEC,
  };
}

/** The policy minor a version evaluates at: `latest` and anything newer than the newest definition clamp to it. */
export function effectiveMinor(version: PssVersion): number {
  if (version === 'latest') return PSS_LATEST_MINOR;
  const m = version.minor;
  if (!Number.isInteger(m) || m < 0) throw new RangeError(`invalid Pod Security Standards minor version: ${String(m)}`);
  return Math.min(m, PSS_LATEST_MINOR);
}

/**
 * The violations of `level` at `version` for a Pod, a workload with a pod template, or
 * a `{metadata, spec}` pod template, in the order the plugin prints them. Empty means
 * admitted. `privileged` admits everything. The checks read the object as the API
 * server would hand it to the plugin: after defaulting (api-defaults.ts).
 */
export function evaluatePss(pod: object, level: PssLevel, version: PssVersion): PssViolation[] {
  const checks = checksAt(REGISTRY, level, effectiveMinor(version));
  const out: PssViolation[] = [];
  if (checks.length === 0) return out;
  let meta: PodMetaLike;
  let spec: PodSpecLike;
  const p = pod as Record<string, unknown>;
  if (p.kind === undefined || p.kind === 'Pod') {
    // Fast path: no template extraction for pods and bare templates.
    meta = isObj(p.metadata) ? (p.metadata as PodMetaLike) : EMPTY_META;
    spec = defaultedPodSpec(isObj(p.spec) ? (p.spec as PodSpecLike) : EMPTY_SPEC, p.kind === 'Pod');
  } else {
    const t = extractPodTemplate(pod);
    if (!t) return out;
    meta = t.metadata;
    spec = defaultedPodSpec(t.spec, false);
  }
  for (let i = 0; i < checks.length; i++) {
    const r = checks[i].fn(meta, spec);
    if (r !== null) out.push({ check: checks[i].id, reason: r.reason, detail: r.detail });
  }
  return out;
}

export interface PssCheckRevisions {
  id: string;
  level: 'baseline' | 'restricted';
  /** The policy minors at which the check's behaviour changes (MinimumVersion of each revision). */
  minimumMinors: number[];
  /** Baseline checks this restricted check replaces, from its first revision that says so. */
  overrides: string[];
}

/** Every check with the versions its behaviour changes at, in registry order (for docs, `policy migrate`, tests). */
export function pssCheckRevisions(): PssCheckRevisions[] {
  return [...ALL_CHECKS]
    .sort((a, b) => (a.level === b.level ? goCompare(a.id, b.id) : a.level === 'baseline' ? -1 : 1))
    .map((c) => ({
      id: c.id,
      level: c.level,
      minimumMinors: c.versions.map((r) => r.minimumMinor),
      overrides: [...new Set(c.versions.flatMap((r) => r.overrides ?? []))],
    }));
}

/** The check IDs a level runs at a version, in evaluation (and message) order. */
export function pssCheckIds(level: PssLevel, version: PssVersion): string[] {
  return checksAt(REGISTRY, level, effectiveMinor(version)).map((c) => c.id);
}

const VERSION_RE = /^v1\.(0|[1-9][0-9]*)$/;

/**
 * Parses a policy version as the plugin does for `*-version` labels and the
 * PodSecurityConfiguration defaults (api/helpers.go ParseVersion): `latest` or `v1.N`
 * with no leading zeros. Anything else is a UserError (exit 2).
 */
export function parsePssVersion(text: string): PssVersion {
  if (text === 'latest') return 'latest';
  const m = VERSION_RE.exec(text);
  if (!m) {
    throw new UserError(
      `invalid Pod Security Standards version ${JSON.stringify(text)}: must be "latest" or "v1.x" (e.g. v1.30)`,
    );
  }
  const minor = Number(m[1]);
  if (!Number.isSafeInteger(minor)) {
    throw new UserError(
      `invalid Pod Security Standards version ${JSON.stringify(text)}: must be "latest" or "v1.x" (e.g. v1.30)`,
    );
  }
  return { minor };
}

/** `latest` or `v1.N` (api.Version.String). */
export function formatPssVersion(version: PssVersion): string {
  return version === 'latest' ? 'latest' : `v1.${version.minor}`;
}

/** `restricted:v1.30` (api.LevelVersion.String). */
export function formatLevelVersion(level: PssLevel, version: PssVersion): string {
  return `${level}:${formatPssVersion(version)}`;
}

/**
 * AggregateCheckResult.ForbiddenDetail (policy/checks.go): `reason (detail), reason`,
 * a reason without detail printed bare, an empty reason as "unknown forbidden reason".
 */
export function forbiddenDetail(violations: readonly PssViolation[]): string {
  let s = '';
  for (let i = 0; i < violations.length; i++) {
    const v = violations[i];
    if (i > 0) s += ', ';
    s += v.reason === '' ? 'unknown forbidden reason' : v.reason;
    if (v.detail !== '') s += ` (${v.detail})`;
  }
  return s;
}

/** AggregateCheckResult.ForbiddenReason: the reasons alone, comma-separated. */
export function forbiddenReason(violations: readonly PssViolation[]): string {
  return violations.map((v) => (v.reason === '' ? 'unknown forbidden reason' : v.reason)).join(', ');
}

/**
 * The enforce refusal (admission.go EvaluatePod):
 * `violates PodSecurity "restricted:v1.30": reason (detail), ...`. The API server
 * prefixes it with `pods "name" is forbidden: `; kubectl then adds
 * `Error from server (Forbidden): ...` (test/sim/REAL-OUTPUTS.md §9).
 * Call it only for a non-empty list: the plugin never prints an empty refusal.
 */
export function formatForbidden(level: PssLevel, version: PssVersion, violations: readonly PssViolation[]): string {
  return `violates PodSecurity ${goQuote(formatLevelVersion(level, version))}: ${forbiddenDetail(violations)}`;
}

/** The warn-mode warning and audit annotation: `would violate PodSecurity "...": ...`. */
export function formatWarning(level: PssLevel, version: PssVersion, violations: readonly PssViolation[]): string {
  return `would violate PodSecurity ${goQuote(formatLevelVersion(level, version))}: ${forbiddenDetail(violations)}`;
}

export interface NamespacePod {
  name: string;
  /** The pod's violations at the new enforce level (from evaluatePss). */
  violations: readonly PssViolation[];
  /** metadata.ownerReferences[controller=true].uid, to try one pod per controller first. */
  controllerUid?: string;
  /** spec.runtimeClassName; pods with an exempt runtime class are skipped. */
  runtimeClassName?: string;
}

export interface NamespaceWarningOptions {
  /** The plugin checks at most this many pods (admission.go defaultNamespaceMaxPodsToCheck). */
  maxPodsToCheck?: number;
  exemptRuntimeClasses?: readonly string[];
}

/**
 * The warnings a namespace label change gets when existing pods violate the new enforce
 * level (admission.go EvaluatePodsInNamespace + prioritizePods + decoratePodWarnings):
 * - pods with an exempt runtime class are skipped; one pod per controller is checked
 *   before the other replicas; at most 3000 pods are checked, and
 *   `new PodSecurity enforce level only checked against the first N of M existing pods`
 *   comes first when that cap bites;
 * - then `existing pods in namespace "ns" violate the new PodSecurity enforce level
 *   "restricted:latest"` if any pod violates;
 * - then one line per distinct reason list (reasons only, no details), prefixed with
 *   the lexically first pod name and `(and 1 other pod)` / `(and N other pods)`,
 *   sorted as strings.
 * Returns [] when nothing violates. (The plugin's 1-second time budget is not
 * emulated.)
 */
export function namespaceWarnings(
  namespace: string,
  level: PssLevel,
  version: PssVersion,
  pods: readonly NamespacePod[],
  options: NamespaceWarningOptions = {},
): string[] {
  const max = options.maxPodsToCheck ?? 3000;
  const exempt = new Set(options.exemptRuntimeClasses ?? []);
  const first: NamespacePod[] = [];
  const replicas: NamespacePod[] = [];
  const seenControllers = new Set<string>();
  for (const p of pods) {
    if (p.runtimeClassName && exempt.has(p.runtimeClassName)) continue;
    if (p.controllerUid === undefined) first.push(p);
    else if (seenControllers.has(p.controllerUid)) replicas.push(p);
    else {
      seenControllers.add(p.controllerUid);
      first.push(p);
    }
  }
  const prioritized = [...first, ...replicas];
  const total = prioritized.length;
  const checked = prioritized.slice(0, max);

  const order: string[] = [];
  const counts = new Map<string, { podName: string; count: number }>();
  for (const p of checked) {
    if (p.violations.length === 0) continue;
    const warning = forbiddenReason(p.violations);
    const c = counts.get(warning);
    if (!c) {
      counts.set(warning, { podName: p.name, count: 1 });
      order.push(warning);
    } else {
      if (goCompare(p.name, c.podName) < 0) c.podName = p.name;
      c.count++;
    }
  }

  const out: string[] = [];
  if (checked.length < total) {
    out.push(
      `new PodSecurity enforce level only checked against the first ${checked.length} of ${total} existing pods`,
    );
  }
  if (order.length > 0) {
    out.push(
      `existing pods in namespace ${goQuote(namespace)} violate the new PodSecurity enforce level ${goQuote(formatLevelVersion(level, version))}`,
    );
  }
  const decorated = order.map((w) => {
    const c = counts.get(w)!;
    if (c.count === 1) return `${c.podName}: ${w}`;
    if (c.count === 2) return `${c.podName} (and 1 other pod): ${w}`;
    return `${c.podName} (and ${c.count - 1} other pods): ${w}`;
  });
  decorated.sort(goCompare);
  return [...out, ...decorated];
}
