#!/usr/bin/env node
// Runs every benchmark in scripts/bench/ (each a standalone script against the
// compiled dist/), one after another so they do not compete for the 2 cores.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench');
const only = process.argv[2];
let failed = false;
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .sort()) {
  if (only && !file.includes(only)) continue;
  // tsx lets a benchmark use the TypeScript test helpers (the simulated node).
  // Arguments after the name go to that benchmark (`npm run bench -- process --only render`).
  const r = spawnSync(process.execPath, ['--import=tsx', path.join(dir, file), ...process.argv.slice(3)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
