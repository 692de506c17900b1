/**
 * Golden renders for representative minors: the whole `kubestrap render`
 * output, file by file. Each golden file was reviewed against kubeadm's types
 * for that API version and the upstream manifests (see the README's version
 * matrix). Regenerate after an intended change with UPDATE_GOLDEN=1 npx ava
 * test/render/golden.test.ts, then review the diff.
 */
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadClusterConfig } from '../../src/session/config.js';
import { render } from '../../src/render/index.js';

const FIXTURES = path.resolve('test/fixtures/configs');
const GOLDEN = path.resolve('test/golden');
const update = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

for (const file of readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .sort()) {
  const name = file.replace(/\.yaml$/, '');
  test(`golden render: ${name}`, (t) => {
    const cfg = loadClusterConfig(path.join(FIXTURES, file));
    const { artifacts } = render(cfg);
    const dir = path.join(GOLDEN, name);
    if (update) {
      rmSync(dir, { recursive: true, force: true });
      for (const a of artifacts) {
        mkdirSync(path.dirname(path.join(dir, a.path)), { recursive: true });
        writeFileSync(path.join(dir, a.path), a.text);
      }
    }
    t.deepEqual(artifacts.map((a) => a.path).sort(), listFiles(dir).sort(), 'the set of rendered files');
    for (const a of artifacts) {
      t.is(a.text, readFileSync(path.join(dir, a.path), 'utf8'), `${name}/${a.path}`);
    }
  });
}
