/**
 * `kubestrap policy check` byte for byte: stdout, stderr and exit code of the bundled CLI
 * on one mixed input (test/fixtures/check: pods, every workload kind, PodSecurityPolicies
 * and RBAC after the first pods, ignored kinds, non-ASCII text), in both modes, text and
 * JSON, read as a pretty-printed JSON List, as multi-document YAML and as compact JSON on
 * stdin. All three inputs hold the same objects, so they must print the same bytes.
 *
 * The expected files were written by the implementation before the performance work of
 * issue 13 (streamed splitting of decoded text); the faster readers must not change a
 * byte. Regenerate after an intended change with UPDATE_GOLDEN=1 npx ava
 * test/policy/check-golden.test.ts, then review the diff.
 */
import test from 'ava';
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';

const FIXTURES = path.resolve('test/fixtures/check');
// Beside the input, not under test/golden: that holds renders, which test/render decodes with kubectl.
const GOLDEN = path.resolve('test/fixtures/check/expected');
const update = process.env.UPDATE_GOLDEN === '1';

const SCENARIOS: Record<string, string[]> = {
  'pss-restricted-text': ['--level', 'restricted'],
  'pss-restricted-json': ['--level', 'restricted', '-o', 'json'],
  'pss-baseline-v1.24-text': ['--level', 'baseline', '--pss-version', 'v1.24'],
  'psp-allow-text': ['--allow', 'restricted,baseline'],
  'psp-allow-json': ['--allow', 'restricted,baseline,nonroot', '-o', 'json'],
  'psp-as-text': ['--as', 'jane', '--as-group', 'system:serviceaccounts:kube-system'],
};

const mixed = JSON.parse(readFileSync(path.join(FIXTURES, 'mixed.json'), 'utf8'));

/** Each way of giving the same objects: the -f arguments, stdin, and the name stderr uses. */
const INPUTS: { name: string; args: string[]; stdin: string; shown: string }[] = [
  {
    name: 'JSON List',
    args: ['-f', 'test/fixtures/check/mixed.json'],
    stdin: '',
    shown: 'test/fixtures/check/mixed.json',
  },
  { name: 'YAML', args: ['-f', 'test/fixtures/check/mixed.yaml'], stdin: '', shown: 'test/fixtures/check/mixed.yaml' },
  { name: 'compact JSON on stdin', args: ['-f', '-'], stdin: JSON.stringify(mixed), shown: '<stdin>' },
];

for (const [scenario, args] of Object.entries(SCENARIOS)) {
  test(`policy check golden: ${scenario}`, async (t) => {
    const expected = path.join(GOLDEN, scenario);
    for (const input of INPUTS) {
      const r = await execa('node', [CLI, 'policy', 'check', ...input.args, ...args], {
        input: input.stdin,
        reject: false,
        stripFinalNewline: false,
      });
      // stderr names the input: the golden file says INPUT instead.
      const got = {
        exit: `${r.exitCode}\n`,
        stdout: String(r.stdout),
        stderr: String(r.stderr).replaceAll(input.shown, 'INPUT'),
      };
      if (update && input === INPUTS[0]) {
        mkdirSync(expected, { recursive: true });
        for (const [k, v] of Object.entries(got)) writeFileSync(path.join(expected, k), v);
      }
      for (const [k, v] of Object.entries(got)) {
        t.is(v, readFileSync(path.join(expected, k), 'utf8'), `${scenario} ${k}, ${input.name}`);
      }
    }
  });
}
