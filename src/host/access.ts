/**
 * What kubestrap reads and writes on the host it works on, besides the commands it
 * runs: files under the host's root, its identity. Steps use this and the runner, never
 * node:fs, so the same step works on this machine (LocalHost: node:fs, with the
 * protections of files.ts) and on another over SSH (RemoteHost: the same reads and
 * writes as commands through that host's runner).
 *
 * Paths are absolute host paths already under the root (`paths.at(...)`).
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostError } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import { fileError, MiB, readTextFile, writeFileAtomic } from './files.js';
import type { HostPaths } from './paths.js';

export interface HostAccess {
  readonly paths: HostPaths;
  /** The host's name, for messages and for a node named after it. */
  readonly hostname: string;
  /** The user id commands run as (0 through sudo on a remote host). */
  readonly uid: number;
  /** Exists (a link counts by what it points to). */
  exists(file: string): Promise<boolean>;
  isSymlink(file: string): Promise<boolean>;
  /** The whole text file, or undefined when there is none. */
  readText(file: string): Promise<string | undefined>;
  /** Names in a directory, or undefined when there is no such directory. */
  list(dir: string): Promise<string[] | undefined>;
  /** Permission bits, or undefined when there is no such file. */
  mode(file: string): Promise<number | undefined>;
  /**
   * Replaces `file` with `text` atomically, never writing through a link; its folder is
   * created (with `dirMode`) when missing.
   */
  write(file: string, text: string, opts: { mode: number; dirMode?: number }): Promise<void>;
}

/** Host files kubestrap reads (state, configs, kubeconfigs) are small; this bounds a wrong one. */
const MAX_READ = 64 * MiB;

/** This machine, through node:fs. */
export class LocalHost implements HostAccess {
  readonly hostname = os.hostname();
  readonly uid = process.getuid?.() ?? 0;
  constructor(readonly paths: HostPaths) {}

  async exists(file: string): Promise<boolean> {
    try {
      statSync(file);
      return true;
    } catch {
      return false;
    }
  }

  async isSymlink(file: string): Promise<boolean> {
    try {
      return lstatSync(file).isSymbolicLink();
    } catch {
      return false;
    }
  }

  async readText(file: string): Promise<string | undefined> {
    if (!(await this.exists(file))) return undefined;
    return readTextFile(file, { maxBytes: MAX_READ, owner: 'host' });
  }

  async list(dir: string): Promise<string[] | undefined> {
    try {
      return readdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw fileError(e, dir, 'read', 'host');
    }
  }

  async mode(file: string): Promise<number | undefined> {
    try {
      return statSync(file).mode & 0o777;
    } catch {
      return undefined;
    }
  }

  async write(file: string, text: string, opts: { mode: number; dirMode?: number }): Promise<void> {
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: opts.dirMode ?? 0o755 });
    } catch (e) {
      throw fileError(e, path.dirname(file), 'create', 'host');
    }
    writeFileAtomic(file, text, { mode: opts.mode, owner: 'host' });
  }
}

const octal = (mode: number) => `0${mode.toString(8)}`;

/**
 * Another host, through its runner: `test`, `cat`, `find`, `stat`, and for writes
 * `install` of the text (over stdin) to a fresh name beside the file, then `mv`, which
 * replaces a link rather than writing through it.
 */
export class RemoteHost implements HostAccess {
  constructor(
    private readonly runner: Runner,
    readonly paths: HostPaths,
    readonly hostname: string,
    readonly uid = 0,
    private readonly signal?: AbortSignal,
  ) {}

  private test(flag: string, file: string): Promise<boolean> {
    return this.runner
      .run('test', [flag, file], { allowFailure: true, signal: this.signal })
      .then((r) => r.exitCode === 0);
  }

  exists(file: string): Promise<boolean> {
    return this.test('-e', file);
  }

  isSymlink(file: string): Promise<boolean> {
    return this.test('-L', file);
  }

  async readText(file: string): Promise<string | undefined> {
    const r = await this.runner.run('cat', ['--', file], { allowFailure: true, signal: this.signal });
    if (r.exitCode === 0) return r.stdout;
    if (/No such file or directory/.test(r.stderr)) return undefined;
    throw new HostError(file, `cannot read it: ${r.stderr.trim() || `cat exited with ${r.exitCode}`}`);
  }

  async list(dir: string): Promise<string[] | undefined> {
    const r = await this.runner.run('find', [dir, '-mindepth', '1', '-maxdepth', '1', '-printf', '%f\\0'], {
      allowFailure: true,
      signal: this.signal,
    });
    if (r.exitCode !== 0) {
      if (/No such file or directory|Not a directory/.test(r.stderr)) return undefined;
      throw new HostError(dir, `cannot list it: ${r.stderr.trim()}`);
    }
    return r.stdout.split('\0').filter(Boolean);
  }

  async mode(file: string): Promise<number | undefined> {
    const r = await this.runner.run('stat', ['-c', '%a', '--', file], { allowFailure: true, signal: this.signal });
    return r.exitCode === 0 ? Number.parseInt(r.stdout.trim(), 8) : undefined;
  }

  async write(file: string, text: string, opts: { mode: number; dirMode?: number }): Promise<void> {
    const dir = path.posix.dirname(file);
    const tmp = path.posix.join(dir, `.${path.posix.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
    const run = (argv: string[], input?: string) =>
      this.runner.run(argv[0], argv.slice(1), { mutates: true, input, signal: this.signal });
    if (!(await this.exists(dir))) await run(['install', '-d', '-m', octal(opts.dirMode ?? 0o755), dir]);
    await run(['install', '-m', octal(opts.mode), '/dev/stdin', tmp], text);
    await run(['mv', '-f', '-T', tmp, file]);
  }
}
