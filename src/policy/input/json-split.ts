/**
 * Splits a stream of JSON bytes (UTF-8) into the pieces worth parsing one at a time, so
 * a `kubectl get pods -A -o json` of any size is parsed item by item and memory stays
 * flat:
 * - every top-level value (concatenated documents and JSON Lines work);
 * - for a top-level object with an `items` array (a List, as kubectl prints it; kubectl
 *   itself treats anything with an Items field as a list), each item separately and
 *   nothing of the List wrapper;
 * - for a top-level array, each element.
 *
 * It only tracks strings and brackets; JSON.parse does the real parsing of each piece.
 * Positions are 1-based lines and columns of the whole stream, columns counted in
 * characters (UTF-16 code units, as in the decoded text) like every other position the
 * CLI prints.
 *
 * It works on the bytes, not on decoded text: the input is read into one reused buffer
 * and only each piece is decoded, just before it is parsed. Decoding the whole input to
 * text first (a copy of every byte, then more copies as chunks were joined and sliced)
 * cost as much as the splitting itself. Every byte the splitter looks at outside
 * strings is ASCII in valid JSON, and a piece starts and ends at an ASCII bracket, so no
 * piece boundary falls inside a UTF-8 sequence.
 *
 * Fast path: kubectl pretty-prints (Go's json.MarshalIndent), so an item that opens
 * with `{` at the start of a line, indented k spaces, ends at the first line that is
 * exactly k spaces and `}`: raw newlines cannot occur inside JSON strings, and deeper
 * lines are indented more. That end is found by hopping from `}` to `}` instead of
 * walking every byte, and confirmed by JSON.parse of the slice: a slice that starts at
 * the item's `{` and parses as one object necessarily ends at its matching `}`. If
 * the slice does not parse (other formatting), the item is walked as usual.
 */
import { isAscii } from 'node:buffer';

export interface JsonPiece {
  text: string;
  line: number;
  col: number;
  /** Already parsed (the pretty-printed fast path parses as it splits); text is '' then. */
  value?: unknown;
}

/**
 * Where the items of a pretty-printed List (or top-level array) sit: the containers
 * around them and their indentation. A splitter resumed with it at the start of a line
 * that opens an item is in the state one that read everything before would be in.
 */
export interface ItemLayout {
  /** The open containers around the items, outermost first: true for arrays. */
  stack: boolean[];
  /** The indentation, in spaces, of each item's opening and closing line. */
  indent: number;
  /** The top-level object's key state (what decides what comes after the items): as read. */
  expectKey: boolean;
  lastKeyIsItems: boolean;
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
const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
/** The UTF-8 byte-order mark, EF BB BF: blank between values, as U+FEFF is in the text. */
const BOM0 = 0xef;

/** `items`, the key whose array value makes an object a List. */
const ITEMS = [0x69, 0x74, 0x65, 0x6d, 0x73];

/** First buffer size; it grows only for a piece longer than what is left. */
const INITIAL_CAPACITY = 1 << 20;

/** Whether the `}` at `q` is preceded by a newline and exactly `indent` spaces. */
function closesAt(buf: Uint8Array, q: number, indent: number): boolean {
  const nl = q - indent - 1;
  if (nl < 0 || buf[nl] !== NL) return false;
  for (let k = nl + 1; k < q; k++) if (buf[k] !== SPACE) return false;
  return true;
}

/**
 * `at`, or the start of the UTF-8 sequence it would cut: columns decode what is kept of a
 * line from a character's first byte.
 */
function characterStart(buf: Uint8Array, at: number): number {
  let k = at - 1;
  while (k >= 0 && at - k < 4 && (buf[k] & 0xc0) === 0x80) k--;
  if (k < 0 || buf[k] < 0xc0) return at;
  const length = buf[k] >= 0xf0 ? 4 : buf[k] >= 0xe0 ? 3 : 2;
  return at - k < length ? k : at;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === NL || c === CR || c === 0x09;
}

export class JsonSplitter {
  /** The bytes kept, buf = storage[0, length): views are bounded, so searches never see stale bytes. */
  private storage = Buffer.allocUnsafe(INITIAL_CAPACITY);
  private buf = this.storage.subarray(0, 0);
  /** Whether every byte pushed so far is ASCII: then a column is a byte count and a piece decodes as latin1. */
  private ascii = true;
  /** Stream offset of buf[0]. */
  private base = 0;
  private pos = 0;
  private line = 1;
  /** Stream offset just after the last newline, for columns. */
  private lineStart = 0;
  /**
   * Characters on the current line before stream offset `lineCharsAt` (used once the input
   * is not all ASCII: the bytes before it may have been dropped from the buffer).
   */
  private lineChars = 0;
  private lineCharsAt = 0;
  private depth = 0;
  /** Stack of container kinds, true for arrays. */
  private stack: boolean[] = [];

