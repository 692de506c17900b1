/**
 * YAML text for the Go programs that read what kubestrap writes (kubectl, kubeadm, the
 * kubelet, the API server's admission config loader). Their decoder (sigs.k8s.io/yaml on
 * a go-yaml fork) follows neither YAML 1.1 nor 1.2 exactly: a plain `0o17` becomes the
 * number 15 there (kubectl: "cannot unmarshal number into Go struct field
 * ObjectMeta.metadata.name of type string"), while the JS `yaml` library, in either
 * version, leaves it a string. So nothing is left to the reader's guess:
 * - every string value is quoted (double quotes; single quotes when that saves escaping
 *   double quotes), or a `|` block when it has several lines (a block scalar is always a
 *   string);
 * - a mapping key stays plain only when it is a name that no YAML version reads as
 *   anything but a string (letters first, then letters, digits, `-`, `_`, `.`, `/`, and
 *   not a YAML 1.1 boolean or null word); others are double-quoted;
 * - inside double quotes, every character go-yaml would not keep as it is gets an escape:
 *   C0 and C1 controls and DEL ("control characters are not allowed"), NEL, LS and PS
 *   (line breaks to go-yaml, folded into spaces), the BOM, lone surrogates and U+FFFE/FFFF.
 */
import {
  Scalar as ScalarNode,
  stringify,
  type CreateNodeOptions,
  type DocumentOptions,
  type Scalar,
  type SchemaOptions,
  type ToStringOptions,
} from 'yaml';
import { stringifyString } from 'yaml/util';

const NAMED_ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '"': '\\"',
  '\\': '\\\\',
};

/** A character go-yaml would reject, or read as something else, if written as it is. */
function needsEscape(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0xfeff ||
    code === 0xfffe ||
    code === 0xffff ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}

/** `s` as a YAML double-quoted scalar that go-yaml and the JS `yaml` library both read back as `s`. */
export function goQuoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    const named = NAMED_ESCAPES[ch];
    if (named !== undefined) out += named;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      // A surrogate pair is one printable character (an emoji): kept as it is.
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
      } else out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else if (needsEscape(code)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * `s` as a quoted scalar for go-yaml: double-quoted, or single-quoted when it holds double
 * quotes but no single quote and nothing to escape (CEL expressions read better that way;
 * single quotes have no escapes, so go-yaml reads them exactly as well).
 */
export function goQuotedScalar(s: string): string {
  if (s.includes('"') && !s.includes("'")) {
    let plainChars = true;
    for (let i = 0; i < s.length && plainChars; i++) if (needsEscape(s.charCodeAt(i))) plainChars = false;
    if (plainChars) return `'${s}'`;
  }
  return goQuoted(s);
}

const YAML11_WORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);

/** A mapping key every YAML reader takes as this very string without quotes. */
export function isPlainSafeKey(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_./-]*$/.test(s) && !YAML11_WORDS.has(s.toLowerCase());
}

/** Several lines and nothing that needs an escape: readable as a `|` block, which is always a string. */
function fitsBlock(s: string): boolean {
  if (!s.includes('\n')) return false;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code !== 0x0a && code !== 0x09 && needsEscape(code)) return false;
  }
  return true;
}

type StrTag = {
  tag: string;
  stringify?: (item: Scalar, ctx: { implicitKey?: boolean; inFlow?: boolean | null }, ...rest: unknown[]) => string;
};

const STR_TAG = 'tag:yaml.org,2002:str';

function goString(item: Scalar, ctx: Parameters<NonNullable<StrTag['stringify']>>[1], ...rest: unknown[]): string {
  const s = String(item.value);
  if (ctx.implicitKey) return isPlainSafeKey(s) ? s : goQuotedScalar(s);
  if (!ctx.inFlow && fitsBlock(s)) {
    // biome-ignore lint/suspicious/noExplicitAny: the library's own string stringifier, given a block type.
    return (stringifyString as any)({ ...item, value: s, type: 'BLOCK_LITERAL' }, ctx, ...rest);
  }
  return goQuotedScalar(s);
}

/** stringify options for text a Go program reads: YAML 1.1 resolution, no folding, no anchors, strings as above. */
export const GO_YAML: DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions = {
  version: '1.1',
  lineWidth: 0,
  minContentWidth: 0,
  aliasDuplicateObjects: false,
  customTags: (tags) =>
    tags.map((t) =>
      typeof t === 'object' && 'tag' in t && t.tag === STR_TAG ? { ...t, stringify: goString } : t,
    ) as typeof tags,
};

/** A value (object, list or scalar) as YAML text for a Go program, ending in a newline. */
export function toGoYaml(value: unknown): string {
  return toGoYamlDirect(value) ?? toGoYamlWithLibrary(value);
}

/** The same text through the `yaml` library's stringify: the reference, and for what the fast path leaves out. */
export function toGoYamlWithLibrary(value: unknown): string {
  return stringify(value, GO_YAML);
}

