/** Asking before a change to a cluster or host. */
import { UserError } from '../errors.js';
import { confirm, type Io } from '../io.js';

/** `--yes`, or a yes on the terminal; without a terminal and without --yes: exit 2. */
export async function confirmChanges(io: Io, yes: boolean | undefined, question: string): Promise<boolean> {
  if (yes) return true;
  if (!io.tty)
    throw new UserError(
      `${question.replace(/\?$/, '')}: pass --yes to confirm when not on a terminal (or --dry-run to only see the changes)`,
    );
  return confirm(io, question);
}
