/**
 * The one reader of YAML files people write or edit, with the `yaml` library: the
 * cluster config, a custom CNI manifest, the API server's static pod manifest and
 * kubeadm's ClusterConfiguration (edited in place), an admission configuration file.
 * Each document remembers where each value came from, so errors about a field can name
 * its line. Duplicate keys are errors: the seed article's policy repeated keys and the
 * later one silently won. (Bulk input to `policy check|can-i|migrate` has its own
 * faster reader, policy/input.ts; README: Development lists which input gets which.)
 */
import { LineCounter, isMap, isSeq, parseAllDocuments, parseDocument, type Document, type Node } from 'yaml';
import { UserError, UserErrors } from '../errors.js';
import type { KubeDocument } from '../k8s/objects.js';

export type Path = (string | number)[];

export interface YamlSource {
  file: string;
  doc: Document;
  /** 1-based line and column of the value at `path`, or of its nearest ancestor present in the file. */
  position(path: Path, keyOf?: boolean): { line: number; col: number } | undefined;
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems = [...doc.errors];
  if (problems.length > 0) {
    throw new UserErrors(
      problems.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return new UserError(describeYamlError(e.code, e.message), { file, line: pos.line, col: pos.col });
      }),
    );
  }

  const offsetOf = (path: Path, keyOf: boolean): number | undefined => {
    let node: unknown = doc.contents;
    let best: number | undefined = (node as Node | null)?.range?.[0];
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
        if (!pair) return best;
        const keyNode = pair.key as Node | null;
        if (last && keyOf) return keyNode?.range?.[0] ?? best;
        node = pair.value;
        best = (node as Node | null)?.range?.[0] ?? keyNode?.range?.[0] ?? best;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) return best;
        node = item;
        best = item.range?.[0] ?? best;
      } else {
        return best;
      }
    }
    return best;
  };

  return {
    file,
    doc,
    position(path, keyOf = false) {
      const off = offsetOf(path, keyOf);
      if (off === undefined) return undefined;
      return lineCounter.linePos(off);
    },
  };
}

/**
 * The document as plain data. The yaml package refuses to expand aliases past a
 * limit (a "billion laughs" document): that is bad input, not a crash.
 */
export function documentToJS(doc: Document, file: string): unknown {
  try {
    return doc.toJS();
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message))
      throw new UserError(
        'the YAML expands too many aliases (*name) for its size, as an alias bomb does; write the values out',
        { file },
      );
    throw e;
  }
}

function describeYamlError(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') {
    return 'duplicate key: a later value would silently replace the earlier one; keep exactly one';
  }
  // The yaml package appends a source excerpt after the first line; the position is printed separately.
  return message.split('\n')[0];
}

/** `tenants[0].namespace` from ['tenants', 0, 'namespace']. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * Every document of a Kubernetes manifest, as kubectl reads it (YAML 1.1): each must be
 * an object with apiVersion and kind (and metadata.name unless `requireName` is false).
 * Every problem of the file is reported at once, with its line.
 */
export function parseYamlDocuments(
  text: string,
  file: string,
  opts: { version?: '1.1' | '1.2'; requireName?: boolean } = {},
): KubeDocument[] {
  const requireName = opts.requireName ?? true;
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, version: opts.version ?? '1.1' });
  const list = Array.isArray(docs) ? docs : [docs];
  const errors: UserError[] = [];
  const objects: KubeDocument[] = [];
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
    objects.push(o as KubeDocument);
  }
  if (errors.length > 0) throw new UserErrors(errors);
  return objects;
}

/**
 * One document to edit in place (a file the kubelet or kubeadm reads): the Document
 * keeps comments and layout. A syntax error or a duplicate key is `invalid YAML: ...`
 * at its line.
 */
export function parseEditableYaml(text: string, file: string): Document {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, keepSourceTokens: false });
  const err = doc.errors[0];
  if (err) {
    const pos = lineCounter.linePos(err.pos[0]);
    throw new UserError(`invalid YAML: ${err.message.split('\n')[0]}`, { file, line: pos.line, col: pos.col });
  }
  return doc;
}
