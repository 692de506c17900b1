/**
 * Checks a Kubernetes object against the schema of its apiVersion/kind, as the
 * API server (or `kubectl apply --validate=strict`) would: kubernetes-models'
 * validators for types, enums and required fields, plus an unknown-field walk
 * over the models' type declarations (the validators allow extra keys, and a
 * misspelt field such as `allowPrivilegedEscalation` must not pass).
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const MODELS = path.dirname(require.resolve('kubernetes-models/package.json'));
const APIMACHINERY = path.dirname(require.resolve('@kubernetes-models/apimachinery/package.json'));

function groupDir(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion : `v1`;
}

interface Field {
  type: string;
}

interface Iface {
  fields: Map<string, Field>;
  /** Imported type name -> .d.ts file. */
  imports: Map<string, string>;
}

const ifaceCache = new Map<string, Iface>();

function resolveImport(from: string, spec: string): string {
  if (spec.startsWith('@kubernetes-models/apimachinery/')) {
    return path.join(APIMACHINERY, `${spec.slice('@kubernetes-models/apimachinery/'.length)}.d.ts`);
  }
  return path.resolve(path.dirname(from), `${spec}.d.ts`);
}

function loadIface(file: string): Iface {
  const cached = ifaceCache.get(file);
  if (cached) return cached;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    for (const name of m[1].split(',').map((s) => s.trim())) imports.set(name, resolveImport(file, m[2]));
  }
  const start = text.search(/export interface I\w+ (extends TypeMeta )?\{/);
  if (start < 0) throw new Error(`no interface in ${file}`);
  // The interface body ends at the first line that is exactly "}".
  const body = text.slice(text.indexOf('{', start) + 1, text.indexOf('\n}', start));
  const fields = new Map<string, Field>();
  // Strip doc comments, then read `"name"?: type;` (types may span lines for inline maps).
  const code = `${body.replace(/\/\*\*[\s\S]*?\*\//g, '')}\n`;
  for (const m of code.matchAll(/"([^"]+)"\??: ([\s\S]*?);\n/g)) fields.set(m[1], { type: m[2].trim() });
  const iface = { fields, imports };
  ifaceCache.set(file, iface);
  return iface;
}

function walk(value: unknown, type: string, iface: Iface, at: string, problems: string[]): void {
  if (value === null || value === undefined) return;
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, arr[1], iface, `${at}[${i}]`, problems));
    return;
  }
  const ref = iface.imports.get(type);
  if (!ref) return; // primitives, enums and maps: the validators check them
  if (typeof value !== 'object' || Array.isArray(value)) return;
  checkFields(value as Record<string, unknown>, loadIface(ref), at, problems);
}

function checkFields(obj: Record<string, unknown>, iface: Iface, at: string, problems: string[]): void {
  for (const [key, v] of Object.entries(obj)) {
    const f = iface.fields.get(key);
    const where = at ? `${at}.${key}` : key;
    if (!f) {
      problems.push(`${where}: unknown field`);
      continue;
    }
    walk(v, f.type, iface, where, problems);
  }
}

/** Problems with one object; [] when the schema accepts it. */
export function schemaProblems(obj: Record<string, unknown>): string[] {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const dir = path.join(MODELS, groupDir(apiVersion));
  const dts = path.join(dir, `${kind}.d.ts`);
  if (!existsSync(dts)) return [`${apiVersion} ${kind}: no schema known for this apiVersion and kind`];
  const problems: string[] = [];
  const mod = require(path.join(dir, `${kind}.js`)) as Record<string, new (d: unknown) => { validate(): void }>;
  try {
    new mod[kind](obj).validate();
  } catch (e) {
    problems.push(
      `${apiVersion} ${kind} ${String((obj.metadata as { name?: string })?.name)}: ${(e as Error).message}`,
    );
  }
  checkFields(obj, loadIface(dts), '', problems);
  return problems.map((p) =>
    p.startsWith(apiVersion) ? p : `${kind}/${String((obj.metadata as { name?: string })?.name)}: ${p}`,
  );
}
