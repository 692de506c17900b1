#!/usr/bin/env node
// Bundles the simulated node into one CommonJS file (dist-sim/sim.cjs) so each fake
// process loads one file instead of ~60 ES modules: a fake call then costs little more
// than Node's own start-up. Uses the esbuild that tsx brings along; without it the
// fakes run the tsc output (dist-sim/test/sim/main.js), only slower.
//
// zod is only reached through src/k8s/psp.ts, the PodSecurityPolicy spec schema for
// config validation; the admission engine imports only its types (and PSP_ANNOTATIONS
// from k8s/psp-annotations.ts). The bundle swaps zod for a stub whose schemas throw if anything
// ever parses with them, saving ~50 ms per process that admits a pod.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(repo, 'dist-sim/sim.cjs');
let esbuild;
try {
  esbuild = createRequire(path.join(repo, 'package.json'))('esbuild');
} catch {
  fs.rmSync(out, { force: true });
  console.error('bundle-sim: esbuild not found; the fakes will run dist-sim/test/sim/main.js (slower)');
  process.exit(0);
}

const zodStub = `
const fail = () => { throw new Error('simulated node bundle: zod is stubbed out; a schema was used at run time (see test/sim/bundle.mjs)'); };
const handler = {
  get(_t, prop) {
    if (prop === 'parse' || prop === 'safeParse' || prop === 'parseAsync' || prop === 'safeParseAsync') return fail;
    if (prop === Symbol.toPrimitive) return () => 'zod-stub';
    if (prop === 'then') return undefined;
    return stub;
  },
  apply() { return stub; },
};
const stub = new Proxy(function () {}, handler);
export const z = stub;
export default stub;
`;

fs.rmSync(`${out}.v8cache`, { force: true });
await esbuild.build({
  entryPoints: [path.join(repo, 'test/sim/main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: out,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      name: 'zod-stub',
      setup(b) {
        b.onResolve({ filter: /^zod(\/.*)?$/ }, () => ({ path: 'zod-stub', namespace: 'zod-stub' }));
        b.onLoad({ filter: /.*/, namespace: 'zod-stub' }, () => ({ contents: zodStub, loader: 'js' }));
      },
    },
  ],
});
