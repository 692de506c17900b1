import { createContext, type Context } from '../../src/context.js';
import { NO_LOG } from '../../src/exec/log.js';
import type { RunOptions, RunResult, Runner } from '../../src/exec/runner.js';
import { hostPaths } from '../../src/host/paths.js';
import type { Io } from '../../src/io.js';
import { render } from '../../src/render/index.js';
import { configFrom } from './config.js';
import { scratchDir } from './scratch.js';

/** Records every command; answers with what `answer` returns (default: success, no output). */
export class RecordingRunner implements Runner {
  readonly calls: { argv: string[]; opts: RunOptions }[] = [];
  constructor(private readonly answer: (argv: string[]) => Partial<RunResult> = () => ({})) {}
  async run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [file, ...args];
    this.calls.push({ argv, opts });
    return { argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0, ...this.answer(argv) };
  }
}

export const silentIo: Io = { out() {}, err() {} };

export function testContext(
  configText: string,
  runner: Runner = new RecordingRunner(),
  opts: { dryRun?: boolean } = {},
): Context {
  const root = scratchDir('ks-ctx');
  const config = configFrom(configText);
  return createContext({
    config,
    rendered: render(config),
    runner,
    log: NO_LOG,
    io: silentIo,
    paths: hostPaths(root),
    dryRun: opts.dryRun ?? false,
    yes: false,
    interactive: false,
    signal: new AbortController().signal,
    user: { name: 'root', uid: 0, gid: 0, home: '/root' },
  });
}
