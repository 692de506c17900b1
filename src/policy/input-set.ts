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
import { UserError } from '../errors.js';
import { openInput, readFile, readObjects, STDIN_NAME, type SourceObject } from './input.js';

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
    for (const p of this.paths) {
      if (p === '-' && !this.replay) {
        yield* readObjects(openInput('-', this.stdin).stream, STDIN_NAME);
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
          yield* readObjects(tee(stream, out), STDIN_NAME);
        } catch (e) {
          await new Promise<void>((resolve) => out.destroy().once('close', () => resolve()));
          throw e;
        }
        if (spoolError) throw spoolError;
        out.end();
        await once(out, 'finish');
      } else {
        yield* readFile(p);
      }
    }
  }

  /** Second pass: the same objects again (call after first() has run to its end). */
  async *second(): AsyncGenerator<SourceObject> {
    for (const p of this.paths) {
      if (p === '-') yield* readFile(this.spoolFile!, STDIN_NAME);
      else yield* readFile(p);
    }
  }

  /** Removes the copy of stdin. */
  async dispose(): Promise<void> {
    if (this.spoolDir) await rm(this.spoolDir, { recursive: true, force: true });
  }
}

/** Passes the chunks of `input` through, writing each to `out` as well. */
async function* tee(input: AsyncIterable<string | Buffer>, out: WriteStream): AsyncGenerator<string | Buffer> {
  for await (const chunk of input) {
    if (!out.write(chunk)) await once(out, 'drain');
    yield chunk;
  }
}
