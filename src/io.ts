/** Where a command writes: results to stdout, progress and diagnostics to stderr. */
import { createInterface } from 'node:readline/promises';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /**
   * Big outputs: `text` as is (no newline added), resolved once stdout can take more,
   * so megabytes of results are not queued in memory behind a slow reader.
   */
  write?(text: string): Promise<void>;
  /** A terminal is attached: live progress and questions are possible. */
  readonly tty?: boolean;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  write: (text) =>
    new Promise((resolve) => {
      // A reader that went away (EPIPE) ends the wait too; cli.ts ignores the error itself.
      if (process.stdout.write(text) || process.stdout.destroyed) return resolve();
      const done = () => {
        process.stdout.off('drain', done).off('error', done).off('close', done);
        resolve();
      };
      process.stdout.on('drain', done).on('error', done).on('close', done);
    }),
  tty: Boolean(process.stderr.isTTY && process.stdin.isTTY),
};

/** Asks a yes/no question on the terminal; anything but y/yes is no. */
export async function confirm(_io: Io, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
