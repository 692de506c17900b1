/**
 * A network namespace the test creates and removes, with a Runner that runs
 * every command inside it: real iptables, real links, nothing of the host.
 */
import { spawnSync } from 'node:child_process';
import { NO_LOG } from '../../src/exec/runner.js';
import { ExecaRunner, type RunOptions, type RunResult, type Runner } from '../../src/exec/runner.js';

/** Can this machine create network namespaces (root, iproute2)? Probed once, synchronously. */
export function netnsAvailable(): boolean {
  const name = `ks-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', name]);
  if (add.status !== 0) return false;
  spawnSync('ip', ['netns', 'del', name]);
  return (
    spawnSync('ip', ['netns', 'exec', 'ks-none', 'true']).error === undefined &&
    spawnSync('iptables', ['--version']).status === 0
  );
}

export class NetnsRunner implements Runner {
  private readonly inner = new ExecaRunner(NO_LOG);
  constructor(readonly ns: string) {}
  async run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    // `ip netns exec` exits 255 when the program is missing; report that as the 127 a shell would.
    const probe = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', file]);
    if (probe.status !== 0)
      return { argv: [file, ...args], exitCode: 127, stdout: '', stderr: `${file}: not found`, durationMs: 0 };
    const r = await this.inner.run('ip', ['netns', 'exec', this.ns, file, ...args], opts);
    return { ...r, argv: [file, ...args] };
  }
}

export function sh(ns: string | undefined, ...argv: string[]): string {
  const full = ns ? ['ip', 'netns', 'exec', ns, ...argv] : argv;
  const r = spawnSync(full[0], full.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${full.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
