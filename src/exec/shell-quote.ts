/**
 * SSH hands the remote side one string, which the login shell of the remote user
 * parses: an argv must reach it as words that shell cannot read any other way. Each
 * word goes in single quotes (inside which a POSIX shell gives no character a
 * meaning), with a single quote written as '\''. Nothing is left bare, so no word is
 * ever globbed, split, expanded or taken as an assignment, redirection or comment.
 */

/** One word for a POSIX shell. A NUL cannot be in an argv at all: refused. */
export function quoteWord(word: string): string {
  if (word.includes('\0')) throw new Error('a command argument cannot contain a NUL byte');
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as one POSIX shell command line. */
export function quoteArgv(argv: string[]): string {
  if (argv.length === 0) throw new Error('an empty command');
  return argv.map(quoteWord).join(' ');
}
