/**
 * Reads rendered (or user-supplied) manifests back into objects, rejecting
 * duplicate keys and documents that are not Kubernetes objects. Every file is
 * read back before it is written or applied.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { UserError, UserErrors } from '../errors.js';
import { documentToJS } from '../config/yaml-source.js';

export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata?: Record<string, unknown>;
};

export function parseManifest(text: string, file: string, opts: { requireName?: boolean } = {}): KubeObject[] {
  const requireName = opts.requireName ?? true;
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, version: '1.1' });
  const list = Array.isArray(docs) ? docs : [docs];
  const errors: UserError[] = [];
  const objects: KubeObject[] = [];
  for (const doc of list) {
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      const msg =
        e.code === 'DUPLICATE_KEY'
          ? 'duplicate key: a later value would silently replace the earlier one'
          : e.message.split('\n')[0];
      errors.push(new UserError(msg, { file, line: pos.line, col: pos.col }));
    }
    if (doc.errors.length > 0) continue;
    const value = documentToJS(doc, file);
    if (value === null || value === undefined) continue;
    const start = lineCounter.linePos(doc.range[0]);
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push(
        new UserError('a document must be a Kubernetes object (a mapping)', { file, line: start.line, col: start.col }),
      );
      continue;
    }
    const o = value as Record<string, unknown>;
    const meta = o.metadata as Record<string, unknown> | undefined;
    const named = meta !== undefined && typeof meta.name === 'string';
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || (requireName && !named)) {
      errors.push(
        new UserError(`a document needs apiVersion, kind${requireName ? ' and metadata.name' : ''}`, {
          file,
          line: start.line,
          col: start.col,
        }),
      );
      continue;
    }
    objects.push(o as KubeObject);
  }
  if (errors.length > 0) throw new UserErrors(errors);
  return objects;
}
