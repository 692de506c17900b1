/**
 * Every file kubestrap renders decodes in Go's YAML exactly as kubestrap meant it. The JS
 * `yaml` library and Go's decoder (sigs.k8s.io/yaml on a go-yaml fork) disagree on plain
 * scalars such as `0o17` (a string to one, the number 15 to the other), so the golden
 * renders, a render full of hostile names, and the YAML-safe block helper are decoded by
 * the real kubectl builds: `kubectl label --local -o json -f FILE` decodes each document
 * into its Go type (a wrong type fails: "cannot unmarshal number into Go struct field
 * ObjectMeta.metadata.name of type string") and prints it back without a cluster.
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { toGoYaml } from '../../src/render/go-yaml.js';
import { render } from '../../src/render/index.js';
import { kubectlBuilds, minorsOf, missingKubectlReason } from '../helpers/kubectl-builds.js';
import { requires } from '../helpers/requires.js';

const { builds, missing } = kubectlBuilds();
const kubectlTest = requires(missing.length === 0, missingKubectlReason(missing));
const GOLDEN = path.resolve('test/golden');
const MARK = 'kubestrap-decode-check';

type Obj = Record<string, any>;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** The documents of a file as kubestrap means them (what its own parse-back reads). */
function meant(text: string): Obj[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

/** What a real kubectl decodes from the files, documents in order; decode errors are returned, not thrown. */
async function decoded(bin: string, files: string[]): Promise<{ objects: Obj[]; stderr: string }> {
  const args = ['label', '--local', '-o', 'json', ...files.flatMap((f) => ['-f', f]), `${MARK}=yes`];
  const r = await execa(bin, args, { reject: false, env: { KUBECONFIG: '/dev/null' } });
  const objects = String(r.stdout)
    .split(/^}$/m)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => JSON.parse(`${s}\n}`) as Obj)
    .map(withoutMark);
  return { objects, stderr: r.exitCode === 0 ? '' : String(r.stderr) || `exit ${r.exitCode}` };
}

/** The label the check added, and the metadata kubectl had to create for it, taken away again. */
function withoutMark(o: Obj): Obj {
  const labels = o.metadata?.labels;
  if (labels) {
    delete labels[MARK];
    if (Object.keys(labels).length === 0) delete o.metadata.labels;
    if (Object.keys(o.metadata).length === 0) delete o.metadata;
  }
  return o;
}

kubectlTest(
  `every golden render decodes in every real kubectl build (${minorsOf(builds)}) to exactly what kubestrap meant`,
  async (t) => {
    const files = listFiles(GOLDEN).sort();
    t.true(files.length >= 40);
    const want = files.flatMap((f) => meant(readFileSync(f, 'utf8')));
    for (const b of builds) {
      const got = await decoded(b.bin, files);
      t.is(got.stderr, '', `kubectl ${b.release}`);
      t.deepEqual(got.objects, want, `kubectl ${b.release}`);
    }
  },
);

kubectlTest('names that Go would read as numbers or booleans render as strings (tenant 0o17)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-decode-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    path.join(dir, 'cluster.yaml'),
    [
      'kubernetesVersion: v1.31.4',
      'tenants:',
      '  - {namespace: "0o17", serviceAccounts: ["0x1f", "1e3", "yes"], role: edit, policy: restricted}',
      '  - {namespace: "true", serviceAccounts: ["on"], role: view, policy: baseline}',
      '',
    ].join('\n'),
  );
  const { artifacts } = render(loadConfig(path.join(dir, 'cluster.yaml')));
  const files = artifacts.map((a) => {
    const f = path.join(dir, 'out', a.path);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, a.text);
    return f;
  });
  const want = artifacts.flatMap((a) => meant(a.text));
  t.true(want.some((o) => o.kind === 'Namespace' && o.metadata.name === '0o17'));
  for (const b of builds) {
    const got = await decoded(b.bin, files);
    t.is(got.stderr, '', `kubectl ${b.release}`);
    t.deepEqual(got.objects, want, `kubectl ${b.release}`);
  }
});

kubectlTest('the block helper: hostile keys and values decode in Go as the same strings', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-decode-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const hostile = ['0o17', '0x1F', '1e3', '1_000', 'yes', 'on', 'y', '~', 'null', '2024-01-01', '.inf', '-.5'];
  const data: Record<string, string> = {};
  hostile.forEach((v, i) => (data[`k${i}`] = v));
  Object.assign(data, {
    ls: 'a\u2028b',
    nel: 'x\u0085y',
    del: 'd\u007fe',
    c1: 'c\u0090d',
    bom: '\ufeffbom',
    multi: 'line 1\n  line 2\n',
    quotes: 'say "hi" and \'bye\'',
    cel: 'object.spec.containers.all(c, c.name != "x")',
    emoji: 'ok 🙂',
  });
  const labels: Record<string, string> = {};
  for (const k of ['0o17', 'yes', 'n', '1e3', 'app.kubernetes.io/name']) labels[k] = 'v';
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '0o17', labels }, data };
  const file = path.join(dir, 'cm.yaml');
  writeFileSync(file, toGoYaml(cm));
  for (const b of builds) {
    const got = await decoded(b.bin, [file]);
    t.is(got.stderr, '', `kubectl ${b.release}`);
    t.deepEqual(got.objects, [cm], `kubectl ${b.release}`);
  }
});
