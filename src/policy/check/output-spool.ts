/**
 * Output held back until the input has been read to its end without an error, so bad
 * input (exit 2) prints nothing on stdout: a script piping `-o json` into a parser gets
 * one whole document or none. The text is kept in memory up to a limit and continues
 * in a temporary file past it, so memory stays bounded whatever the input's size.
 */
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Io } from '../../io.js';

/** Pieces handed to stdout: large enough that writes are few, small enough to stream. */
const PIECE = 1 << 16;

export class OutputSpool {
  /** Small writes since the last piece; joined into one flat string per piece. */
  private pending: string[] = [];
  private pendingLength = 0;
  private pieces: string[] = [];
  private held = 0;
  private dir: string | undefined;
  private fd: number | undefined;

  constructor(
    private readonly memoryLimit = 64 << 20,
    /** Where the temporary file's directory is made. */
    private readonly tmp = tmpdir(),
  ) {}

  /** Appends text; lines must end with "\n" (the spool is flushed on line boundaries). */
  write(text: string): void {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= PIECE) this.cut();
  }

  /** Drops everything written so far (the results are being computed again). */
  discard(): void {
    this.pending = [];
    this.pendingLength = 0;
    this.pieces = [];
    this.held = 0;
    this.removeFile();
  }

  /** Writes everything to the output, in order, waiting for stdout to take each piece. */
  async flush(io: Io): Promise<void> {
    this.cut();
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      for await (const chunk of createReadStream(path.join(this.dir!, 'out'), {
        encoding: 'utf8',
        highWaterMark: PIECE,
      })) {
        await put(io, chunk as string);
      }
    }
    for (const piece of this.pieces) await put(io, piece);
    this.pieces = [];
  }

  /**
   * Hands everything written, in order, to `write` (in pieces, read back from the file
   * if it went there), and empties the spool: what one file judged on several threads
   * printed goes into the spool of the whole run this way (parallel.ts).
   */
  moveTo(write: (text: string) => void): void {
    try {
      this.moveAll(write);
    } finally {
      this.discard();
    }
  }

  private moveAll(write: (text: string) => void): void {
    this.cut();
    if (this.fd !== undefined) {
      const file = path.join(this.dir!, 'out');
      const fd = openSync(file, 'r');
      try {
        // A multi-byte character may be cut by a read: the decoder keeps its first bytes.
        const decoder = new StringDecoder('utf8');
        const buffer = Buffer.allocUnsafe(PIECE);
        for (let n = readSync(fd, buffer, 0, PIECE, null); n > 0; n = readSync(fd, buffer, 0, PIECE, null))
          write(decoder.write(buffer.subarray(0, n)));
        write(decoder.end());
      } finally {
        closeSync(fd);
      }
    }
    for (const piece of this.pieces) write(piece);
  }

  /** Removes the temporary file, if one was needed. */
  dispose(): void {
    this.removeFile();
  }

  private cut(): void {
    if (this.pendingLength === 0) return;
    // join() makes one flat string; `+=` would keep thousands of small strings alive as a rope.
    const piece = this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    if (this.fd !== undefined) {
      writeSync(this.fd, piece);
      return;
    }
    this.pieces.push(piece);
    this.held += piece.length;
    if (this.held > this.memoryLimit) {
      // Past the limit: what is held and everything after it goes to the file, in order.
      this.dir = mkdtempSync(path.join(this.tmp, 'kubestrap-out-'));
      this.fd = openSync(path.join(this.dir, 'out'), 'w', 0o600);
      for (const p of this.pieces) writeSync(this.fd, p);
      this.pieces = [];
      this.held = 0;
    }
  }

  private removeFile(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** One piece to stdout; an Io without a raw writer gets it line by line. */
async function put(io: Io, text: string): Promise<void> {
  if (io.write) return io.write(text);
  // A piece may end mid-line only when read back from the file; that is only ever the
  // process's own stdout, which has a raw writer.
  for (const line of text.replace(/\n$/, '').split('\n')) io.out(line);
}
