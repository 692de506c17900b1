/** `kubestrap render`: every artifact to a directory, touching nothing else. */
import { loadConfig } from '../config/load.js';
import { render } from '../render/index.js';
import { writeRender } from '../render/write.js';
import type { Io } from '../io.js';

export interface RenderOptions {
  config?: string;
  output: string;
}

export function renderCommand(opts: RenderOptions, io: Io): number {
  const cfg = loadConfig(opts.config);
  const result = render(cfg);
  for (const w of result.warnings) io.err(`warning: ${w}`);
  const written = writeRender(opts.output, result.artifacts);
  io.err(
    `Rendered ${cfg.version.text} (${cfg.mode === 'psp' ? 'PodSecurityPolicy' : 'Pod Security Standards'}, default ${cfg.podSecurity.default}) to ${opts.output}/`,
  );
  for (const f of written) io.out(f);
  return 0;
}
