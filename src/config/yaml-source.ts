/**
 * A YAML document that remembers where each value came from, so errors about a
 * field can name its line. Duplicate keys are errors: the seed article's policy
 * repeated keys and the later one silently won.
 */
import { LineCounter, isMap, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { UserError, UserErrors } from '../errors.js';

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
