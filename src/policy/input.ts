/**
 * Reads Kubernetes objects from `-f` inputs: files or `-` (stdin), YAML (any number
 * of documents) or JSON (one or more values), with `List` objects expanded into
 * their items, the way `kubectl get -o json|yaml` prints them.
 *
 * The input is streamed: each document or List item is parsed on its own and handed
 * out as soon as it is complete, so memory stays flat for big inputs. JSON is
 * parsed with JSON.parse (kubectl's JSON output is the bulk path); YAML with js-yaml,
 * where a duplicate key is an error. Like kubectl, a stream is JSON when its first
 * non-blank character is `{` (or `[`), YAML otherwise.
 *
 * Malformed input is a UserError naming the file, line and column (exit 2).
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { isAscii } from 'node:buffer';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { UserError } from '../errors.js';
import { fileError } from '../host/files.js';
import { jsonErrorOffset, positionIn } from './input/json-error.js';
import { JsonSplitError, JsonSplitter, type JsonPiece } from './input/json-split.js';
import { type YamlPiece, YamlSplitter } from './input/yaml-split.js';

/** One object read from the input, with where it starts. */
export interface SourceObject {
  obj: unknown;
  /** File name as given on the command line; `<stdin>` for `-`. */
  file: string;
  /** 1-based line where the object (document or List item) starts. */
  line: number;
}

export const STDIN_NAME = '<stdin>';

/** Opens a `-f` argument as a byte stream; `-` is `stdin`. */
export function openInput(path: string, stdin: Readable = process.stdin): { name: string; stream: Readable } {
  if (path === '-') return { name: STDIN_NAME, stream: stdin };
  // Big reads: a kubectl dump is tens of megabytes, and each chunk costs a round trip.
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  return { name: path, stream };
}

/**
 * UTF-8 bytes to text, chunk by chunk. kubectl output is nearly always ASCII, which
 * converts byte for byte (cheaper than UTF-8 decoding); any other chunk, and any chunk
 * after one that ended inside a multi-byte character, goes through the UTF-8 decoder.
 */
class Utf8Text {
  private readonly decoder = new StringDecoder('utf8');
  private carry = false;

  text(chunk: string | Buffer): string {
    if (typeof chunk === 'string') return chunk;
    if (!this.carry && isAscii(chunk)) return chunk.toString('latin1');
    this.carry = endsInsideCharacter(chunk);
    return this.decoder.write(chunk);
  }

  end(): string {
    return this.decoder.end();
  }
}

/** Whether the last bytes start a UTF-8 sequence that the next chunk completes. */
function endsInsideCharacter(b: Buffer): boolean {
  for (let k = 1; k <= 3 && k <= b.length; k++) {
    const byte = b[b.length - k];
    if (byte < 0x80) return false;
    if (byte >= 0xc0) return k < (byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2);
  }
  return false;
}

/** Turns an fs error on open into the UserError the CLI prints (exit 2). */
function inputError(e: unknown, file: string): never {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'EISDIR') throw new UserError('is a directory; name the files to read', { file });
  if (typeof code === 'string') throw fileError(e, file, 'read', 'user');
  throw e;
}

/** The most one object (document or List item) may take in the input; far above etcd's 1.5 MiB. */
const MAX_OBJECT_BYTES = 16 * 1024 * 1024;

/**
 * A piece of input text worth parsing on its own: a JSON value or List item, or a YAML
 * document or List entry, with where it starts.
 */
export interface Piece {
  json: boolean;
  text: string;
  line: number;
  col: number;
  /** JSON already parsed by the splitter (its pretty-printed fast path parses as it splits). */
  value?: unknown;
  /** YAML: the stream line of each line, for a List's wrapper (its lines are not contiguous). */
  lineMap?: number[];
  /** YAML: the wrapper left over after a List's entries were split off; it yields no object. */
  listWrapper?: boolean;
}

/**
 * The pieces of one input, a batch per chunk read. Take each batch's pieces before
 * asking for the next batch: they are produced (and, for JSON, parsed) one at a time as
 * they are taken, so parsed objects never pile up and one chunk costs one await, not
 * one per object. JSON is split as bytes (only its pieces are decoded); YAML as text.
 */
