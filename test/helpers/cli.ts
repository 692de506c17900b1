import { execa } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CLI = path.resolve('dist/cli.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (npm test builds it first) as a user would, in `cwd`. */
export async function runCli(
  args: string[],
  opts: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does it)');
  const r = await execa('node', [CLI, ...args], {
    cwd: opts.cwd,
    input: opts.input ?? '',
    reject: false,
    env: opts.env,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
