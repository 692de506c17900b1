/**
 * The shared setup of the commands that act on a host (up, plan, verify,
 * reset, rebuild): config, render, runner and log, the invoking user, the
 * context, and the progress reporter for the flags given.
 */
import { loadClusterConfig } from '../session/config.js';
import { createContext, invokingUser, type Context } from '../context.js';
import { NO_LOG, type Log } from '../exec/runner.js';
import { openLog } from '../host/log.js';
import { DryRunRunner, ExecaRunner, type Runner } from '../exec/runner.js';
import { hostPaths, type HostPaths } from '../host/paths.js';
import type { Io } from '../io.js';
import { render } from '../render/index.js';
import { JsonReporter, PlainReporter, QuietReporter, TtyReporter, type Reporter } from '../workflow/progress.js';

export interface SessionOptions {
  config?: string;
  dryRun?: boolean;
  yes?: boolean;
  /** Keep a log file (commands that change the host). */
  log?: boolean;
}

export interface Session {
  ctx: Context;
  paths: HostPaths;
  log: Log;
}

export async function openSession(opts: SessionOptions, io: Io, signal: AbortSignal): Promise<Session> {
  const config = loadClusterConfig(opts.config);
  const rendered = render(config);
  for (const w of rendered.warnings) io.err(`warning: ${w}`);
  const paths = hostPaths();
  const log = opts.log && !opts.dryRun ? openLog(paths.logFile, io) : NO_LOG;
  const base = new ExecaRunner(log, passEnv());
  const runner: Runner = opts.dryRun ? new DryRunRunner(base) : base;
  const user = await invokingUser(runner);
  const ctx = createContext({
    config,
    rendered,
    runner,
    log,
    io,
    paths,
    dryRun: Boolean(opts.dryRun),
    yes: Boolean(opts.yes),
    interactive: Boolean(io.tty),
    signal,
    user,
  });
  return { ctx, paths, log };
}

/** Child processes get our environment (PATH, KUBESTRAP_ROOT for the tests' simulated node). */
function passEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

export function chooseReporter(io: Io, opts: { quiet?: boolean; output?: string }): Reporter {
  if (opts.output === 'json') return new JsonReporter(io);
  if (opts.quiet) return new QuietReporter(io);
  return io.tty ? new TtyReporter() : new PlainReporter(io);
}