/*
 * The fast path. Rendering is most of `kubestrap render`'s own time, and nearly all of it
 * was the library building a node tree and looking up a tag for every scalar. The objects
 * kubestrap writes are plain data (maps, lists, strings, integers, booleans, null), so
 * they are written directly, in the very layout the library gives them: two-space indents,
 * lists indented under their key, `{}`/`[]` for empty collections, `|` blocks as above.
 * Anything else (a float, a very long key, a block string needing an indentation or keep
 * indicator) gives up the whole document to the library. test/render/go-yaml.test.ts holds
 * the two to the same text.
 */
class NotPlain extends Error {}

/** The fast path alone: the text, or undefined when `value` is not plain data it writes. */
export function toGoYamlDirect(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  try {
    const out: string[] = [];
    if (Array.isArray(value) ? value.length === 0 : isEmptyMap(value)) return Array.isArray(value) ? '[]\n' : '{}\n';
    if (Array.isArray(value)) emitSeq(value, '', out);
    else emitMap(value as Record<string, unknown>, '', out);
    return out.join('');
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isEmptyMap(v: object): boolean {
  if (!isPlainObject(v)) throw new NotPlain();
  for (const k in v) if ((v as Record<string, unknown>)[k] !== undefined) return false;
  return true;
}

/** A scalar after `key:` or `- ` (with its leading space), or undefined for a collection. */
function scalarText(v: unknown, indent: string): string | undefined {
  if (v === null || v === undefined) return ' null';
  switch (typeof v) {
    case 'string':
      return ` ${stringText(v, indent)}`;
    case 'boolean':
      return v ? ' true' : ' false';
    case 'number':
      if (!Number.isSafeInteger(v) || Object.is(v, -0)) throw new NotPlain();
      return ` ${v}`;
    case 'object':
      if (Array.isArray(v)) return v.length === 0 ? ' []' : undefined;
      return isEmptyMap(v) ? ' {}' : undefined;
    default:
      throw new NotPlain();
  }
}

/** A string value; `indent` is where a block's lines start. */
function stringText(s: string, indent: string): string {
  if (!fitsBlock(s)) return goQuotedScalar(s);
  // Plain blocks only: no leading space or line break (indentation indicator), and at most
  // one line break at the end, after a character that is not a space (clip or strip).
  const c0 = s.charCodeAt(0);
  if (c0 === 0x20 || c0 === 0x0a || c0 === 0x09) throw new NotPlain();
  const clip = s.endsWith('\n');
  const body = clip ? s.slice(0, -1) : s;
  const last = body.charCodeAt(body.length - 1);
  if (last === 0x0a || last === 0x20 || last === 0x09) throw new NotPlain();
  return `|${clip ? '' : '-'}\n${indent}${body.replace(/\n+/g, (m) => m + indent)}`;
}

function keyText(k: string): string {
  if (k.length > 1000) throw new NotPlain();
  return isPlainSafeKey(k) ? k : goQuotedScalar(k);
}

function emitMap(map: Record<string, unknown>, indent: string, out: string[], firstPrefix?: string): void {
  if (!isPlainObject(map)) throw new NotPlain();
  const inner = `${indent}  `;
  let first = true;
  for (const k in map) {
    const v = map[k];
    if (v === undefined) continue;
    out.push(first && firstPrefix !== undefined ? firstPrefix : indent, keyText(k), ':');
    first = false;
    const text = scalarText(v, inner);
    if (text !== undefined) out.push(text, '\n');
    else {
      out.push('\n');
      if (Array.isArray(v)) emitSeq(v, inner, out);
      else emitMap(v as Record<string, unknown>, inner, out);
    }
  }
}

function emitSeq(seq: unknown[], indent: string, out: string[], firstPrefix?: string): void {
  const inner = `${indent}  `;
  for (let i = 0; i < seq.length; i++) {
    const v = seq[i];
    const dash = i === 0 && firstPrefix !== undefined ? `${firstPrefix}-` : `${indent}-`;
    const text = scalarText(v, inner);
    if (text !== undefined) out.push(dash, text, '\n');
    else if (Array.isArray(v)) emitSeq(v, inner, out, `${dash} `);
    else emitMap(v as Record<string, unknown>, inner, out, `${dash} `);
  }
}

/**
 * Objects as one multi-document file (`---` between them), ending in a newline, each
 * line of `header` first as a comment.
 */
export function toGoYamlDocuments(objects: readonly unknown[], header: readonly string[] = []): string {
  const comment = header.map((l) => (l ? `# ${l}\n` : '#\n')).join('');
  return comment + objects.map((o) => toGoYaml(o)).join('---\n');
}

/**
 * A string node for a document edited in place (the API server's static pod manifest,
 * kubeadm's ClusterConfiguration): plain when no YAML reader could take it for anything
 * but this string (a flag list, a path), so an edit keeps the file's look; double-quoted
 * otherwise (a sha256 in hex can read as a number: `1e5...`). For values without control
 * characters, which is all kubestrap writes there.
 */
export function goStringNode(value: string): ScalarNode {
  const node = new ScalarNode(value);
  if (!/^[A-Za-z/][A-Za-z0-9_.,:/=+@-]*$/.test(value) || YAML11_WORDS.has(value.toLowerCase()))
    node.type = 'QUOTE_DOUBLE';
  return node;
}
