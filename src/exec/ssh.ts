/**
 * Running commands on another host: the system's OpenSSH client, driven with argv
 * arrays through execa like every other command, so ~/.ssh/config, agents, jump hosts
 * and known_hosts work as the user set them up. The remote side gets one shell string
 * (OpenSSH joins whatever follows the host with spaces): every word of the argv is
 * quoted for it (shell-quote.ts).
 *
 * Each host gets one authenticated connection that its commands share (ControlMaster,
 * with the socket in a private directory), so a step's many short commands do not each
 * pay a handshake; `close()` ends them all. Host keys are checked as OpenSSH does:
 * kubestrap never loosens StrictHostKeyChecking (only the inventory's options set it),
 * so a changed key is refused. When the SSH user is not root, commands run through
 * `sudo -n` (never a prompt). No secret may ride in a remote argv (the remote `ps` and
 * the local one would show it): tokens and keys go over stdin into files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { Log } from './runner.js';
import { redact } from './redact.js';
import {
  CommandError,
  formatArgv,
  Interrupted,
  type RunOptions,
  type RunResult,
  type Runner,
  runResultOf,
} from './runner.js';
import { quoteArgv } from './shell-quote.js';

export interface SshTarget {
  /** The inventory's name for the host, in messages and logs. */
  name: string;
  address: string;
  user?: string;
  port?: number;
  identityFile?: string;
  /** `-o name=value`, before kubestrap's own (OpenSSH keeps the first value it reads). */
  options: { name: string; value: string }[];
}

/** The host could not be reached, refused us, or dropped the connection: not a command's own failure. */
export class SshError extends Error {
  constructor(
    readonly host: string,
    message: string,
    readonly hint?: string,
    readonly result?: RunResult,
  ) {
    super(`${host}: ${message}`);
    this.name = 'SshError';
  }
}

/** How long an idle shared connection stays up after its last command (also bounds a leak if kubestrap is killed). */
const PERSIST_SECONDS = 300;

/**
 * The shared connections of one kubestrap run: a private directory (0700) for their
 * sockets, and the masters started in it, all ended by `close()`.
 */
export class SshConnections {
  readonly dir: string;
  private readonly used = new Map<string, SshTarget>();
  private closed = false;

  constructor(base = os.tmpdir()) {
    this.dir = mkdtempSync(path.join(socketBase(base), 'kubestrap-ssh-'));
  }

