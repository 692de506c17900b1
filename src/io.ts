/** Where a command writes: results to stdout, progress and diagnostics to stderr. */
import { createInterface } from 'node:readline/promises';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** A terminal is attached: live progress and questions are possible. */
  readonly tty?: boolean;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
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
