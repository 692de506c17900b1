/** `kubestrap plan`: the ordered steps of `up` and the exact commands each would run on a fresh node. */
import type { Io } from '../io.js';
import { UserError } from '../errors.js';
import { formatArgv } from '../exec/runner.js';
import { UP_STEPS } from '../steps/index.js';
import { selectSteps } from '../workflow/engine.js';
import { openSession } from './session.js';

export async function planCommand(
  opts: { config?: string; output?: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  if (opts.output !== undefined && opts.output !== 'json')
    throw new UserError(`unknown output format "${opts.output}"; use json`, undefined, '-o');
  // A dry-run session: nothing can change, even by mistake.
  const { ctx } = await openSession({ config: opts.config, dryRun: true }, io, signal);
  const steps = [];
  for (const s of selectSteps(ctx, UP_STEPS, {}))
    steps.push({ name: s.id, title: s.title, commands: await s.plan(ctx), files: (await s.files?.(ctx)) ?? [] });
  if (opts.output === 'json') {
    io.out(
      JSON.stringify({
        steps: steps.map(({ name, commands, files }) => ({
          name,
          commands,
          ...(files.length ? { files: files.map((f) => ({ path: f.path, content: f.text })) } : {}),
        })),
      }),
    );
    return 0;
  }
  steps.forEach((s, i) => {
    io.out(`${i + 1}. ${s.name}: ${s.title}`);
    for (const c of s.commands) io.out(`     ${formatArgv(c)}`);
    if (s.commands.length === 0)
      io.out(
        s.name === 'install'
          ? '     (everything is installed)'
          : s.name === 'preflight'
            ? '     (read-only checks of the host)'
            : '     (read-only checks of the cluster)',
      );
    for (const f of s.files) io.out(`     ${f.path}:\n${f.text.trimEnd().replace(/^/gm, '       | ')}`);
  });
  return 0;
}
