/** Where a corpus writes its disagreements: a git-ignored file a person can open after a failure. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE } from './cache.js';

/** Writes the entries, or removes an earlier run's file when there are none; the path when written. */
export function writeDisagreements(name: string, entries: unknown[]): string | undefined {
  const dir = path.join(CACHE, 'corpus');
  const file = path.join(dir, `${name}.json`);
  if (entries.length === 0) {
    rmSync(file, { force: true });
    return undefined;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(entries, null, 2)}\n`);
  return file;
}
