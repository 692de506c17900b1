/** Where kubestrap's own files are, wherever it runs from. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of the package.json above a module (pass its import.meta.url): the
 * repository when running from src/, the package when running the bundle from dist/
 * or from an npm install.
 */
export function packageRoot(moduleUrl: string): string {
  const dir = path.dirname(fileURLToPath(moduleUrl));
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) throw new Error(`no package.json above ${dir}`);
  }
}
