/** KUBECONFIG as kubectl reads it (client-go clientcmd loader): a ':' list, empties and repeats dropped, missing files skipped. */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubeconfigEnvList, kubeconfigFromEnv } from '../../src/kube/kubeconfig.js';
import { Kubectl } from '../../src/kube/kubectl.js';
import type { Runner } from '../../src/exec/runner.js';

function files(t: { teardown(fn: () => void): void }, ...names: string[]): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-kubeconfig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return names.map((n) => {
    const f = path.join(dir, n);
    if (!n.startsWith('missing')) writeFileSync(f, 'apiVersion: v1\nkind: Config\n');
    return f;
  });
}

test('unset or empty KUBECONFIG leaves the default to the caller', (t) => {
  t.is(kubeconfigEnvList({}), undefined);
  t.is(kubeconfigEnvList({ KUBECONFIG: '' }), undefined);
  t.is(kubeconfigFromEnv({ KUBECONFIG: '' }), undefined);
});

test('the list keeps kubectl order and drops empty entries and repeats', (t) => {
  t.deepEqual(kubeconfigEnvList({ KUBECONFIG: '/a::/b:/a:' }), ['/a', '/b']);
});

test('one existing file among missing ones: that file, passed with --kubeconfig', (t) => {
  const [missing, a] = files(t, 'missing', 'a');
  const c = kubeconfigFromEnv({ KUBECONFIG: `${missing}:${a}` })!;
  t.deepEqual(c, { file: a, label: a, found: true });
  t.deepEqual(new Kubectl({} as Runner, c.file, 30).argv(['get', 'nodes']), ['--kubeconfig', a, 'get', 'nodes']);
});

test('several existing files: no --kubeconfig, so kubectl merges KUBECONFIG itself', (t) => {
  const [a, b] = files(t, 'a', 'b');
  const c = kubeconfigFromEnv({ KUBECONFIG: `${a}:${b}` })!;
  t.deepEqual(c, { file: undefined, label: `${a}:${b}`, found: true });
  t.deepEqual(new Kubectl({} as Runner, c.file, 30).argv(['get', 'nodes']), ['get', 'nodes']);
});

test('no file that exists: not found, and the message names them', (t) => {
  const [m1, m2] = files(t, 'missing1', 'missing2');
  const c = kubeconfigFromEnv({ KUBECONFIG: `${m1}:${m2}` })!;
  t.false(c.found);
  t.is(c.missing, `KUBECONFIG names no file that exists (${m1}, ${m2})`);
  t.is(kubeconfigFromEnv({ KUBECONFIG: '::' })!.missing, 'KUBECONFIG is set but names no file');
});
