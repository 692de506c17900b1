/**
 * The run log: every command kubestrap runs, with its exit code and output,
 * appended to a file so a failed `up` can be diagnosed afterwards. Secrets are
 * redacted before anything is written.
 *
 * The log is opened without following a symbolic link (kubestrap runs as root;
 * a link at the log's name must not make it append to another file). Logging is
 * best effort once the log is open: a full disk must not stop a teardown halfway.
 */
import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileError } from './files.js';
import type { Io } from '../io.js';
import { redact } from '../exec/redact.js';
import { NO_LOG, type Log, type RunResult } from '../exec/runner.js';

const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

export class FileLog implements Log {
  constructor(readonly file: string) {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      closeSync(openSync(file, APPEND, 0o600));
    } catch (e) {
      throw fileError(e, file, 'write', 'host');
    }
  }

  private append(text: string): void {
    try {
      const fd = openSync(this.file, APPEND, 0o600);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } catch {
      /* best effort: see the module comment */
    }
  }

  write(line: string): void {
    this.append(`${new Date().toISOString()} ${redact(line)}\n`);
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
    this.append(text);
  }
}

/** The log, or none with a warning: not being able to log is no reason to refuse the work. */
export function openLog(file: string, io: Io): Log {
  try {
    return new FileLog(file);
  } catch (e) {
    io.err(`warning: cannot write the log: ${(e as Error).message}`);
    return NO_LOG;
  }
}
