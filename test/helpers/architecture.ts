/**
 * The dependency rules of src/, checked over its imports (test/repo/architecture.test.ts).
 *
 * Each top-level folder of src/ (and each top-level file) is a module with a rank; an
 * import may only go to a module of a lower rank, or to one of the peers listed for
 * its module. Type-only imports count (a type is a dependency too), and so do dynamic
 * `import()`s. Separately, no file may reach itself through imports (no cycles, of
 * files or of modules).
 *
 * dependency-cruiser would need the TypeScript compiler's JS API, which the native
 * TypeScript 7 here does not have; kubestrap's imports are plain enough to read from
 * the source: `import`/`export ... from` statements start a line, `import('...')` is
 * the only dynamic form.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Higher imports lower; equal ranks only through PEERS. */
export const RANKS: Record<string, number> = {
  cli: 9,
  commands: 8,
  // Features: what the commands call. multinode drives the others over many hosts.
  multinode: 7,
  admission: 7,
  audit: 7,
  changes: 7,
  join: 7,
  reset: 7,
  steps: 7,
  verify: 7,
  workflow: 7,
  // What a command works with: config, runner, log, kubectl, the host's paths.
  session: 6,
  render: 5,
  kubeadm: 5,
  config: 4,
  kube: 4,
  policy: 4,
  host: 3,
  exec: 2,
  versions: 2,
  k8s: 1,
  errors: 0,
  io: 0,
  'package-root': 0,
};

/** Imports between modules of the same rank, each one way. */
export const PEERS: Record<string, readonly string[]> = {
  admission: ['audit', 'changes'],
  changes: ['audit'],
  steps: ['verify', 'workflow'],
  multinode: ['steps', 'workflow', 'join', 'verify', 'reset'],
  kubeadm: ['render'],
};

export interface Violation {
  kind: 'direction' | 'cycle' | 'unknown-module';
  /** `kube → workflow`, or the files of a cycle joined by ` → `. */
  what: string;
  /** The import that breaks the rule (file:line), for direction violations. */
  where?: string;
}

interface Import {
  target: string;
  line: number;
}

/** Relative imports of one file: static, re-exports, type-only and dynamic. */
export function importsOf(text: string): { specifier: string; line: number }[] {
  const out: { specifier: string; line: number }[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gms))
    out.push({ specifier: m[1], line: lineOf(m.index) });
  for (const m of text.matchAll(/^import\s*['"]([^'"]+)['"]/gm)) out.push({ specifier: m[1], line: lineOf(m.index) });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    out.push({ specifier: m[1], line: lineOf(m.index) });
  return out.filter((i) => i.specifier.startsWith('.'));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The module a file belongs to: its top-level folder under src, or its own name. */
export function moduleOf(srcDir: string, file: string): string {
  const rel = path.relative(srcDir, file).split(path.sep);
  return rel.length === 1 ? rel[0].replace(/\.ts$/, '') : rel[0];
}

function allowed(from: string, to: string, ranks: Record<string, number>, peers: Record<string, readonly string[]>) {
  if (from === to) return true;
  if (ranks[from] > ranks[to]) return true;
  return (peers[from] ?? []).includes(to);
}

/** Strongly connected components of more than one node (or a node importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

export function checkArchitecture(
  srcDir: string,
  ranks: Record<string, number> = RANKS,
  peers: Record<string, readonly string[]> = PEERS,
): Violation[] {
  const violations: Violation[] = [];
  const files = sourceFiles(srcDir).sort();
  const fileGraph = new Map<string, string[]>();
  const moduleGraph = new Map<string, Set<string>>();
  const seenDirection = new Set<string>();
  for (const file of files) {
    const rel = path.relative(srcDir, file);
    const imports: Import[] = importsOf(readFileSync(file, 'utf8')).map((i) => ({
      target: path.relative(srcDir, path.resolve(path.dirname(file), i.specifier)).replace(/\.js$/, '.ts'),
      line: i.line,
    }));
    fileGraph.set(
      rel,
      imports.map((i) => i.target),
    );
    const from = moduleOf(srcDir, file);
    if (ranks[from] === undefined) {
      violations.push({ kind: 'unknown-module', what: from, where: rel });
      continue;
    }
    for (const i of imports) {
      const to = moduleOf(srcDir, path.join(srcDir, i.target));
      if (from === to) continue;
      if (!moduleGraph.has(from)) moduleGraph.set(from, new Set());
      moduleGraph.get(from)!.add(to);
      if (ranks[to] === undefined) {
        violations.push({ kind: 'unknown-module', what: to, where: `${rel}:${i.line}` });
        continue;
      }
      const what = `${from} → ${to}`;
      if (!allowed(from, to, ranks, peers) && !seenDirection.has(`${what} ${rel}`)) {
        seenDirection.add(`${what} ${rel}`);
        violations.push({ kind: 'direction', what, where: `${rel}:${i.line}` });
      }
    }
  }
  for (const c of cycles(fileGraph)) violations.push({ kind: 'cycle', what: c.join(' → ') });
  const modules = new Map([...moduleGraph].map(([k, v]) => [k, [...v]]));
  for (const c of cycles(modules)) violations.push({ kind: 'cycle', what: `modules ${c.join(' → ')}` });
  return violations;
}
