/**
 * The `-f` inputs of a command, readable twice.
 *
 * `policy check` must know every PodSecurityPolicy and RBAC object before it can
 * judge the first pod, and they may come after the pods (`kubectl get pods -o json |
 * kubestrap policy check -f - -f policies.yaml`). Holding all pods in memory would
 * make memory grow with the input, so when policies or RBAC come late the inputs are
 * read a second time instead. Stdin cannot be read twice, so the first pass copies it
 * to a temporary file that the second pass reads.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { UserError } from '../../errors.js';
import { objectsOf, openFile, openInput, type Piece, readPieces, STDIN_NAME, type SourceObject } from '../input.js';

export class InputSet {
  private spoolDir: string | undefined;
  private spoolFile: string | undefined;

  /** `replay: false`: second() will not be called, so stdin is not copied. */
  constructor(
    readonly paths: readonly string[],
    private readonly stdin: Readable = process.stdin,
    private readonly replay = true,
  ) {
    if (paths.filter((p) => p === '-').length > 1) throw new UserError('stdin ("-") can be read only once');
  }

  /** First pass: every object, in order; stdin is copied aside for the second pass. */
  async *first(): AsyncGenerator<SourceObject> {
    for await (const b of this.firstBatches()) for (const p of b.pieces) yield* objectsOf(p, b.file);
  }

  /** Second pass: the same objects again (call after first() has run to its end). */
  async *second(): AsyncGenerator<SourceObject> {
    for await (const b of this.secondBatches()) for (const p of b.pieces) yield* objectsOf(p, b.file);
  }

  /**
   * First pass, a batch of pieces per chunk read (see readPieces: take each batch whole,
   * in order). A file `handled` says it has dealt with (the parallel reader) is skipped.
   */
  async *firstBatches(handled?: FileShortcut): AsyncGenerator<Batch> {
    for (const p of this.paths) {
      if (p !== '-' && handled && (await handled(p))) continue;
      if (p === '-' && !this.replay) {
        yield* batches(readPieces(openInput('-', this.stdin).stream, STDIN_NAME), STDIN_NAME);
      } else if (p === '-') {
        this.spoolDir = await mkdtemp(path.join(tmpdir(), 'kubestrap-stdin-'));
        this.spoolFile = path.join(this.spoolDir, 'stdin');
        const out = createWriteStream(this.spoolFile);
        // Bad input stops the copy while a write may still be in flight; its failure
        // then (ERR_STREAM_DESTROYED) must not surface as an unhandled 'error' event.
        let spoolError: unknown;
        out.on('error', (e) => {
          spoolError ??= e;
        });
        const { stream } = openInput('-', this.stdin);
        try {
          yield* batches(readPieces(tee(stream, out), STDIN_NAME), STDIN_NAME);
        } catch (e) {
          await new Promise<void>((resolve) => out.destroy().once('close', () => resolve()));
          throw e;
        }
        if (spoolError) throw spoolError;
        out.end();
        await once(out, 'finish');
      } else {
        yield* batches(readPieces(await openFile(p), p), p);
      }
    }
  }

  /** Second pass, in batches (call after the first pass has run to its end); `handled` as in the first. */
  async *secondBatches(handled?: FileShortcut): AsyncGenerator<Batch> {
    for (const p of this.paths) {
      if (p !== '-' && handled && (await handled(p))) continue;
      const name = p === '-' ? STDIN_NAME : p;
      yield* batches(readPieces(await openFile(p === '-' ? this.spoolFile! : p, name), name), name);
    }
  }

  /** Removes the copy of stdin. */
  async dispose(): Promise<void> {
    if (this.spoolDir) await rm(this.spoolDir, { recursive: true, force: true });
  }
}

/** Reads a file some other way, in its turn; true when it did (the file is then not read here). */
export type FileShortcut = (file: string) => Promise<boolean>;

/** The pieces read from one chunk of one input. */
export interface Batch {
  file: string;
  pieces: Iterable<Piece>;
}

async function* batches(from: AsyncIterable<Iterable<Piece>>, file: string): AsyncGenerator<Batch> {
  for await (const pieces of from) yield { file, pieces };
}

/** Passes the chunks of `input` through, writing each to `out` as well. */
async function* tee(input: AsyncIterable<string | Buffer>, out: WriteStream): AsyncGenerator<string | Buffer> {
  for await (const chunk of input) {
    if (!out.write(chunk)) await once(out, 'drain');
    yield chunk;
  }
}
