/**
 * The check registry: which check functions run, in which order, for a level and a
 * policy version. Mirrors kubernetes/kubernetes
 * staging/src/k8s.io/pod-security-admission/policy/registry.go as of the 1.25+ shape
 * (read at the emulation-version form of 1.34+, object id 845924881 in the index):
 *
 * - Every check has one or more revisions, each with a MinimumVersion; a policy version
 *   uses the newest revision whose MinimumVersion is at or below it, and a check whose
 *   first revision is newer than the policy version does not run at all.
 * - `maxVersion` is the highest MinimumVersion of any revision. Any newer version, and
 *   `latest`, evaluates as maxVersion (EvaluatePod clamps; `latest` is "newer than
 *   everything" in api/helpers.go Version.Older).
 * - Baseline runs the baseline checks. Restricted runs the restricted checks plus every
 *   baseline check that no selected restricted revision names in OverrideCheckIDs
 *   (e.g. restrictedVolumes overrides hostPathVolumes), so one root cause is reported
 *   once (the "improved violation messages" of the 1.25 plugin).
 * - Order: baseline check IDs sorted, then restricted check IDs sorted (Go string
 *   order, "to maintain consistent error messages"). The refusal text lists reasons in
 *   this order.
 *
 * This module precomputes both lists for every minor 0..maxVersion once, so evaluating
 * a pod is an array lookup plus the check calls.
 */
import type { PssCheckedLevel, PssLevel } from './types.js';
import type { CheckFn } from './helpers.js';
import { goCompare } from './helpers.js';

export interface VersionedCheck {
  /** The first policy minor (v1.N) this revision applies to. */
  minimumMinor: number;
  check: CheckFn;
  /** Baseline check IDs this restricted revision replaces (OverrideCheckIDs). */
  overrides?: readonly string[];
}

export interface CheckDefinition {
  /** Upstream's check ID, e.g. `capabilities_restricted`. */
  id: string;
  level: PssCheckedLevel;
  /** Strictly increasing minimumMinor (registry.go validateChecks). */
  versions: readonly VersionedCheck[];
}

export interface RegisteredCheck {
  id: string;
  fn: CheckFn;
}

export interface Registry {
  /** The highest MinimumVersion of all revisions: what `latest` means. */
  maxMinor: number;
  /** Indexed by policy minor 0..maxMinor. */
  baseline: ReadonlyArray<readonly RegisteredCheck[]>;
  restricted: ReadonlyArray<readonly RegisteredCheck[]>;
}

function validate(checks: readonly CheckDefinition[]): void {
  const levels = new Map<string, string>();
  for (const c of checks) {
    if (levels.has(c.id)) throw new Error(`multiple checks registered for ID ${c.id}`);
    levels.set(c.id, c.level);
    if (c.versions.length === 0) throw new Error(`check ${c.id}: empty`);
    let prev = -1;
    for (const v of c.versions) {
      if (!Number.isInteger(v.minimumMinor) || v.minimumMinor <= prev) {
        throw new Error(`check ${c.id}: versions must be strictly increasing`);
      }
      prev = v.minimumMinor;
      if (v.overrides && v.overrides.length > 0) {
        if (c.level !== 'restricted') throw new Error(`check ${c.id}: only restricted checks may set overrides`);
        for (const o of v.overrides) {
          const l = levels.get(o) ?? checks.find((x) => x.id === o)?.level;
          if (l !== undefined && l !== 'baseline') throw new Error(`check ${c.id}: overrides ${l} check ${o}`);
        }
      }
    }
  }
}

/** The revision of a check in force at `minor`, or undefined before its first revision. */
function revisionAt(c: CheckDefinition, minor: number): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const v of c.versions) {
    if (v.minimumMinor <= minor) found = v;
    else break;
  }
  return found;
}

export function buildRegistry(checks: readonly CheckDefinition[]): Registry {
  validate(checks);
  let maxMinor = 0;
  for (const c of checks) maxMinor = Math.max(maxMinor, c.versions[c.versions.length - 1].minimumMinor);

  const baselineDefs = checks.filter((c) => c.level === 'baseline').sort((a, b) => goCompare(a.id, b.id));
  const restrictedDefs = checks.filter((c) => c.level === 'restricted').sort((a, b) => goCompare(a.id, b.id));

  const baseline: RegisteredCheck[][] = [];
  const restricted: RegisteredCheck[][] = [];
  for (let minor = 0; minor <= maxMinor; minor++) {
    const overridden = new Set<string>();
    const restrictedOwn: RegisteredCheck[] = [];
    for (const c of restrictedDefs) {
      const rev = revisionAt(c, minor);
      if (!rev) continue;
      for (const o of rev.overrides ?? []) overridden.add(o);
      restrictedOwn.push({ id: c.id, fn: rev.check });
    }
    const base: RegisteredCheck[] = [];
    for (const c of baselineDefs) {
      const rev = revisionAt(c, minor);
      if (rev) base.push({ id: c.id, fn: rev.check });
    }
    baseline.push(Object.freeze(base) as RegisteredCheck[]);
    restricted.push(
      Object.freeze([...base.filter((b) => !overridden.has(b.id)), ...restrictedOwn]) as RegisteredCheck[],
    );
  }
  return { maxMinor, baseline: Object.freeze(baseline), restricted: Object.freeze(restricted) };
}

/** The checks a level runs at a (clamped) minor; privileged runs none (registry.go EvaluatePod). */
export function checksAt(reg: Registry, level: PssLevel, minor: number): readonly RegisteredCheck[] {
  if (level === 'privileged') return NONE;
  const m = Math.min(minor, reg.maxMinor);
  return level === 'baseline' ? reg.baseline[m] : reg.restricted[m];
}

const NONE: readonly RegisteredCheck[] = Object.freeze([]);
