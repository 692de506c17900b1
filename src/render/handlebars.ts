/**
 * The one handlebars instance kubestrap renders with. Templates hold YAML
 * structure; every value goes through a helper that emits YAML-safe text:
 *   {{q value}}            one scalar; a string always quoted, so Go's YAML
 *                          decoder (kubectl, kubeadm) reads exactly that string
 *   {{yaml value indent}}  a list or mapping as a YAML block at that indentation
 * A template that prints a bare value ({{name}} or {{{name}}}) is rejected when
 * it is loaded, so a hostile name can never inject YAML.
 */
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { goQuotedScalar, toGoYaml } from './go-yaml.js';
import { PRECOMPILED } from './precompiled.js';

/**
 * templates/ of the package this module belongs to: found from here upwards, because the
 * code runs from src/render/ (tests), from the bundle's dist/chunks/ and from an npm install.
 */
export const TEMPLATES_DIR = path.join(packageRoot(import.meta.url), 'templates');

const hbs = Handlebars.create();

/**
 * A scalar as YAML text that reads back as exactly the same value, in Go's decoder too:
 * a string is always quoted (go-yaml.ts says why), on one line.
 */
export function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot render non-finite number ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value !== 'string')
    throw new Error(`{{q}} takes a scalar, got ${typeof value}; use {{yaml}} for lists and maps`);
  return goQuotedScalar(value);
}

/** A list or mapping as a YAML block, every line indented by `indent` spaces, strings as Go reads them. */
export function yamlBlock(value: unknown, indent: number): string {
  const text = toGoYaml(value).replace(/\n$/, '');
  const pad = ' '.repeat(indent);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

type HelperOptions = { loc?: { start: { line: number } } };

// Strict mode does not cover helper arguments, so the printing helpers check for missing values themselves.
function defined(value: unknown, options: HelperOptions, helper: string): unknown {
  if (value === undefined)
    throw new Error(`{{${helper}}} at template line ${options.loc?.start.line ?? '?'} got a missing value`);
  return value;
}

hbs.registerHelper(
  'q',
  (value: unknown, options: HelperOptions) => new hbs.SafeString(yamlScalar(defined(value, options, 'q'))),
);
hbs.registerHelper(
  'yaml',
  (value: unknown, indent: unknown, options: HelperOptions) =>
    new hbs.SafeString(yamlBlock(defined(value, options, 'yaml'), typeof indent === 'number' ? indent : 0)),
);
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('gte', (a: unknown, b: unknown) => Number(a) >= Number(b));
hbs.registerHelper('lte', (a: unknown, b: unknown) => Number(a) <= Number(b));

/** Helpers that only compute conditions and may not print on their own. */
const PRINTING_HELPERS = new Set(['q', 'yaml']);

type AstNode = { type: string; [k: string]: unknown };

/** Throws when a template prints any value without going through a YAML-safe helper. */
export function assertSafeTemplate(source: string, name: string): void {
  const ast = hbs.parse(source) as unknown as AstNode;
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as AstNode;
    if (n.type === 'MustacheStatement') {
      const p = n.path as { original?: string };
      const params = (n.params as unknown[]) ?? [];
      const line = (n.loc as { start: { line: number } } | undefined)?.start.line;
      if (n.escaped === false)
        throw new Error(`${name}:${line}: triple-stash {{{...}}} is not allowed; use {{q ...}} or {{yaml ...}}`);
      if (!PRINTING_HELPERS.has(p.original ?? '') || params.length === 0) {
        throw new Error(
          `${name}:${line}: {{${p.original}}} prints a raw value; use {{q ${p.original}}} or {{yaml ${p.original} N}}`,
        );
      }
    }
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object' && 'type' in (value as object)) visit(value);
    }
  };
  visit(ast);
}

/** How every template is compiled (strict lookups; the helpers make values YAML-safe, so no HTML escaping). */
export const COMPILE_OPTIONS = { strict: true, noEscape: true } as const;

const cache = new Map<string, HandlebarsTemplateDelegate>();

/** Renders templates/<relPath> with strict lookups: a missing value is an error, not an empty string. */
export function renderTemplate(relPath: string, context: object): string {
  let tpl = cache.get(relPath);
  if (!tpl) {
    const spec = PRECOMPILED?.[relPath];
    if (spec) {
      tpl = hbs.template(spec);
    } else {
      const source = readFileSync(path.join(TEMPLATES_DIR, relPath), 'utf8');
      assertSafeTemplate(source, relPath);
      tpl = hbs.compile(source, COMPILE_OPTIONS);
    }
    cache.set(relPath, tpl);
  }
  return tpl(context);
}

/** Renders a template given as text; for tests of the safety rules. */
export function renderTemplateText(source: string, context: object, name = 'inline'): string {
  assertSafeTemplate(source, name);
  return hbs.compile(source, COMPILE_OPTIONS)(context);
}
