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
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { load, YAMLException } from 'js-yaml';
import { UserError } from '../errors.js';
import { fileError } from '../host/files.js';
import { jsonErrorOffset, positionIn } from './input/json-error.js';
import { JsonSplitError, JsonSplitter, type JsonPiece } from './input/json-split.js';
import { MANIFEST_SCHEMA } from './input/yaml-schema.js';
import { YamlSplitter } from './input/yaml-split.js';

/** One object read from the input, with where it starts. */
export interface SourceObject {
  obj: unknown;
  /** File name as given on the command line; `<stdin>` for `-`. */
  file: string;
  /** 1-based line where the object (document or List item) starts. */
  line: number;
}

export const STDIN_NAME = '<stdin>';

/** Opens a `-f` argument as a text stream; `-` is `stdin`. */
export function openInput(path: string, stdin: Readable = process.stdin): { name: string; stream: Readable } {
  if (path === '-') {
    stdin.setEncoding('utf8');
    return { name: STDIN_NAME, stream: stdin };
  }
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  return { name: path, stream };
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

interface Splitter<P> {
  push(chunk: string): P[];
  end(): P[];
}

/**
 * All objects in one input, in order, Lists expanded. `file` is the name used in
 * positions. The stream must deliver strings (setEncoding('utf8')).
 */
export async function* readObjects(stream: AsyncIterable<string | Buffer>, file: string): AsyncGenerator<SourceObject> {
  let mode: 'json' | 'yaml' | undefined;
  let splitter: Splitter<unknown> | undefined;
  let pending = '';
  // Inputs may be huge (a whole cluster), but one object is not: an input that never completes one
  // (/dev/zero, a binary) stops here instead of filling memory.
  let unfinished = 0;
  const tooBig = () =>
    new UserError(
      `no complete object in ${MAX_OBJECT_BYTES / (1024 * 1024)} MiB of input (Kubernetes objects are at most 1.5 MiB); is it the right file?`,
      { file },
    );
  try {
    for await (const raw of stream) {
      const chunk = typeof raw === 'string' ? raw : raw.toString('utf8');
      unfinished += chunk.length;
      if (unfinished > MAX_OBJECT_BYTES) throw tooBig();
      if (!mode) {
        pending += chunk;
        const first = /[^\s\ufeff]/.exec(pending);
        if (!first) continue;
        mode = first[0] === '{' || first[0] === '[' ? 'json' : 'yaml';
        splitter = mode === 'json' ? new JsonSplitter() : new YamlSplitter();
        const firstPieces = splitter.push(pending);
        if (firstPieces.length > 0) unfinished = 0;
        yield* emit(mode, firstPieces, file);
        pending = '';
        continue;
      }
      const pieces = splitter!.push(chunk);
      if (pieces.length > 0) unfinished = 0;
      yield* emit(mode, pieces, file);
    }
    if (!mode) return; // empty or blank input: no objects
    yield* emit(mode, splitter!.end(), file);
  } catch (e) {
    if (e instanceof JsonSplitError)
      throw new UserError(`invalid JSON: ${e.message}`, { file, line: e.line, col: e.col });
    if ((e as NodeJS.ErrnoException)?.code && !(e instanceof UserError)) inputError(e, file);
    throw e;
  }
}

function* emit(mode: 'json' | 'yaml', pieces: unknown[], file: string): Generator<SourceObject> {
  if (mode === 'json') {
    for (const p of pieces as JsonPiece[])
      yield* expand(p.value !== undefined ? p.value : parseJson(p.text, p.line, p.col, file), file, p.line);
  } else {
    for (const p of pieces as { text: string; line: number; lineMap?: number[]; listWrapper?: boolean }[]) {
      const obj = parseYaml(p.text, p.line, p.lineMap, file);
      // The wrapper of a List whose items were already handed out carries nothing more.
      if (p.listWrapper) continue;
      yield* expand(obj, file, p.line);
    }
  }
}

/** A List (anything with an `items` array) yields its items; blank documents yield nothing. */
function* expand(obj: unknown, file: string, line: number): Generator<SourceObject> {
  if (obj === null || obj === undefined) return;
  const items = (obj as { items?: unknown }).items;
  if (typeof obj === 'object' && !Array.isArray(obj) && Array.isArray(items)) {
    for (const item of items) yield { obj: item, file, line };
    return;
  }
  yield { obj, file, line };
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

function parseYaml(text: string, line: number, lineMap: number[] | undefined, file: string): unknown {
  try {
    return load(text, { schema: MANIFEST_SCHEMA, filename: file });
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const mark = e.mark as { line: number; column: number } | undefined;
    const rel = mark?.line ?? 0;
    const at = lineMap ? (lineMap[Math.min(rel, lineMap.length - 1)] ?? line) : line + rel;
    throw new UserError(`invalid YAML: ${e.reason}`, { file, line: at, col: (mark?.column ?? 0) + 1 });
  }
}

/** Every object of one file; a file that cannot be opened is a UserError naming it. */
export async function* readFile(file: string, name = file): AsyncGenerator<SourceObject> {
  const { stream } = openInput(file);
  try {
    await once(stream, 'open');
  } catch (e) {
    inputError(e, name);
  }
  yield* readObjects(stream, name);
}

/** Every object of every input, in command-line order (stdin once, and not kept). */
export async function* readInputs(paths: readonly string[], stdin?: Readable): AsyncGenerator<SourceObject> {
  if (paths.filter((p) => p === '-').length > 1) throw new UserError('stdin ("-") can be read only once');
  for (const path of paths) {
    if (path === '-') yield* readObjects(openInput('-', stdin).stream, STDIN_NAME);
    else yield* readFile(path);
  }
}