export async function* readPieces(
  stream: AsyncIterable<string | Buffer>,
  file: string,
): AsyncGenerator<Iterable<Piece>> {
  let json: JsonSplitter | undefined;
  let yaml: YamlSplitter | undefined;
  // Until the first non-blank character: the text so far, and the chunks it came from.
  let pending = '';
  let pendingChunks: (string | Buffer)[] = [];
  const decoder = new Utf8Text();
  const bytes = new Utf8Bytes();
  // Inputs may be huge (a whole cluster), but one object is not: an input that never completes one
  // (/dev/zero, a binary) stops here instead of filling memory.
  let unfinished = 0;
  const pieceSeen = () => {
    unfinished = 0;
  };
  const count = (length: number) => {
    unfinished += length;
    if (unfinished > MAX_OBJECT_BYTES)
      throw new UserError(
        `no complete object in ${MAX_OBJECT_BYTES / (1024 * 1024)} MiB of input (Kubernetes objects are at most 1.5 MiB); is it the right file?`,
        { file },
      );
  };
  // Like kubectl: JSON when the first non-blank character opens an object or array.
  const detect = (raw: string | Buffer, text: string): Iterable<Piece> => {
    pending += text;
    // A reused read buffer is overwritten by the next read: keep a copy.
    pendingChunks.push(typeof raw === 'string' ? raw : Buffer.from(raw));
    const first = /[^\s\ufeff]/.exec(pending);
    if (!first) return [];
    if (first[0] === '{' || first[0] === '[') {
      json = new JsonSplitter();
      const chunks = pendingChunks;
      pendingChunks = [];
      pending = '';
      return jsonPieces(
        json,
        chunks.map((c) => bytes.of(c)),
        file,
        pieceSeen,
      );
    }
    yaml = new YamlSplitter();
    const all = pending;
    pending = '';
    pendingChunks = [];
    return pieces(false, yaml.push(all), file, pieceSeen);
  };
  try {
    for await (const raw of stream) {
      if (json) {
        const chunk = bytes.of(raw);
        count(chunk.length);
        yield pieces(true, json.push(chunk), file, pieceSeen);
        continue;
      }
      const text = decoder.text(raw);
      count(text.length);
      const batch = yaml ? pieces(false, yaml.push(text), file, pieceSeen) : detect(raw, text);
      if (yaml) await loadYamlReader();
      yield batch;
    }
    if (!json) {
      const text = decoder.end();
      const batch = yaml ? pieces(false, yaml.push(text), file, pieceSeen) : detect('', text);
      if (yaml) await loadYamlReader();
      yield batch;
    }
    if (json) {
      const rest = bytes.end();
      if (rest.length > 0) yield pieces(true, json.push(rest), file, pieceSeen);
      yield pieces(true, json.end(), file, pieceSeen);
    } else if (yaml) {
      yield pieces(false, yaml.end(), file, pieceSeen);
    }
    // An empty or blank input has no splitter and no pieces.
  } catch (e) {
    throw inputProblem(e, file);
  }
}

/** The pieces of several chunks pushed one after the other (what came before JSON was recognised). */
function* jsonPieces(splitter: JsonSplitter, chunks: Uint8Array[], file: string, seen: () => void): Generator<Piece> {
  for (const c of chunks) yield* pieces(true, splitter.push(c), file, seen);
}

/**
 * Chunks as UTF-8 bytes. Buffers pass through; text (a stream with an encoding set, or
 * tests) is encoded, with a high surrogate that ends one chunk held for the low one
 * that starts the next, so a character split between chunks is encoded whole.
 */
class Utf8Bytes {
  private carry = '';

  of(chunk: string | Buffer): Uint8Array {
    if (typeof chunk !== 'string') return chunk;
    let text = this.carry + chunk;
    this.carry = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.carry = text.slice(-1);
      text = text.slice(0, -1);
    }
    return Buffer.from(text, 'utf8');
  }

  end(): Uint8Array {
    const rest = Buffer.from(this.carry, 'utf8');
    this.carry = '';
    return rest;
  }
}

/** Splitter output as Pieces; splitting errors become UserErrors naming the file. */
function* pieces(
  json: boolean,
  split: Iterable<JsonPiece | YamlPiece>,
  file: string,
  seen: () => void,
): Generator<Piece> {
  try {
    for (const p of split) {
      seen();
      yield json ? { json, ...(p as JsonPiece) } : { json, col: 1, ...(p as YamlPiece) };
    }
  } catch (e) {
    throw inputProblem(e, file);
  }
}

