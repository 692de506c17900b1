/**
 * A worker thread of `policy check` (parallel.ts): takes ranges of a big JSON List
 * until none is left and posts what each printed and counted. Ranges are claimed
 * through a shared counter, so whichever thread is free takes the next one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RangeClaims } from './parallel.js';
import { rangeJudge } from './range-judge.js';

const { setup, plan, claims } = workerData as RangeClaims;
const next = new Int32Array(claims);
const tryJudgeRange = await rangeJudge(setup);
const ranges = plan.cuts.length - 1;
for (let k = Atomics.add(next, 0, 1); k < ranges; k = Atomics.add(next, 0, 1)) {
  const outcome = tryJudgeRange(plan, k);
  parentPort!.postMessage({ k, outcome });
  if (!outcome) {
    // The file goes back to the ordinary pass: no thread need take another range.
    Atomics.store(next, 0, ranges);
    break;
  }
}
parentPort!.postMessage({ done: true });
