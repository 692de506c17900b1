/**
 * A private mount namespace in which real kubeadm writes "/etc/kubernetes": a temporary
 * directory bind-mounted there. The namespace is held open by a `sleep` started under
 * `unshare --mount`; each command enters it with nsenter (argv arrays, no shell). Inside it
 * /etc is an overlay whose writes land in the temporary directory, so the bind mount has a
 * mount point even on hosts without /etc/kubernetes, and nothing kubeadm does reaches the
 * host's /etc. Closing kills the holder by PID, which ends the namespace and its mounts.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export interface SandboxResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class MountSandbox {
  private constructor(
    private readonly holder: ResultPromise,
    readonly pid: number,
    /** The host directory seen as /etc/kubernetes inside. */
    readonly etcKubernetes: string,
  ) {}

  static async open(dir: string): Promise<MountSandbox> {
    const etcKubernetes = path.join(dir, 'etc-kubernetes');
    const upper = path.join(dir, 'etc-overlay', 'upper');
    const work = path.join(dir, 'etc-overlay', 'work');
    for (const d of [etcKubernetes, upper, work]) mkdirSync(d, { recursive: true });
    const holder = execa('unshare', ['--mount', '--propagation', 'private', 'sleep', 'infinity'], {
      reject: false,
      stdin: 'ignore',
    });
    if (!holder.pid) throw new Error('unshare --mount did not start');
    const box = new MountSandbox(holder, holder.pid, etcKubernetes);
    try {
      // unshare forks nothing for a plain command: its PID is the sleep once the namespace exists.
      await box.waitUntilPrivate();
      await box.must([
        'mount',
        '-t',
        'overlay',
        'etc-overlay',
        '-o',
        `lowerdir=/etc,upperdir=${upper},workdir=${work}`,
        '/etc',
      ]);
      await box.must(['mkdir', '-p', '/etc/kubernetes']);
      await box.must(['mount', '--bind', etcKubernetes, '/etc/kubernetes']);
    } catch (e) {
      await box.close();
      throw e;
    }
    return box;
  }

  /** The holder has left the host's mount namespace (unshare has called unshare(2) and exec'd sleep). */
  private async waitUntilPrivate(): Promise<void> {
    const { readlinkSync } = await import('node:fs');
    const host = readlinkSync('/proc/self/ns/mnt');
    const { waitFor, deadlineIn } = await import('../../../src/exec/wait.js');
    await waitFor(
      async () => {
        if (this.holder.exitCode !== undefined && this.holder.exitCode !== null) {
          throw new Error(`unshare --mount exited: ${(await this.holder).stderr}`);
        }
        try {
          return readlinkSync(`/proc/${this.pid}/ns/mnt`) !== host ? true : undefined;
        } catch {
          return undefined;
        }
      },
      deadlineIn(10),
      { what: 'the private mount namespace', minDelayMs: 5 },
    );
  }

  run(argv: string[], opts: { timeoutMs?: number } = {}): Promise<SandboxResult> {
    return execa('nsenter', ['-t', String(this.pid), '-m', '--', ...argv], {
      reject: false,
      stdin: 'ignore',
      timeout: opts.timeoutMs ?? 120_000,
    }).then((r) => ({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }));
  }

  async must(argv: string[]): Promise<SandboxResult> {
    const r = await this.run(argv);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited with ${r.exitCode}:\n${r.stderr || r.stdout}`);
    return r;
  }

  async close(): Promise<void> {
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await this.holder;
  }
}