  private inString = false;
  private stringStart = -1;
  /** At depth 1 of a top-level object: the next string is a key. */
  private expectKey = false;
  private lastKeyIsItems = false;

  /** Start (buf index) and position of the top-level value being collected, -1 if none. */
  private valueStart = -1;
  private valueLine = 0;
  private valueCol = 0;
  /** Inside the item list: depth of its elements, and the element being collected. */
  private itemDepth = 0;
  private itemStart = -1;
  private itemLine = 0;
  private itemCol = 0;
  /** Set by end(): no more input will come, so the fast path must not wait for it. */
  private ending = false;
  /** While the fast path waits for more input: keep from here (the item's line start). */
  private holdFrom = -1;
  /** The piece the fast path just completed. */
  private fastPiece: JsonPiece | undefined;
  /** The indentation of the last item the fast path completed, -1 before one. */
  private fastIndent = -1;

  /**
   * A splitter that starts between two items laid out as `layout` says, for input that
   * starts at the newline before an item (json-ranges.ts). Positions it reports count
   * from that newline, so they are meaningful only relative to it.
   */
  static resume(layout: ItemLayout): JsonSplitter {
    const s = new JsonSplitter();
    s.stack = [...layout.stack];
    s.depth = layout.stack.length;
    s.itemDepth = layout.stack.length;
    s.expectKey = layout.expectKey;
    s.lastKeyIsItems = layout.lastKeyIsItems;
    return s;
  }

  /**
   * The layout of the items while the fast path's first piece is being taken (or later,
   * between items); undefined before the fast path has completed an item.
   */
  layout(): ItemLayout | undefined {
    if (this.fastIndent < 0 || !this.betweenItems()) return undefined;
    return {
      stack: [...this.stack],
      indent: this.fastIndent,
      expectKey: this.expectKey,
      lastKeyIsItems: this.lastKeyIsItems,
    };
  }

  /** Whether all pushed input was taken and it ended between two items laid out as `layout`. */
  endsBetween(layout: ItemLayout): boolean {
    return (
      this.pos === this.buf.length &&
      this.holdFrom < 0 &&
      this.betweenItems() &&
      this.expectKey === layout.expectKey &&
      this.lastKeyIsItems === layout.lastKeyIsItems &&
      this.stack.length === layout.stack.length &&
      this.stack.every((isArr, k) => isArr === layout.stack[k])
    );
  }

  private betweenItems(): boolean {
    return (
      !this.inString && this.itemDepth > 0 && this.depth === this.itemDepth && this.itemStart < 0 && this.valueStart < 0
    );
  }

  /**
   * The pieces completed by `chunk` (copied: the caller may reuse it), one at a time: a
   * piece is parsed only when the previous one has been taken, so at most one parsed
   * item is alive here at a time (a whole chunk's worth kept alive together survives
   * into the old generation).
   */
  push(chunk: Uint8Array): Generator<JsonPiece> {
    this.append(chunk);
    return this.drain();
  }