  /** The ssh options for `target`, up to (not including) the destination. */
  argsFor(target: SshTarget, extra: string[] = []): string[] {
    if (this.closed) throw new Error('the SSH connections of this run are closed');
    this.used.set(destinationKey(target), target);
    const args: string[] = [];
    for (const o of target.options) args.push('-o', `${o.name}=${o.value}`);
    const set = new Set(target.options.map((o) => o.name.toLowerCase()));
    // Only what the inventory leaves open: kubestrap's defaults never replace a user's choice.
    const defaults: [string, string][] = [
      ['ConnectTimeout', '15'],
      // A host that vanishes mid-command is noticed within a minute, not after TCP's hours.
      ['ServerAliveInterval', '15'],
      ['ServerAliveCountMax', '3'],
    ];
    for (const [k, v] of defaults) if (!set.has(k.toLowerCase())) args.push('-o', `${k}=${v}`);
    args.push(
      '-o',
      'BatchMode=yes',
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${path.join(this.dir, '%C')}`,
      '-o',
      `ControlPersist=${PERSIST_SECONDS}`,
    );
    if (target.identityFile) args.push('-i', target.identityFile);
    if (target.user) args.push('-l', target.user);
    if (target.port) args.push('-p', String(target.port));
    return [...args, ...extra];
  }

  /** Ends every shared connection of this run and removes their directory. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    const targets = [...this.used.values()];
    await Promise.all(
      targets.map((t) =>
        execa('ssh', [...this.argsFor(t, ['-O', 'exit']), '--', t.address], { reject: false, input: '' }),
      ),
    );
    this.closed = true;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A socket path must fit sun_path (108 bytes on Linux, 104 on macOS), and ssh first binds
 * `PATH.` plus 16 random characters before renaming it; PATH is the folder, `/` and %C
 * (40 hex digits of host, port and user). A long TMPDIR (macOS's /var/folders/..., a test
 * runner's) would not fit: /tmp, private to the run by mkdtemp's 0700, does.
 */
const MAX_SOCKET_DIR = 104 - 1 - 17 - 41;

function socketBase(base: string): string {
  return base.length + '/kubestrap-ssh-XXXXXX'.length <= MAX_SOCKET_DIR ? base : '/tmp';
}

function destinationKey(t: SshTarget): string {
  return `${t.user ?? ''}@${t.address}:${t.port ?? ''}`;
}

export interface SshRunnerOptions {
  /** Prefix every command with `sudo -n --` (the SSH user is not root). */
  sudo?: boolean;
}

/** A Runner whose commands run on `target` over the run's shared connection. */
export class SshRunner implements Runner {
  constructor(
    readonly target: SshTarget,
    private readonly connections: SshConnections,
    private readonly log: Log,
    private readonly opts: SshRunnerOptions = {},
  ) {}

  get sudo(): boolean {
    return Boolean(this.opts.sudo);
  }

  /** The argv the remote shell runs, before quoting: sudo and env first when needed. */
  remoteArgv(file: string, args: string[], env: Record<string, string> = {}): string[] {
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return [
      ...(this.opts.sudo ? ['sudo', '-n', '--'] : []),
      ...(assignments.length ? ['env', ...assignments] : []),
      file,
      ...args,
    ];
  }

  /** The ssh command line for one remote command. */
  sshArgv(file: string, args: string[], env?: Record<string, string>): string[] {
    return [
      ...this.connections.argsFor(this.target),
      '--',
      this.target.address,
      quoteArgv(this.remoteArgv(file, args, env)),
    ];
  }

  async run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args];
    for (const a of argv)
      if (redact(a) !== a)
        // A bug, not bad input: the remote `ps` (and the local one, through ssh's argv) would show it.
        throw new Error(`refusing to send a secret in a command line to ${this.target.name}: ${formatArgv(argv)}`);
    const started = performance.now();
    this.log.write(`$ [${this.target.name}] ${formatArgv(argv)}`);
    const r = await execa('ssh', this.sshArgv(file, args, opts.env), {
      input: opts.input ?? '',
      timeout: opts.timeoutMs,
      cancelSignal: opts.signal,
      reject: false,
      stripFinalNewline: false,
    });
    // ssh that could not run at all answers as ssh does when it fails: 255.
    const result = runResultOf(argv, r, started, 255);
    this.log.output(result);
    if (r.isCanceled) throw new Interrupted(argv);
    const problem = connectionProblem(this.target, result, this.opts.sudo);
    // Even for a probe: "cannot reach the host" must never read as "the file is not there".
    if (problem) throw problem;
    if (result.exitCode !== 0 && !opts.allowFailure) throw new CommandError(result);
    return result;
  }
}

/**
 * ssh's own failures (exit 255 with its messages) and sudo refusing to run without a
 * password, told apart from a remote command's exit codes.
 */
export function connectionProblem(target: SshTarget, r: RunResult, sudo?: boolean): SshError | undefined {
  const where = `${target.address}${target.port ? ` port ${target.port}` : ''}`;
  const err = r.stderr;
  if (sudo && r.exitCode === 1 && /^sudo: (a password is required|a terminal is required)/m.test(err))
    return new SshError(
      target.name,
      `sudo asks ${target.user ?? 'the SSH user'} for a password, and kubestrap never types one`,
      `allow that user to run commands without a password (a sudoers line with NOPASSWD), or connect as root (ssh.user)`,
      r,
    );
  if (r.exitCode !== 255) return undefined;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(err))
    return new SshError(
      target.name,
      `the host key of ${where} has changed since it was recorded in known_hosts: refused, as OpenSSH refuses it (someone may be intercepting the connection, or the host was reinstalled)`,
      `if the host was reinstalled, check its new key's fingerprint and remove the old one: ssh-keygen -R ${target.port && target.port !== 22 ? `'[${target.address}]:${target.port}'` : target.address}`,
      r,
    );
  if (/Host key verification failed|No .* host key is known for/.test(err))
    return new SshError(
      target.name,
      `the host key of ${where} is not in known_hosts, and kubestrap does not accept unknown keys on its own`,
      'check the key and add it (connect once with ssh, or ssh-keyscan after checking the fingerprint), or set ssh.options.StrictHostKeyChecking: accept-new in the inventory',
      r,
    );
  if (/Permission denied \(/.test(err))
    return new SshError(
      target.name,
      `${where} refused the login${target.user ? ` of ${target.user}` : ''}: ${lastLine(err)}`,
      'check ssh.user and ssh.identityFile (or the agent): `ssh` with the same settings must log in without a password',
      r,
    );
  const connect =
    /ssh: connect to host .*: (.*)$/m.exec(err) ?? /ssh: Could not resolve hostname [^:]*: (.*)$/m.exec(err);
  if (connect)
    return new SshError(
      target.name,
      `cannot reach ${where}: ${connect[1].trim()}`,
      'is the host up and its address right? kubestrap ran nothing on it',
      r,
    );
  // A shared connection that dies (its master gave up on the host) leaves the command's client with 255 and no word.
  if (
    err.trim() === '' ||
    /Timeout, server .* not responding|Connection (to .* closed by remote host|closed by|reset by)|Broken pipe|client_loop: send disconnect|mux_client_|Control socket connect|ControlSocket .* already exists|kex_exchange_identification/.test(
      err,
    )
  )
    return new SshError(
      target.name,
      `the connection to ${where} broke while \`${formatArgv(r.argv)}\` ran${err.trim() ? `: ${lastLine(err)}` : ''}`,
      'whether the command finished on the host is unknown: run kubestrap again when the host is back; it checks what is done before it does anything',
      r,
    );
  if (/^(ssh|command-line:? line \d+|\/.*line \d+): /m.test(err))
    return new SshError(target.name, `ssh failed: ${lastLine(err) || 'exit 255'}`, undefined, r);
  return undefined;
}

function lastLine(text: string): string {
  return redact(text.trim().split('\n').filter(Boolean).pop() ?? '');
}

/**
 * Opens the shared connection to `target` (its first command authenticates, checks the
 * host key and starts the master) and returns the runner for it: through `sudo -n` when
 * the login is not root, after checking that sudo runs without a password.
 */
export async function connectSsh(
  target: SshTarget,
  connections: SshConnections,
  log: Log,
  signal?: AbortSignal,
): Promise<SshRunner> {
  const plain = new SshRunner(target, connections, log);
  const id = await plain.run('id', ['-u'], { signal });
  if (id.stdout.trim() === '0') return plain;
  const sudo = new SshRunner(target, connections, log, { sudo: true });
  await sudo.run('true', [], { signal });
  return sudo;
}

/**
 * What OpenSSH itself says about the options of `target` (`ssh -G`: reads the
 * configuration, contacts nobody): undefined when it accepts them, else each option
 * it refuses with ssh's words, so the inventory's line can be named before any host
 * is touched.
 */
export async function refusedOptions(target: SshTarget): Promise<{ index: number; message: string }[]> {
  const check = async (options: SshTarget['options']) => {
    const args = options.flatMap((o) => ['-o', `${o.name}=${o.value}`]);
    const r = await execa('ssh', ['-G', ...args, '--', target.address], { reject: false, input: '' });
    return r.exitCode === 0 ? undefined : lastLine(String(r.stderr)) || `ssh -G exited with ${r.exitCode}`;
  };
  if ((await check(target.options)) === undefined) return [];
  const out: { index: number; message: string }[] = [];
  for (const [index, o] of target.options.entries()) {
    const message = await check([o]);
    if (message !== undefined) out.push({ index, message: message.replace(/^command-line:? line \d+: /, '') });
  }
  return out;
}
