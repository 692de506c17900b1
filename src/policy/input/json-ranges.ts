/**
 * One big pretty-printed JSON List (a `kubectl get -o json` dump) cut into byte ranges
 * that can be split and parsed on their own, so more than one thread can read it.
 *
 * A cut is put at an item boundary found by its layout: a line that is exactly the
 * items' indentation and `},`, then one that is that indentation and `{`. Layout alone
 * proves nothing (other formatting may indent a nested object the same way), so every
 * range but the last is checked as it is read: its splitter must end between two items,
 * in the containers the next range was started in. A range that does not (or any error
 * in it) means the plan is wrong, and the caller reads the file the ordinary way, which
 * then says what is wrong with its usual positions. A range starts at the newline before
 * its first item so the splitter's fast path sees the item's indentation.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { type ItemLayout, JsonSplitter } from './json-split.js';

export interface JsonRangePlan {
  file: string;
  layout: ItemLayout;
  /** Range k is bytes [cuts[k], cuts[k + 1]): cuts[0] is 0, the last one the file's size. */
  cuts: number[];
}

/** A piece of one range: what input.ts turns into a Piece. */
export interface RangePiece {
  text: string;
  value?: unknown;
}

/** The range did not end where the next one was started: the plan must not be used. */
export class RangeMismatch extends Error {
  constructor(range: number) {
    super(`JSON range ${range} does not end between two items`);
    this.name = 'RangeMismatch';
  }
}

/** Bytes read per call, as the ordinary reader does. */
const CHUNK = 1 << 20;
/**
 * No range may be longer: no object is whole inside one, so an object too big for the
 * ordinary reader (16 MiB) straddles a cut and sends the file back to it.
 */
const MAX_RANGE = 14 * CHUNK;
/** How far past a target offset a cut is looked for. */
const SEARCH = 4 * CHUNK;
const WINDOW = 1 << 16;

export interface PlanOptions {
  /** Files smaller than this are not worth a second thread. */
  minBytes: number;
  /** About this many bytes per range (ranges are taken by whichever thread is free). */
  rangeBytes: number;
}

/**
 * Cuts for `file`, or undefined when it is not one big pretty-printed List or array of
 * objects (or is not a regular file, or is too small to be worth it).
 */
export function planJsonRanges(file: string, opts: PlanOptions): JsonRangePlan | undefined {
  let fd: number;
  try {
    // Looked at before it is opened: opening a named pipe would wait for its writer, and
    // closing it again would lose what the writer sent to the reader that reads it next.
    if (!statSync(file).isFile()) return undefined;
    fd = openSync(file, 'r');
  } catch {
    return undefined; // The ordinary reader reports it.
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size < opts.minBytes) return undefined;
    const layout = probeLayout(fd);
    if (!layout) return undefined;
    const pattern = Buffer.from(`\n${' '.repeat(layout.indent)}},\n${' '.repeat(layout.indent)}{\n`);
    // Where the next range starts: the newline after `},`.
    const cutOffset = layout.indent + 3;
    const count = Math.max(2, Math.round(st.size / Math.min(opts.rangeBytes, MAX_RANGE)));
    const cuts = [0];
    const window = Buffer.allocUnsafe(WINDOW);
    for (let k = 1; k < count; k++) {
      const target = Math.max(Math.floor((st.size * k) / count), cuts[cuts.length - 1] + 1);
      const at = findPattern(fd, window, pattern, target, Math.min(target + SEARCH, st.size));
      if (at >= 0) cuts.push(at + cutOffset);
    }
    cuts.push(st.size);
    if (cuts.length < 3) return undefined;
    for (let k = 1; k < cuts.length; k++) if (cuts[k] - cuts[k - 1] > MAX_RANGE) return undefined;
    return { file, layout, cuts };
  } finally {
    closeSync(fd);
  }
}

/** The items' layout, from the first item of the first megabyte; undefined if there is none. */
function probeLayout(fd: number): ItemLayout | undefined {
  const head = Buffer.allocUnsafe(CHUNK);
  const n = readSync(fd, head, 0, CHUNK, 0);
  const splitter = new JsonSplitter();
  try {
    const first = splitter.push(head.subarray(0, n)).next();
    return first.done ? undefined : splitter.layout();
  } catch {
    return undefined;
  }
}

/** The offset of `pattern` in [from, to) of the file (it may end past `to`), or -1. */
function findPattern(fd: number, window: Buffer, pattern: Buffer, from: number, to: number): number {
  for (let at = from; at < to; at += window.length - pattern.length) {
    const n = readSync(fd, window, 0, window.length, at);
    if (n < pattern.length) return -1;
    const i = window.subarray(0, n).indexOf(pattern);
    if (i >= 0) return at + i;
  }
  return -1;
}

/**
 * The pieces of range `k`, in order, one at a time as they are taken. Throws
 * RangeMismatch when the range does not end between two items (not the last range), and
 * whatever the splitter throws for malformed input.
 */
export function* rangePieces(plan: JsonRangePlan, k: number): Generator<RangePiece> {
  const start = plan.cuts[k];
  const last = k === plan.cuts.length - 2;
  // The last range reads to the end of the file, whatever its size now.
  const end = last ? Number.POSITIVE_INFINITY : plan.cuts[k + 1];
  const splitter = k === 0 ? new JsonSplitter() : JsonSplitter.resume(plan.layout);
  const fd = openSync(plan.file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, end - start));
    for (let at = start; at < end; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at);
      if (n === 0) {
        if (last) break;
        throw new RangeMismatch(k); // The file shrank under us.
      }
      at += n;
      yield* splitter.push(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  if (last) yield* splitter.end();
  else if (!splitter.endsBetween(plan.layout)) throw new RangeMismatch(k);
}