  /** The last pieces; throws when the input ends inside a value. */
  end(): Generator<JsonPiece> {
    this.ending = true;
    return this.finish();
  }

  private append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.ascii && !isAscii(chunk)) {
      this.ascii = false;
      // Columns now count characters; what is kept of the current line so far is ASCII.
      this.lineCharsAt = Math.max(this.lineStart, this.base);
      this.lineChars = this.lineCharsAt - this.lineStart;
    }
    const length = this.buf.length;
    if (length + chunk.length > this.storage.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.storage.length * 2, length + chunk.length));
      this.storage.copy(grown, 0, 0, length);
      this.storage = grown;
    }
    this.storage.set(chunk, length);
    this.buf = this.storage.subarray(0, length + chunk.length);
  }

  private *drain(): Generator<JsonPiece> {
    yield* this.scan();
    this.compact();
  }

  private *finish(): Generator<JsonPiece> {
    yield* this.scan();
    if (this.inString || this.depth > 0) {
      throw new JsonSplitError('unexpected end of JSON input', this.line, this.col(this.base + this.buf.length));
    }
  }

  /** The text of buf[start, end). */
  private text(start: number, end: number): string {
    return this.buf.toString(this.ascii ? 'latin1' : 'utf8', start, end);
  }

  /** 1-based column of a stream offset on the current line, in characters. */
  private col(absOffset: number): number {
    if (this.ascii) return absOffset - this.lineStart + 1;
    if (this.lineCharsAt < this.lineStart) {
      this.lineCharsAt = this.lineStart;
      this.lineChars = 0;
    }
    return this.lineChars + this.text(this.lineCharsAt - this.base, absOffset - this.base).length + 1;
  }

  private *scan(): Generator<JsonPiece> {
    this.holdFrom = -1;
    const buf = this.buf;
    const n = buf.length;
    let i = this.pos;
    while (i < n) {
      if (this.inString) {
        // To the closing quote: JSON strings hold no raw newlines, and an escaped
        // character is never a quote that ends the string.
        let j = i;
        while (j < n) {
          const s = buf[j];
          if (s === QUOTE) break;
          if (s === BACKSLASH) {
            if (j + 1 >= n) break;
            j += 2;
          } else j++;
        }
        if (j >= n || buf[j] !== QUOTE) {
          // Wait for more input; an escape cut by the chunk's end is read again then.
          i = j;
          break;
        }
        this.inString = false;
        if (this.depth === 1 && this.expectKey && !this.stack[0]) {
          this.lastKeyIsItems = this.isItemsKey(this.stringStart + 1, j);
          this.expectKey = false;
        }
        i = j + 1;
        continue;
      }
      const c = buf[i];
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
      if (c === BOM0) {
        if (i + 2 >= n && !this.ending) break;
        if (buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) {
          i += 3;
          continue;
        }
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
        this.lastKeyIsItems = false;
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
          if (c === OPEN_ARR && this.depth === 1 && !this.stack[0] && this.lastKeyIsItems && this.itemDepth === 0) {
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
            yield { text: this.text(this.itemStart, i), line: this.itemLine, col: this.itemCol };
            this.itemStart = -1;
          }
          const isArr = this.stack.pop();
          if (isArr === undefined || isArr !== (c === CLOSE_ARR)) {
            throw new JsonSplitError(`unexpected '${String.fromCharCode(c)}'`, this.line, this.col(this.base + i));
          }
          this.depth--;
          if (this.itemDepth > 0 && this.depth === this.itemDepth && this.itemStart >= 0) {
            yield { text: this.text(this.itemStart, i + 1), line: this.itemLine, col: this.itemCol };
            this.itemStart = -1;
          } else if (this.itemDepth > 0 && this.depth === this.itemDepth - 1) {
            // The item list closed.
            this.itemDepth = 0;
          }
          if (this.depth === 0) {
            if (this.valueStart >= 0)
              yield { text: this.text(this.valueStart, i + 1), line: this.valueLine, col: this.valueCol };
            this.valueStart = -1;
          }
          break;
        }
        case COMMA:
          if (this.depth === 1 && !this.stack[0]) this.expectKey = true;
          if (this.itemDepth > 0 && this.depth === this.itemDepth && this.itemStart >= 0) {
            // A scalar item ended (objects end at their closing brace instead).
            yield { text: this.text(this.itemStart, i), line: this.itemLine, col: this.itemCol };
            this.itemStart = -1;
          }
          break;
        default:
          break;
      }
      i++;
    }
    this.pos = i;
  }

  /** Whether buf[start, end) is exactly `items`. */
  private isItemsKey(start: number, end: number): boolean {
    if (end - start !== ITEMS.length) return false;
    for (let k = 0; k < ITEMS.length; k++) if (this.buf[start + k] !== ITEMS[k]) return false;
    return true;
  }

  /**
   * The pretty-printed fast path for an item opening at `i`: the index after it when it
   * was emitted, 'more' to wait for more input, -1 to walk it byte by byte.
   */
  private fastItem(i: number): number | 'more' {
    const buf = this.buf;
    const n = buf.length;
    let j = i - 1;
    while (j >= 0 && buf[j] === SPACE) j--;
    if (j < 0 || buf[j] !== NL) return -1;
    const indent = i - 1 - j;
    if (i + 1 >= n) {
      if (this.ending) return -1;
      this.holdFrom = j;
      return 'more';
    }
    if (buf[i + 1] !== NL && !(buf[i + 1] === CR && i + 2 < n && buf[i + 2] === NL)) return -1;
    // The first `}` that opens its line after exactly `indent` spaces. Searching for the
    // one byte is far faster than for the whole "\n<spaces>}" sequence.
    let q = buf.indexOf(CLOSE_OBJ, i + 1);
    while (q >= 0 && !closesAt(buf, q, indent)) q = buf.indexOf(CLOSE_OBJ, q + 1);
    if (q < 0) {
      if (this.ending) return -1;
      // Keep the indentation too, so the next attempt can still see where the line starts.
      this.holdFrom = j;
      return 'more';
    }
    const end = q + 1;
    const text = this.text(i, end);
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
    // The item's last line holds only spaces and `}`: its byte offset is the text's.
    if (last >= 0) this.lineStart = this.base + end - (text.length - last - 1);
    this.fastPiece = { text: '', line, col, value };
    this.fastIndent = indent;
    return end;
  }

  /** Drops bytes no longer needed so a long stream does not pile up in memory. */
  private compact(): void {
    let keep = this.pos;
    if (this.valueStart >= 0) keep = Math.min(keep, this.valueStart);
    if (this.itemStart >= 0) keep = Math.min(keep, this.itemStart);
    if (this.inString) keep = Math.min(keep, this.stringStart);
    if (this.holdFrom >= 0) keep = Math.min(keep, this.holdFrom);
    if (!this.ascii) keep = characterStart(this.buf, keep);
    if (keep === 0) return;
    if (!this.ascii) {
      // Count the characters of the current line that are about to be dropped.
      const from = Math.max(this.lineCharsAt, this.lineStart);
      const to = this.base + keep;
      if (from < to) {
        this.lineChars =
          (this.lineCharsAt < this.lineStart ? 0 : this.lineChars) + this.text(from - this.base, keep).length;
        this.lineCharsAt = to;
      }
    }
    const length = this.buf.length;
    this.storage.copyWithin(0, keep, length);
    this.buf = this.storage.subarray(0, length - keep);
    this.base += keep;
    this.pos -= keep;
    if (this.valueStart >= 0) this.valueStart -= keep;
    if (this.itemStart >= 0) this.itemStart -= keep;
    if (this.stringStart >= 0) this.stringStart -= keep;
    if (this.holdFrom >= 0) this.holdFrom -= keep;
  }
}
