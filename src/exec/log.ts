/**
 * The run log: every command kubestrap runs, with its exit code and output,
 * appended to a file so a failed `up` can be diagnosed afterwards. Secrets are
 * redacted before anything is written.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { redact } from './redact.js';
import type { RunResult } from './runner.js';

export interface Log {
  write(line: string): void;
  output(result: RunResult): void;
  readonly file?: string;
}

export class FileLog implements Log {
  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  write(line: string): void {
    appendFileSync(this.file, `${new Date().toISOString()} ${redact(line)}\n`, { mode: 0o600 });
  }

  output(r: RunResult): void {
    const indent = (s: string) =>
      redact(s.trimEnd())
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n');
    let text = `  exit ${r.exitCode} after ${Math.round(r.durationMs)} ms\n`;
    if (r.stdout.trim()) text += `  stdout:\n${indent(r.stdout)}\n`;
    if (r.stderr.trim()) text += `  stderr:\n${indent(r.stderr)}\n`;
    appendFileSync(this.file, text, { mode: 0o600 });
  }
}

/** For commands that do not keep a log (tests, plan). */
export const NO_LOG: Log = { write() {}, output() {} };
