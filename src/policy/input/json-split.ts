/**
 * Splits a stream of JSON text into the pieces worth parsing one at a time, so a
 * `kubectl get pods -A -o json` of any size is parsed item by item and memory stays
 * flat:
 * - every top-level value (concatenated documents and JSON Lines work);
 * - for a top-level object with an `items` array (a List, as kubectl prints it; kubectl
 *   itself treats anything with an Items field as a list), each item separately and
 *   nothing of the List wrapper;
 * - for a top-level array, each element.
 *
 * It only tracks strings and brackets; JSON.parse does the real parsing of each piece.
 * Positions are 1-based lines and columns of the whole stream.
 *
 * Fast path: kubectl pretty-prints (Go's json.MarshalIndent), so an item that opens
 * with `{` at the start of a line, indented k spaces, ends at the first line that is
 * exactly k spaces and `}`: raw newlines cannot occur inside JSON strings, and deeper
 * lines are indented more. That end is found by hopping from `}` to `}` instead of
 * walking every character, and confirmed by JSON.parse of the slice: a slice that starts at
 * the item's `{` and parses as one object necessarily ends at its matching `}`. If
 * the slice does not parse (other formatting), the item is walked as usual.
 */

export interface JsonPiece {
  text: string;
  line: number;
  col: number;
  /** Already parsed (the pretty-printed fast path parses as it splits); text is '' then. */
  value?: unknown;
}

/** Malformed structure the splitter itself can see (unbalanced brackets, stray text). */
export class JsonSplitError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
    this.name = 'JsonSplitError';
  }
}

const OPEN_OBJ = 0x7b; // {
const CLOSE_OBJ = 0x7d; // }
const OPEN_ARR = 0x5b; // [
const CLOSE_ARR = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const NL = 0x0a;

/** Whether the `}` at `q` is preceded by a newline and exactly `indent` spaces. */
function closesAt(buf: string, q: number, indent: number): boolean {
  const nl = q - indent - 1;
  if (nl < 0 || buf.charCodeAt(nl) !== NL) return false;
  for (let k = nl + 1; k < q; k++) if (buf.charCodeAt(k) !== 0x20) return false;
  return true;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === NL || c === 0x0d || c === 0x09 || c === 0xfeff;
}

export class JsonSplitter {
  private buf = '';
  /** Stream offset of buf[0]. */
  private base = 0;
  private pos = 0;
  private line = 1;
  /** Stream offset just after the last newline, for columns. */
  private lineStart = 0;
  private depth = 0;
  /** Stack of container kinds, true for arrays. */
  private stack: boolean[] = [];

  private inString = false;
  private stringStart = -1;
  /** At depth 1 of a top-level object: the next string is a key. */
  private expectKey = false;
  private lastKey: string | undefined;

  /** Start (buf index) and position of the top-level value being collected, -1 if none. */
  private valueStart = -1;
  private valueLine = 0;
  private valueCol = 0;
  /** Inside the item list: depth of its elements, and the element being collected. */
  private itemDepth = 0;
  private itemStart = -1;
  private itemLine = 0;
  private itemCol = 0;
  /** Set by end(): no more text will come, so the fast path must not wait for it. */
  private ending = false;
  /** While the fast path waits for more text: keep from here (the item's line start). */
  private holdFrom = -1;
  /** The piece the fast path just completed. */
  private fastPiece: JsonPiece | undefined;

  /**
   * The pieces completed by `chunk`, one at a time: a piece is parsed only when the
   * previous one has been taken, so at most one parsed item is alive here at a time
   * (a whole chunk's worth kept alive together survives into the old generation).
   */
  push(chunk: string): Generator<JsonPiece> {
    this.buf += chunk;
    return this.drain();
  }

  /** The last pieces; throws when the text ends inside a value. */
  end(): Generator<JsonPiece> {
    this.ending = true;
    return this.finish();
  }

  private *drain(): Generator<JsonPiece> {
    yield* this.scan();
    this.compact();
  }

  private *finish(): Generator<JsonPiece> {
    yield* this.scan();
    if (this.inString || this.depth > 0) {
      throw new JsonSplitError(
        'unexpected end of JSON input',
        this.line,
        this.base + this.buf.length - this.lineStart + 1,
      );
    }
  }

  private col(absOffset: number): number {
    return absOffset - this.lineStart + 1;
  }

