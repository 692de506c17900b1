/**
 * `policy check` on more than one core. A big JSON List file (what `kubectl get -o json`
 * prints for a whole cluster) is cut into byte ranges (input/json-ranges.ts) that the
 * main thread and worker threads take one at a time through a shared counter; what each
 * range printed is put back together in range order, so the output is byte for byte what
 * one thread prints. Reading and JSON.parse are most of the work, and on one core
 * nothing brings them below what JSON.parse alone costs.
 *
 * Anything unusual (input that is not one pretty-printed List, a range that does not end
 * between two items, an error of any kind, a policy in PodSecurityPolicy mode's first
 * pass) makes it give up on the file before anything is printed; the ordinary pass then
 * reads it and reports what is wrong with its usual file, line and column.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../../package-root.js';
import { type JsonRangePlan, planJsonRanges } from '../input/json-ranges.js';
import { type RangeOutcome, type RangeSetup, rangeJudge } from './range-judge.js';
import { OutputSpool } from './output-spool.js';
import type { FileVerdicts, Verdicts } from './verdicts.js';

/** What a worker is started with (range-worker.ts). */
export interface RangeClaims {
  setup: RangeSetup;
  plan: JsonRangePlan;
  /** One Int32: the next range to take. */
  claims: SharedArrayBuffer;
}

/**
 * Measured on two cores with 10,000 to 40,000 Deployments (64 to 270 MB): a worker's
 * start-up and its own JIT warm-up (it shares no compiled code with the main thread)
 * cost about what it wins below ~96 MiB; above, a second thread makes the whole run
 * 10-30% faster, more as the file grows. 4 MiB ranges are a few dozen milliseconds of
 * work each, so the threads finish close together.
 */
export const PARALLEL_PLAN = { minBytes: 96 << 20, rangeBytes: 4 << 20 };

/**
 * The pods of `file` judged by up to `threads` threads; undefined when the file is not
 * worth it or not fit for it, and then nothing has been printed or counted.
 */
export async function judgeInParallel(
  file: string,
  setup: RangeSetup,
  threads: number,
): Promise<FileVerdicts | undefined> {
  if (threads < 2) return undefined;
  const script = workerScript();
  if (!script) return undefined;
  const plan = planJsonRanges(file, PARALLEL_PLAN);
  if (!plan) return undefined;
  const ranges = plan.cuts.length - 1;
  const claims = new SharedArrayBuffer(4);
  const next = new Int32Array(claims);
  const writer = new RangeWriter(ranges);
  let failed = false;
  /** Takes a range's outcome from any thread; no outcome, or no room to keep it, ends the attempt. */
  const accept = (k: number, outcome: RangeOutcome | undefined) => {
    if (failed) return;
    try {
      if (outcome) writer.add(k, outcome);
      else failed = true;
    } catch {
      // The spool could not write (a full disk): the ordinary pass meets it again and says so.
      failed = true;
    }
    if (failed) Atomics.store(next, 0, ranges);
  };
  const helpers: Helper[] = [];
  let done = false;
  try {
    for (let i = 0; i < Math.min(threads - 1, ranges - 1); i++)
      helpers.push(startHelper(script, { setup, plan, claims }, accept));
    // Loaded while the workers start.
    const tryJudgeRange = await rangeJudge(setup);
    for (let k = Atomics.add(next, 0, 1); k < ranges && !failed; k = Atomics.add(next, 0, 1)) {
      accept(k, tryJudgeRange(plan, k));
      // Lets the workers' outcomes in, so they are written out as their turn comes
      // instead of waiting, all of them, for the main thread's last range.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(helpers.map((h) => h.done));
    // Ranges a worker took and did not finish (it could not start, or died) are done here.
    for (let k = 0; k < ranges && !failed; k++) if (!writer.has(k)) accept(k, tryJudgeRange(plan, k));
    done = !failed && writer.complete;
  } finally {
    for (const h of helpers) h.stop();
    if (!done) writer.output.dispose();
  }
  return done ? { ...writer.totals, output: writer.output } : undefined;
}

/** Range outcomes in any order; written out, and counted, in range order. */
class RangeWriter {
  readonly output = new OutputSpool();
  readonly totals: Verdicts = { pods: 0, refused: 0, changed: 0, policies: [], ignored: [] };
  private readonly waiting = new Map<number, RangeOutcome>();
  private written = 0;

  constructor(private readonly ranges: number) {}

  add(k: number, outcome: RangeOutcome): void {
    // A range done again (its worker died) may still see the worker's late outcome.
    if (this.has(k)) return;
    this.waiting.set(k, outcome);
    for (let o = this.waiting.get(this.written); o; o = this.waiting.get(this.written)) {
      this.waiting.delete(this.written++);
      if (o.text !== '') this.output.write(o.text);
      const t = this.totals;
      t.pods += o.pods;
      t.refused += o.refused;
      t.changed += o.changed;
      for (const name of o.policies) t.policies.push(name);
      for (const pair of o.ignored) t.ignored.push(pair);
    }
  }

  has(k: number): boolean {
    return k < this.written || this.waiting.has(k);
  }

  get complete(): boolean {
    return this.written === this.ranges;
  }
}

/** The worker script, only when running from the bundle (dist/): it is built with it. */
function workerScript(): string | undefined {
  const dist = path.join(packageRoot(import.meta.url), 'dist');
  if (!fileURLToPath(import.meta.url).startsWith(dist + path.sep)) return undefined;
  const script = path.join(dist, 'range-worker.js');
  return existsSync(script) ? script : undefined;
}

interface Helper {
  /** Resolves once the worker has posted its last outcome, or has failed or exited. */
  done: Promise<void>;
  /** Stops it if it still runs (the file went back to the ordinary pass, or an error). */
  stop(): void;
}

function startHelper(
  script: string,
  data: RangeClaims,
  take: (k: number, outcome: RangeOutcome | undefined) => void,
): Helper {
  let worker: Worker | undefined;
  let finished = false;
  const done = new Promise<void>((resolve) => {
    const end = () => {
      finished = true;
      resolve();
    };
    try {
      worker = new Worker(script, { workerData: data });
    } catch {
      end();
      return;
    }
    worker.on('message', (m: { k: number; outcome?: RangeOutcome } | { done: true }) => {
      if ('done' in m) {
        // It exits by itself; the process need not wait for its heap to be torn down.
        worker?.unref();
        end();
      } else take(m.k, m.outcome);
    });
    worker.on('error', end);
    worker.on('exit', end);
  });
  return {
    done,
    stop() {
      if (!finished) void worker?.terminate();
    },
  };
}
