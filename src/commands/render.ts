/** `kubestrap render`: every artifact to a directory, touching nothing else. */
import { loadClusterConfig } from '../session/config.js';
import { render } from '../render/index.js';
import path from 'node:path';
import { type ProtectedPath, writeRender } from '../render/write.js';
import type { Io } from '../io.js';

export interface RenderOptions {
  config?: string;
  output: string;
}

export function renderCommand(opts: RenderOptions, io: Io): number {
  const cfg = loadClusterConfig(opts.config);
  const result = render(cfg);
  for (const w of result.warnings) io.err(`warning: ${w}`);
  const protect: ProtectedPath[] = [{ path: process.cwd(), what: 'the working directory' }];
  if (cfg.source) protect.push({ path: path.resolve(cfg.source), what: `the config file ${cfg.source}` });
  if (cfg.cni.manifest)
    protect.push({ path: path.resolve(cfg.baseDir, cfg.cni.manifest), what: `the CNI manifest ${cfg.cni.manifest}` });
  const written = writeRender(opts.output, result.artifacts, { protect });
  io.err(
    `Rendered ${cfg.version.text} (${cfg.mode === 'psp' ? 'PodSecurityPolicy' : 'Pod Security Standards'}, default ${cfg.podSecurity.default}) to ${opts.output}/`,
  );
  for (const f of written) io.out(f);
  return 0;
}