function inputProblem(e: unknown, file: string): unknown {
  if (e instanceof JsonSplitError)
    return new UserError(`invalid JSON: ${e.message}`, { file, line: e.line, col: e.col });
  if ((e as NodeJS.ErrnoException)?.code && !(e instanceof UserError)) inputError(e, file);
  return e;
}

/** The objects of one piece: parsed, Lists expanded, blank documents skipped. */
export function* objectsOf(p: Piece, file: string): Generator<SourceObject> {
  yield* objectsIn(p, file);
}

/** objectsOf as an array: the loops that judge pods take it without a generator per piece. */
export function objectsIn(p: Piece, file: string): SourceObject[] {
  if (p.json) return expand(p.value !== undefined ? p.value : parseJson(p.text, p.line, p.col, file), file, p.line);
  const obj = parseYaml(p.text, p.line, p.lineMap, file);
  // The wrapper of a List whose items were already handed out carries nothing more.
  return p.listWrapper ? [] : expand(obj, file, p.line);
}

/**
 * All objects in one input, in order, Lists expanded. `file` is the name used in
 * positions. The stream may deliver bytes (UTF-8) or strings.
 */
export async function* readObjects(stream: AsyncIterable<string | Buffer>, file: string): AsyncGenerator<SourceObject> {
  for await (const batch of readPieces(stream, file)) for (const p of batch) yield* objectsOf(p, file);
}

/** A List (anything with an `items` array) gives its items; a blank document gives nothing. */
function expand(obj: unknown, file: string, line: number): SourceObject[] {
  if (obj === null || obj === undefined) return [];
  const items = (obj as { items?: unknown }).items;
  if (typeof obj === 'object' && !Array.isArray(obj) && Array.isArray(items)) {
    const out: SourceObject[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) out[i] = { obj: items[i], file, line };
    return out;
  }
  return [{ obj, file, line }];
}

function parseJson(text: string, line: number, col: number, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const offset = jsonErrorOffset(text);
    const pos = positionIn(text, Math.max(offset, 0), line, col);
    const reason = (e as Error).message
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/, [\s\S]* is not valid JSON$/, '');
    throw new UserError(`invalid JSON: ${reason}`, { file, line: pos.line, col: pos.col });
  }
}

/** The YAML reader, loaded by readPieces when an input turns out to be YAML (JSON needs none of it). */
let yamlReader: typeof import('./input/yaml-parse.js') | undefined;

async function loadYamlReader(): Promise<void> {
  yamlReader ??= await import('./input/yaml-parse.js');
}

function parseYaml(text: string, line: number, lineMap: number[] | undefined, file: string): unknown {
  if (!yamlReader) throw new Error('YAML pieces come from readPieces, which loads the YAML reader first');
  return yamlReader.parseYaml(text, line, lineMap, file);
}

/** Bytes read from a file per chunk: a kubectl dump is tens of megabytes. */
const CHUNK = 1 << 20;

/** Opens a file; one that cannot be opened is a UserError naming it. */
export async function openFile(file: string, name = file): Promise<AsyncIterable<Buffer>> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    inputError(e, name);
  }
  return fileChunks(handle);
}

/**
 * A file's bytes a chunk at a time, all read into one buffer: each chunk must be taken
 * (turned into text, as readPieces does at once) before the next is asked for. A fresh
 * megabyte per read, as a ReadStream allocates, cost more than the reading itself.
 */
async function* fileChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** Every object of one file. */
export async function* readFile(file: string, name = file): AsyncGenerator<SourceObject> {
  yield* readObjects(await openFile(file, name), name);
}

/** Every object of every input, in command-line order (stdin once, and not kept). */
export async function* readInputs(paths: readonly string[], stdin?: Readable): AsyncGenerator<SourceObject> {
  if (paths.filter((p) => p === '-').length > 1) throw new UserError('stdin ("-") can be read only once');
  for (const path of paths) {
    if (path === '-') yield* readObjects(openInput('-', stdin).stream, STDIN_NAME);
    else yield* readFile(path);
  }
}
