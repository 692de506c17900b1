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
  return stringify(value, GO_YAML);
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
