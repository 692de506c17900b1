#!/usr/bin/env node
// Builds the CLI users run: type-checks src/ (tsc, no output), then bundles src/cli.ts
// with its dependencies into dist/cli.js plus dist/chunks/ (esbuild). Each command's
// modules sit in their own chunks, loaded by the dynamic import() in cli.ts when that
// command runs, so `kubestrap render` parses none of `policy check`'s code and the
// reverse. One file per chunk instead of ~200 modules in node_modules and dist/ is
// what brings a cold start close to bare Node (README: Development, bench).
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

const tsc = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

/**
 * src/render/precompiled.ts in the bundle: every template precompiled, each first put
 * through the check renderTemplate makes (no value printed without a YAML-safe helper).
 * With all templates precompiled the bundle needs only the Handlebars runtime.
 */
async function precompiledTemplates() {
  const { assertSafeTemplate, COMPILE_OPTIONS } = await import(
    pathToFileURL(path.join(root, 'src/render/handlebars.ts')).href
  );
  const dir = path.join(root, 'templates');
  const entries = readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.hbs'))
    .sort()
    .map((rel) => {
      const source = readFileSync(path.join(dir, rel), 'utf8');
      assertSafeTemplate(source, rel);
      return `  ${JSON.stringify(rel.split(path.sep).join('/'))}: ${Handlebars.precompile(source, COMPILE_OPTIONS)},`;
    });
  return `export const PRECOMPILED = {\n${entries.join('\n')}\n};\n`;
}

const precompiled = {
  name: 'precompiled-templates',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]render[\\/]precompiled\.ts$/ }, async () => ({
      contents: await precompiledTemplates(),
      loader: 'js',
    }));
    // Every template is precompiled, so the compiler half of Handlebars is never used.
    b.onResolve({ filter: /^handlebars$/ }, () => ({
      path: path.join(root, 'node_modules/handlebars/dist/cjs/handlebars.runtime.js'),
    }));
  },
};

rmSync(dist, { recursive: true, force: true });
await build({
  // The worker threads of `policy check` on big inputs (src/policy/check/parallel.ts) run dist/range-worker.js.
  entryPoints: {
    cli: path.join(root, 'src/cli.ts'),
    'range-worker': path.join(root, 'src/policy/check/range-worker.ts'),
  },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // Whitespace and syntax only: names stay, so an internal error's stack (exit 70) is readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [precompiled],
  // Bundled CommonJS packages (commander, handlebars) call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __ksRequire } from 'node:module'; const require = __ksRequire(import.meta.url);",
  },
});
chmodSync(path.join(dist, 'cli.js'), 0o755);
