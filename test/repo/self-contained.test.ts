/**
 * The repository stands on its own: no tracked file may point at a path outside it
 * (a sibling folder of the checkout, the machine it was written on) or name a document
 * the repository does not hold. What the project relies on lives inside it: the real
 * tools' outputs the simulated node reproduces in test/sim/REAL-OUTPUTS.md, version
 * facts in src/versions.ts with their upstream sources.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface OutsideRef {
  file: string;
  line: number;
  ref: string;
  why: string;
}

/** `../a/b` style paths; `./` and bare names stay inside by construction. */
const RELATIVE = /(?<![\w.])(?:\.\.\/)+[\w.-]+(?:\/[\w.-]+)*/g;
/** Document names such as REAL-OUTPUTS.md: each must be a file of the repository. */
const DOC_NAME = /(?<![\w-])[A-Z][A-Z0-9_-]*[A-Z0-9]\.md\b/g;

/**
 * The references in `text` (the content of `file`, relative to `root`) that lead out of the
 * repository. `tracked` is every tracked path; `beside` is the checkout's parent directory
 * (or undefined): an absolute path into it counts when its first part is a folder that is
 * there (`isFolder`), e.g. a sibling folder of shared documents; not a path that merely
 * starts the same way, nor a scratch file some other program left beside a checkout under
 * /tmp (`/tmp/a` in a test, while a file /tmp/a happens to exist).
 */
function outsideReferences(
  file: string,
  text: string,
  root: string,
  tracked: readonly string[],
  beside: string | undefined,
  isFolder: (p: string) => boolean = folderExists,
): OutsideRef[] {
  const out: OutsideRef[] = [];
  const basenames = new Set(tracked.map((f) => path.basename(f)));
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const m of line.matchAll(RELATIVE)) {
      const resolved = path.resolve(root, path.dirname(file), m[0]);
      if (resolved !== root && !resolved.startsWith(root + path.sep))
        out.push({ file, line: i + 1, ref: m[0], why: `resolves to ${resolved}, outside the repository` });
    }
    for (const m of line.matchAll(DOC_NAME)) {
      if (!basenames.has(m[0])) out.push({ file, line: i + 1, ref: m[0], why: 'no such document in the repository' });
    }
    if (beside === undefined) return;
    const prefix = beside + path.sep;
    for (let at = line.indexOf(prefix); at >= 0; at = line.indexOf(prefix, at + 1)) {
      const ref = /^[^\s'"`),;]+/.exec(line.slice(at))![0];
      const first = path.join(beside, ref.slice(prefix.length).split(path.sep)[0]);
      if (first !== root && isFolder(first))
        out.push({ file, line: i + 1, ref, why: 'an absolute path beside the repository' });
    }
  });
  return out;
}

function folderExists(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
}

test('no tracked file refers to a path outside the repository', (t) => {
  const tracked = trackedFiles();
  t.true(tracked.length > 100, 'git ls-files lists the repository');
  // The checkout's parent (a sibling folder by absolute path), unless the checkout sits at `/`'s top.
  const parent = path.dirname(ROOT);
  const beside = parent === path.parse(parent).root ? undefined : parent;
  const found: OutsideRef[] = [];
  for (const file of tracked) {
    if (file === 'package-lock.json') continue; // registry metadata, no paths of ours
    const buf = readFileSync(path.join(ROOT, file));
    if (buf.includes(0)) continue; // binary
    found.push(...outsideReferences(file, buf.toString('utf8'), ROOT, tracked, beside));
  }
  t.deepEqual(
    found.map((r) => `${r.file}:${r.line}: ${r.ref}: ${r.why}`),
    [],
  );
});

test('the check catches a sibling folder, a document the repository lacks and an absolute path around the checkout', (t) => {
  // Built from pieces so this file itself does not trip the check above.
  const missingDoc = `NO-SUCH-NOTES${'.md'}`;
  const sibling = `../../${'shared'}/docs/notes.md`;
  const root = '/src/repo';
  const tracked = ['README.md', 'test/sim/REAL-OUTPUTS.md', 'src/a.ts'];
  const found = outsideReferences(
    'src/a.ts',
    [
      "import x from '../b.js'; // inside",
      `// texts from ${sibling}`,
      `// see ${missingDoc} and README.md, REAL-OUTPUTS.md`,
      "const f = '/src/other/file';",
      "const g = '/src/repo/inside'; const h = '/src/nothing-there/x';",
    ].join('\n'),
    root,
    tracked,
    '/src',
    (p) => p === '/src/other',
  );
  t.deepEqual(
    found.map((r) => [r.line, r.ref]),
    [
      [2, sibling],
      [3, missingDoc],
      [4, '/src/other/file'],
    ],
  );
});
