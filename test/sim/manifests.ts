/** Reading `-f` inputs as kubectl does: files, directories, `-` (stdin); YAML streams, JSON, Lists. */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type { KObj } from './types.js';

export interface SourcedObject {
  obj: KObj;
  /** What kubectl calls the source in messages: the path as given, or "STDIN". */
  source: string;
}

export class ManifestError extends Error {}

function readOne(file: string, text: string, out: SourcedObject[]): void {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (e) {
    const m = /line (\d+)/.exec((e as Error).message);
    throw new ManifestError(
      `error parsing ${file}: error converting YAML to JSON: yaml: line ${m ? m[1] : '1'}: ${String((e as { reason?: string }).reason ?? (e as Error).message.split('\n')[0])}`,
    );
  }
  for (const d of docs) {
    if (d === null || d === undefined) continue;
    if (typeof d !== 'object' || Array.isArray(d))
      throw new ManifestError(
        `error validating "${file}": error validating data: invalid object to validate; if you choose to ignore these errors, turn validation off with --validate=false`,
      );
    const o = d as KObj;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items) out.push({ obj: item as KObj, source: file });
    } else out.push({ obj: o, source: file });
  }
}

export function readManifests(files: string[], stdin: () => string, recursive = false): SourcedObject[] {
  const out: SourcedObject[] = [];
  for (const f of files) {
    if (f === '-') {
      readOne('STDIN', stdin(), out);
      continue;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch {
      throw new ManifestError(`the path "${f}" does not exist`);
    }
    if (st.isDirectory()) {
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) {
            if (recursive) walk(p);
          } else if (/\.(ya?ml|json)$/.test(e.name)) readOne(p, fs.readFileSync(p, 'utf8'), out);
        }
      };
      walk(f);
    } else readOne(f, fs.readFileSync(f, 'utf8'), out);
  }
  return out;
}
