/**
 * Judges the pods of one byte range of a big JSON List (input/json-ranges.ts), in the
 * main thread or in a worker: the same code as the ordinary pass, on the range's pieces,
 * with the output kept as text for the main thread to print in range order.
 */
import { type JsonRangePlan, rangePieces } from '../input/json-ranges.js';
import { objectsIn, type Piece } from '../input.js';
import { classify } from '../objects.js';
import type { PssJob } from './pss.js';
import type { PspCensus, PspRequester } from './psp.js';
import type { Verdicts } from './verdicts.js';

/** What a thread needs to judge a range: plain data, so it can be posted to a worker. */
export type RangeSetup =
  | { mode: 'pss'; job: PssJob }
  | ({
      mode: 'psp';
      json: boolean;
      requester: PspRequester;
    } & PspCensus);

/** What one range printed and counted. */
export interface RangeOutcome extends Verdicts {
  text: string;
}

/** Judges range `k` of a plan; undefined when the range cannot be judged on its own (any error, a mismatch). */
export type RangeJudge = (plan: JsonRangePlan, k: number) => RangeOutcome | undefined;

/** The judge for `setup`, with only its mode's code loaded. */
export async function rangeJudge(setup: RangeSetup): Promise<RangeJudge> {
  const judge = setup.mode === 'pss' ? pssRange(setup.job, await import('./pss.js')) : await pspRange(setup);
  return (plan, k) => {
    try {
      return judge(plan, k);
    } catch {
      // Whatever it was, the ordinary pass over the file meets it again and reports it.
      return undefined;
    }
  };
}

function pssRange(job: PssJob, pss: typeof import('./pss.js')): (plan: JsonRangePlan, k: number) => RangeOutcome {
  return (plan, k) => {
    const out: string[] = [];
    const tally = pss.emptyTally();
    pss.judgePss(job, plan.file, asPieces(plan, k), out, tally);
    return { text: out.join(''), changed: 0, ...tally };
  };
}

async function pspRange(
  setup: Extract<RangeSetup, { mode: 'psp' }>,
): Promise<(plan: JsonRangePlan, k: number) => RangeOutcome> {
  const [{ Judge }, { pspPrinter }] = await Promise.all([import('./psp.js'), import('./psp-print.js')]);
  const judge = new Judge(setup.policies, setup.rbac, setup.requester);
  return (plan, k) => {
    const file = plan.file;
    const printer = pspPrinter(setup.json, setup.requester.as);
    const out: string[] = [];
    const push = (text: string) => out.push(text);
    const ignored: [string, string][] = [];
    let pods = 0;
    let refused = 0;
    for (const piece of asPieces(plan, k)) {
      for (const src of objectsIn(piece, file)) {
        const c = classify(src);
        if (c.type === 'pod') {
          pods++;
          if (!judge.admit(c, printer, push)) refused++;
          continue;
        }
        if (setup.others === 'skip') continue;
        if (c.type !== 'ignored') throw new Error(`a ${c.type} object in range ${k}: the ordinary pass handles it`);
        ignored.push([file, c.kind]);
      }
    }
    return { text: out.join(''), pods, refused, changed: printer.changed, policies: [], ignored };
  };
}

function* asPieces(plan: JsonRangePlan, k: number): Generator<Piece> {
  // Positions are not kept: any error sends the file back to the ordinary pass, which has them.
  for (const p of rangePieces(plan, k)) yield { json: true, text: p.text, value: p.value, line: 0, col: 0 };
}
