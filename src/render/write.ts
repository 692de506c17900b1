/**
 * Writes a render to a directory. The directory is replaced as a whole, so a
 * manifest that a previous render produced (ingress, since switched off) never
 * lingers to be applied. A non-empty directory that kubestrap did not write is
 * refused rather than emptied.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Artifact } from './index.js';

export const RENDER_MARKER = '.kubestrap-render';

export function writeRender(dir: string, artifacts: Artifact[]): string[] {
  const target = path.resolve(dir);
  if (existsSync(target)) {
    const entries = readdirSync(target);
    if (entries.length > 0 && !entries.includes(RENDER_MARKER)) {
      throw new UserError(
        `${dir} is not empty and was not written by kubestrap render; choose another -o directory or empty it`,
        { file: dir },
      );
    }
  }
  // Write next to the target and swap it in, so a failure leaves the previous render intact.
  const staging = `${target}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const written: string[] = [];
  try {
    writeFileSync(
      path.join(staging, RENDER_MARKER),
      'Written by `kubestrap render`; the whole directory is replaced on the next render.\n',
    );
    for (const a of artifacts) {
      const file = path.join(staging, a.path);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, a.text, { mode: a.kind === 'host-file' ? 0o600 : 0o644 });
      written.push(path.join(dir, a.path));
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return written;
}
