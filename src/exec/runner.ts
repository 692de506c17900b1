/**
 * The one way kubestrap runs a program: argv arrays (never a shell string),
 * output captured, every call logged with its output (secrets redacted), and
 * a CommandError that carries what a user needs to act on a failure.
 */
import { execa } from 'execa';
import { redact } from './redact.js';

export interface RunOptions {
  /** The command changes the host or the cluster (recorded, not run, in a dry run). */
  mutates?: boolean;
  input?: string;
  timeoutMs?: number;
  /** A non-zero exit is a result, not an error (probes such as `kubectl auth can-i`). */
  allowFailure?: boolean;
  signal?: AbortSignal;
  env?: Record<string, string>;
}

export interface RunResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export class CommandError extends Error {
  constructor(
    readonly result: RunResult,
    readonly step?: string,
  ) {
    const last = lastLines(result.stderr || result.stdout, 12);
    super(`\`${formatArgv(result.argv)}\` exited with ${result.exitCode}${last ? `:\n${last}` : ''}`);
    this.name = 'CommandError';
  }
}

/** Where the runner records every command and its output (host/log.ts writes the file). */
export interface Log {
  write(line: string): void;
  output(result: RunResult): void;
  readonly file?: string;
}

/** For commands that do not keep a log (tests, plan). */
export const NO_LOG: Log = { write() {}, output() {} };

export interface Runner {
  run(file: string, args: string[], opts?: RunOptions): Promise<RunResult>;
}

/** A command line as a person would type it, secrets redacted, arguments quoted where the shell needs it. */
export function formatArgv(argv: string[]): string {
  return redact(argv.map((a) => (/^[A-Za-z0-9_./:=@,+%^-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' '));
}

function lastLines(text: string, n: number): string {
  return redact(text.trimEnd().split('\n').slice(-n).join('\n'));
}

/** The real runner: execa with an argv array, no shell. */
export class ExecaRunner implements Runner {
  constructor(
    private readonly log: Log,
    private readonly baseEnv: Record<string, string> = {},
  ) {}

  async run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args];
    const started = performance.now();
    this.log.write(`$ ${formatArgv(argv)}`);
    const r = await execa(file, args, {
      input: opts.input ?? '',
      timeout: opts.timeoutMs,
      cancelSignal: opts.signal,
      reject: false,
      env: { ...this.baseEnv, ...opts.env },
      stripFinalNewline: false,
    });
    // A missing program or a timeout has no exit code of its own.
    const result = runResultOf(argv, r, started, 127);
    this.log.output(result);
    if (r.isCanceled) throw new Interrupted(argv);
    if (result.exitCode !== 0 && !opts.allowFailure) throw new CommandError(result);
    return result;
  }
}

/** What execa reports of a finished process, as much as a RunResult needs. */
export interface ProcessOutcome {
  exitCode?: number;
  isCanceled: boolean;
  failed: boolean;
  shortMessage?: string;
  stdout?: unknown;
  stderr?: unknown;
}

/**
 * A RunResult from execa's outcome: a process with no exit code of its own gets 130 when
 * cancelled, else `noExitCode`, and its stderr is execa's message when it wrote none.
 */
export function runResultOf(argv: string[], r: ProcessOutcome, started: number, noExitCode: number): RunResult {
  return {
    argv,
    exitCode: r.exitCode ?? (r.isCanceled ? 130 : noExitCode),
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? '') || (r.failed && r.exitCode === undefined ? (r.shortMessage ?? '') : ''),
    durationMs: performance.now() - started,
  };
}

/** The user pressed Ctrl-C (or the deadline of the whole run passed) while a command ran. */
export class Interrupted extends Error {
  constructor(readonly argv?: string[]) {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/**
 * A dry run: read-only probes run for real (so `check` can say what is done),
 * mutating commands are recorded and answered with success.
 */
export class DryRunRunner implements Runner {
  readonly recorded: string[][] = [];
  constructor(private readonly inner: Runner) {}

  async run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    if (!opts.mutates) return this.inner.run(file, args, opts);
    this.recorded.push([file, ...args]);
    return { argv: [file, ...args], exitCode: 0, stdout: '', stderr: '', durationMs: 0 };
  }
}
