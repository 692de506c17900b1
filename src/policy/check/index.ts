/**
 * `kubestrap policy check`: offline admission of pods and pod templates.
 *
 * PodSecurityPolicy mode (policies in the input, no level): each pod goes through the
 * PodSecurityPolicy admission controller of Kubernetes 1.24 (psp.ts). Pod Security
 * Standards mode (a level): the checks of that level and version (pss.ts). Each mode is
 * loaded only when it runs.
 *
 * The output is held back (OutputSpool) until the whole input has been read, so bad
 * input prints nothing but the error: bad input (exit 2) is thrown as UserError.
 */
import type { Readable } from 'node:stream';
import type { PssLevel } from '../pss/types.js';
import { jsonEmitter, textEmitter } from './emit.js';
import { InputSet } from './input-set.js';
import { OutputSpool } from './output-spool.js';
import type { PspRequester, Tally } from './psp.js';

export interface CheckRequest {
  /** `-f` inputs, `-` for stdin. */
  files: string[];
  /** `-o json`: the contract's JSON array instead of text. */
  json: boolean;
  /** Pod Security Standards mode at this level; PodSecurityPolicy mode without it. */
  level?: PssLevel;
  /** `latest` or `v1.N`; with a level only. */
  pssVersion?: string;
  requester: PspRequester;
  /** Threads for big JSON List files (parallel.ts); 1, the default, reads everything in this one. */
  threads?: number;
}

export interface CheckResult extends Tally {
  /** The verdicts, for stdout: flush it, then dispose of it. */
  output: OutputSpool;
}

export interface CheckEnv {
  stdin?: Readable;
  /** Notes and warnings, for stderr, as they come. */
  note: (line: string) => void;
}

export async function checkPolicies(req: CheckRequest, env: CheckEnv): Promise<CheckResult> {
  // The version is checked before reading anything, so a typo fails fast.
  const pss = req.level !== undefined ? await import('./pss.js') : undefined;
  const job = pss && { level: req.level!, version: pss.parsePssVersion(req.pssVersion ?? 'latest'), json: req.json };
  const threads = req.threads ?? 1;
  if (pss && (req.requester.as || req.requester.allow.length > 0))
    env.note('note: --as and --allow choose PodSecurityPolicies; Pod Security Standards do not use them');

  const spool = new OutputSpool();
  // PSS mode needs nothing but the pod, so one pass always does; PSP mode may need two.
  const inputs = new InputSet(req.files, env.stdin, pss === undefined);
  try {
    const emit = req.json ? jsonEmitter(spool) : textEmitter(spool);
    // Big JSON List files are judged on more than one thread when there are threads to use.
    const parallel = threads > 1 ? await import('./parallel.js') : undefined;
    const tally = job
      ? await pss!.checkPss(
          inputs,
          job,
          emit,
          env.note,
          parallel && ((file, pssJob) => parallel.judgeInParallel(file, { mode: 'pss', job: pssJob }, threads)),
        )
      : await (await import('./psp.js')).checkPsp(
          inputs,
          req.requester,
          req.json,
          emit,
          spool,
          env.note,
          parallel &&
            ((file, census) =>
              parallel.judgeInParallel(
                file,
                { mode: 'psp', json: req.json, requester: req.requester, ...census },
                threads,
              )),
        );
    emit.end(tally.pods, tally.refused, tally.changed);
    return { ...tally, output: spool };
  } catch (e) {
    spool.dispose();
    throw e;
  } finally {
    await inputs.dispose();
  }
}
