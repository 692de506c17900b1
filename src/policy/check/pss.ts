/**
 * `policy check --level`: the Pod Security Standards checks of that level and version.
 * They need nothing but the pod, so one pass always does: each pod is judged as soon as
 * it is read, straight into the text `policy check` prints.
 */
import { objectsIn, type Piece } from '../input.js';
import { classify, type PodInput, title } from '../objects.js';
import { syncAppArmorAnnotations } from '../pss/apparmor-sync.js';
import { evaluatePss, formatLevelVersion, formatPssVersion } from '../pss/evaluate.js';

export { parsePssVersion } from '../pss/evaluate.js';
import type { PssLevel, PssVersion, PssViolation } from '../pss/types.js';
import { Census } from './census.js';
import type { Emitter } from './emit.js';
import type { InputSet } from './input-set.js';
import type { Tally } from './psp.js';
import type { FileJudge } from './verdicts.js';

/** What to check and how to print it. */
export interface PssJob {
  level: PssLevel;
  version: PssVersion;
  json: boolean;
}

/** What a run found besides the printed text. */
export interface PssTally {
  pods: number;
  refused: number;
  /** Names of the PodSecurityPolicies seen (they are checked, and not used). */
  policies: string[];
  /** [file, kind] of every object that is neither a pod nor a policy nor RBAC. */
  ignored: [string, string][];
}

export function emptyTally(): PssTally {
  return { pods: 0, refused: 0, policies: [], ignored: [] };
}

/** One pass: each pod is judged as soon as it is read. */
export async function checkPss(
  inputs: InputSet,
  job: PssJob,
  emit: Emitter,
  note: (line: string) => void,
  judgeFile?: FileJudge<PssJob>,
): Promise<Tally> {
  const tally = emptyTally();
  const judgedAtOnce = async (file: string) => {
    const v = judgeFile && (await judgeFile(file, job));
    if (!v) return false;
    tally.pods += v.pods;
    tally.refused += v.refused;
    for (const name of v.policies) tally.policies.push(name);
    for (const pair of v.ignored) tally.ignored.push(pair);
    v.output.moveTo((text) => emit.batch(text));
    return true;
  };
  for await (const b of inputs.firstBatches(judgedAtOnce)) {
    const out: string[] = [];
    judgePss(job, b.file, b.pieces, out, tally);
    emit.batch(out.join(''));
  }
  const census = new Census();
  for (const [file, kind] of tally.ignored) census.ignore(file, kind);
  census.noteIgnored(note);
  const policies = new Set(tally.policies).size;
  if (policies > 0)
    note(
      `note: --level given: checking Pod Security Standards; the ${policies} PodSecurityPolicies in the input are not used`,
    );
  return { pods: tally.pods, refused: tally.refused, changed: 0 };
}

/**
 * Judges every pod of `pieces` (read from `file`), pushing the output of each onto
 * `out`: in text mode its lines, in JSON mode `,\n` and its entry (the caller turns the
 * first `,` into the array's `[`). Bad input throws UserError, as reading does.
 */
export function judgePss(job: PssJob, file: string, pieces: Iterable<Piece>, out: string[], tally: PssTally): void {
  const levelVersion = formatLevelVersion(job.level, job.version);
  const version = JSON.stringify(formatPssVersion(job.version));
  const level = JSON.stringify(job.level);
  for (const piece of pieces) {
    for (const src of objectsIn(piece, file)) {
      const c = classify(src);
      if (c.type !== 'pod') {
        if (c.type === 'psp') tally.policies.push(c.policy.metadata.name);
        else if (c.type === 'ignored') tally.ignored.push([src.file, c.kind]);
        continue;
      }
      tally.pods++;
      // A 1.30+ API server copies AppArmor annotations into a Pod's fields before PodSecurity runs.
      const pod = c.kind === 'Pod' ? syncAppArmorAnnotations(c.pod) : c.pod;
      const violations = evaluatePss(pod, job.level, job.version);
      if (violations.length > 0) tally.refused++;
      out.push(job.json ? `,\n${jsonEntry(c, level, version, violations)}` : textLines(c, levelVersion, violations));
    }
  }
}

/** `reason (detail)`, as the PodSecurity plugin joins them. */
export function pssMessage(v: PssViolation): string {
  return v.detail ? `${v.reason} (${v.detail})` : v.reason;
}

function textLines(p: PodInput, levelVersion: string, violations: PssViolation[]): string {
  if (violations.length === 0) return `${title(p)}: allowed by ${levelVersion}\n`;
  let text = `${title(p)}: violates PodSecurity "${levelVersion}"\n`;
  for (const v of violations) text += `    ${pssMessage(v)}\n`;
  return text;
}

/**
 * The contract's PSS entry, written field by field: its shape is fixed and its keys are
 * constants, so no object is built only to be serialised. `level` and `version` come
 * already quoted.
 */
function jsonEntry(p: PodInput, level: string, version: string, violations: PssViolation[]): string {
  let list = '';
  for (let i = 0; i < violations.length; i++) {
    const v = violations[i];
    list += `${i > 0 ? ',' : ''}{"check":${JSON.stringify(v.check)},"message":${JSON.stringify(pssMessage(v))}}`;
  }
  return (
    `{"kind":${JSON.stringify(p.kind)},"namespace":${JSON.stringify(p.namespace)},"name":${JSON.stringify(p.name)},` +
    `"admitted":${violations.length === 0},"level":${level},"version":${version},"violations":[${list}]}`
  );
}