  private *scan(): Generator<JsonPiece> {
    this.holdFrom = -1;
    const buf = this.buf;
    const n = buf.length;
    let i = this.pos;
    while (i < n) {
      if (this.inString) {
        // Fast-forward to the closing quote; JSON strings hold no raw newlines.
        let j = buf.indexOf('"', i);
        while (j >= 0) {
          let k = j - 1;
          while (k >= 0 && buf.charCodeAt(k) === BACKSLASH) k--;
          if ((j - 1 - k) % 2 === 0) break;
          j = buf.indexOf('"', j + 1);
        }
        if (j < 0) {
          i = n;
          break;
        }
        this.inString = false;
        if (this.depth === 1 && this.expectKey && !this.stack[0]) {
          this.lastKey = buf.slice(this.stringStart + 1, j);
          this.expectKey = false;
        }
        i = j + 1;
        continue;
      }
      const c = buf.charCodeAt(i);
      if (c === NL) {
        this.line++;
        this.lineStart = this.base + i + 1;
        i++;
        continue;
      }
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (this.depth === 0) {
        if (c !== OPEN_OBJ && c !== OPEN_ARR) {
          throw new JsonSplitError(
            'expected a JSON object or array at the top level',
            this.line,
            this.col(this.base + i),
          );
        }
        this.valueStart = i;
        this.valueLine = this.line;
        this.valueCol = this.col(this.base + i);
        this.lastKey = undefined;
        if (c === OPEN_ARR) {
          // A top-level array: its elements are the pieces.
          this.valueStart = -1;
          this.itemDepth = 1;
        }
      } else if (
        this.itemDepth > 0 &&
        this.depth === this.itemDepth &&
        this.itemStart < 0 &&
        c !== COMMA &&
        c !== CLOSE_ARR
      ) {
        if (c === OPEN_OBJ) {
          const fast = this.fastItem(i);
          if (fast === 'more') break;
          if (fast >= 0) {
            i = fast;
            yield this.fastPiece!;
            continue;
          }
        }
        this.itemStart = i;
        this.itemLine = this.line;
        this.itemCol = this.col(this.base + i);
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          this.stringStart = i;
          break;
        case OPEN_OBJ:
        case OPEN_ARR:
          if (
            c === OPEN_ARR &&
            this.depth === 1 &&
            !this.stack[0] &&
            this.lastKey === 'items' &&
            this.itemDepth === 0
          ) {
            // The items of a List: stream them, drop the wrapper.
            this.itemDepth = 2;
            this.valueStart = -1;
          }
          this.stack.push(c === OPEN_ARR);
          this.depth++;
          if (this.depth === 1) this.expectKey = c === OPEN_OBJ;
          break;
        case CLOSE_OBJ:
        case CLOSE_ARR: {
          if (c === CLOSE_ARR && this.itemDepth > 0 && this.depth === this.itemDepth && this.itemStart >= 0) {
            // A scalar last item ends at the closing bracket.
            yield { text: buf.slice(this.itemStart, i), line: this.itemLine, col: this.itemCol };
            this.itemStart = -1;
          }
          const isArr = this.stack.pop();
          if (isArr === undefined || isArr !== (c === CLOSE_ARR)) {
            throw new JsonSplitError(`unexpected '${String.fromCharCode(c)}'`, this.line, this.col(this.base + i));
          }
          this.depth--;
          if (this.itemDepth > 0 && this.depth === this.itemDepth && this.itemStart >= 0) {
            yield { text: buf.slice(this.itemStart, i + 1), line: this.itemLine, col: this.itemCol };
            this.itemStart = -1;
          } else if (this.itemDepth > 0 && this.depth === this.itemDepth - 1) {
            // The item list closed.
            this.itemDepth = 0;
          }
          if (this.depth === 0) {
            if (this.valueStart >= 0)
              yield { text: buf.slice(this.valueStart, i + 1), line: this.valueLine, col: this.valueCol };
            this.valueStart = -1;
          }
          break;
        }
        case COMMA:
          if (this.depth === 1 && !this.stack[0]) this.expectKey = true;
          if (this.itemDepth > 0 && this.depth === this.itemDepth && this.itemStart >= 0) {
            // A scalar item ended (objects end at their closing brace instead).
            yield { text: buf.slice(this.itemStart, i), line: this.itemLine, col: this.itemCol };
            this.itemStart = -1;
          }
          break;
        case COLON:
          break;
        default:
          break;
      }
      i++;
    }
    this.pos = i;
  }

  /**
   * The pretty-printed fast path for an item opening at `i`: the index after it when it
   * was emitted, 'more' to wait for more text, -1 to walk it character by character.
   */
  private fastItem(i: number): number | 'more' {
    const buf = this.buf;
    if (i + 1 >= buf.length) return this.ending ? -1 : 'more';
    if (buf.charCodeAt(i + 1) !== NL && !(buf.charCodeAt(i + 1) === 0x0d && buf.charCodeAt(i + 2) === NL)) return -1;
    let j = i - 1;
    while (j >= 0 && buf.charCodeAt(j) === 0x20) j--;
    if (j < 0 || buf.charCodeAt(j) !== NL) return -1;
    const indent = i - 1 - j;
    // The first `}` that opens its line after exactly `indent` spaces. Searching for the
    // one character is far faster than for the whole "\n<spaces>}" string.
    let q = buf.indexOf('}', i + 1);
    while (q >= 0 && !closesAt(buf, q, indent)) q = buf.indexOf('}', q + 1);
    if (q < 0) {
      if (this.ending) return -1;
      // Keep the indentation too, so the next attempt can still see where the line starts.
      this.holdFrom = j;
      return 'more';
    }
    const end = q + 1;
    const text = buf.slice(i, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return -1;
    }
    const line = this.line;
    const col = this.col(this.base + i);
    let nl = 0;
    let last = -1;
    for (let x = text.indexOf('\n'); x >= 0; x = text.indexOf('\n', x + 1)) {
      nl++;
      last = x;
    }
    this.line += nl;
    if (last >= 0) this.lineStart = this.base + i + last + 1;
    this.fastPiece = { text: '', line, col, value };
    return end;
  }

  /** Drops text no longer needed so a long stream does not pile up in memory. */
  private compact(): void {
    let keep = this.pos;
    if (this.valueStart >= 0) keep = Math.min(keep, this.valueStart);
    if (this.itemStart >= 0) keep = Math.min(keep, this.itemStart);
    if (this.inString) keep = Math.min(keep, this.stringStart);
    if (this.holdFrom >= 0) keep = Math.min(keep, this.holdFrom);
    if (keep === 0) return;
    this.buf = this.buf.slice(keep);
    this.base += keep;
    this.pos -= keep;
    if (this.valueStart >= 0) this.valueStart -= keep;
    if (this.itemStart >= 0) this.itemStart -= keep;
    if (this.stringStart >= 0) this.stringStart -= keep;
    if (this.holdFrom >= 0) this.holdFrom -= keep;
  }
}
