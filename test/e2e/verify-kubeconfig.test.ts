/**
 * `kubestrap verify` is read by scripts: without a cluster it still prints its JSON
 * (a failed `kubeconfig` check, exit 1). And like kubectl it honours KUBECONFIG, a
 * list of files separated by ':' of which the missing ones are skipped.
 */
import test from 'ava';
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { lab } from './harness.js';

const CONFIG = 'kubernetesVersion: v1.24.17\ncontrolPlane: {nodeName: cp}\n';

test('verify -o json without a cluster: the contract document with a failed kubeconfig check, exit 1', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(l.cleanup);
  const r = await l.kubestrap(['verify', '-o', 'json']);
  t.is(r.exitCode, 1, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), {
    ok: false,
    checks: [
      {
        name: 'kubeconfig',
        ok: false,
        detail: `no kubeconfig at ${l.node.at('/root/.kube/config')}: run \`sudo kubestrap up\` first (it installs one for you)`,
      },
    ],
  });
  const text = await l.kubestrap(['verify']);
  t.is(text.exitCode, 1);
  t.regex(text.stdout, /^✘ kubeconfig: no kubeconfig at \S+: run `sudo kubestrap up` first/m);
  t.regex(text.stdout, /1 check\(s\) failed\.$/);
});

test('verify honours KUBECONFIG: missing entries are skipped, the file found is used', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(l.cleanup);
  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  // The user's own kubeconfig is gone; KUBECONFIG names a missing file, then a copy of admin.conf.
  const copy = path.join(l.dir, 'admin.kubeconfig');
  copyFileSync(l.node.at('/etc/kubernetes/admin.conf'), copy);
  rmSync(l.node.at('/root/.kube/config'));
  const mark = l.mark();
  const r = await l.kubestrap(['verify', '-o', 'json'], {
    env: { KUBECONFIG: `${path.join(l.dir, 'missing')}::${copy}` },
  });
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout);
  t.true(doc.ok);
  t.deepEqual(doc.checks[0], { name: 'kubeconfig', ok: true, detail: copy });
  const kubectl = l.callsSince(mark).filter((c) => c.tool === 'kubectl');
  t.true(kubectl.length > 0);
  t.true(kubectl.every((c) => c.argv[0] === '--kubeconfig' && c.argv[1] === copy));
});

test('verify with KUBECONFIG naming no existing file: a failed kubeconfig check that says so', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(l.cleanup);
  const missing = [path.join(l.dir, 'a'), path.join(l.dir, 'b')];
  const r = await l.kubestrap(['verify', '-o', 'json'], { env: { KUBECONFIG: missing.join(':') } });
  t.is(r.exitCode, 1);
  t.deepEqual(JSON.parse(r.stdout).checks, [
    { name: 'kubeconfig', ok: false, detail: `KUBECONFIG names no file that exists (${missing.join(', ')})` },
  ]);
});

test('audit honours KUBECONFIG before the admin kubeconfig, as kubectl would', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(l.cleanup);
  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const copy = path.join(l.dir, 'mine.kubeconfig');
  copyFileSync(l.node.at('/etc/kubernetes/admin.conf'), copy);
  const mark = l.mark();
  const r = await l.kubestrap(['audit', '-o', 'json'], { env: { KUBECONFIG: copy } });
  t.is(r.exitCode, 0, r.stderr);
  const kubectl = l.callsSince(mark).filter((c) => c.tool === 'kubectl');
  t.true(kubectl.length > 0);
  t.true(kubectl.every((c) => c.argv[1] === copy));
});
