/** How a failed program (kubectl refusing, a deadline passing) becomes an exit code. */
import { CheckFailed } from '../errors.js';
import { CommandError, Interrupted } from './runner.js';
import { TimeoutError } from './wait.js';
import type { Io } from '../io.js';

/**
 * Runs a command body: a kubectl failure (Forbidden, Conflict, ...) or a deadline is a
 * failed check (exit 1, with kubectl's own words), Ctrl-C is 130. Input errors pass
 * through (exit 2).
 */
export async function reportFailures(io: Io, body: () => Promise<number>, context = ''): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof Interrupted) {
      io.err(`interrupted${context ? `: ${context}` : ''}`);
      return 130;
    }
    if (e instanceof CommandError || e instanceof TimeoutError)
      throw new CheckFailed(`${e.message}${context ? `\n${context}` : ''}`);
    throw e;
  }
}
