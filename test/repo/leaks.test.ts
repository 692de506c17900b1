/**
 * The suite cleans up after itself. scripts/test.mjs runs it with a temp dir and an
 * environment marker of its own and fails the run on whatever is left (test-leaks.mjs);
 * the simulated node stops its fakes when it is cleaned up, and a fake whose caller or
 * node is gone ends by itself (a simulated `kubectl rollout status --timeout=600s` once
 * ran on for 40 minutes after the suite).
 */
import test from 'ava';
import { execa } from 'execa';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { watchRun } from '../../scripts/test-leaks.mjs';
import { initFromGolden, kubectl, manifest, readyNode } from '../sim/harness.js';
import { createSimNode } from '../sim/install.js';
import { appendCall } from '../sim/state.js';
import { lab } from '../e2e/harness.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `cond` holds or `ms` pass; returns whether it held. */
async function eventually(cond: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

test('the run check finds a process and a file a test left, kills and removes them', async (t) => {
  const run = watchRun();
  const child = execa('node', ['-e', 'setInterval(() => {}, 1000)'], {
    env: { ...process.env, ...run.env },
    reject: false,
  });
  writeFileSync(path.join(run.dir, 'ks-left-behind'), '');
  // tsx's transpile cache is the runner's own, not a test's leftover.
  mkdirSync(path.join(run.dir, 'tsx-0'));
  await eventually(() => child.pid !== undefined);
  const left = await run.check(200);
  t.deepEqual(
    left.procs.map((p: { pid: number }) => p.pid),
    [child.pid],
  );
  t.deepEqual(left.files, ['ks-left-behind']);
  await child;
  t.false(alive(child.pid!), 'killed');
  t.false(existsSync(run.dir), 'removed');
});

test('cleaning up a simulated node stops a wait still running in it', async (t) => {
  const node = await readyNode({ teardown: t });
  await initFromGolden(node, 'v1.24.17');
  // PodSecurityPolicy is on and no policy exists: flannel's pods are refused, so the
  // simulated rollout status would wait its whole ten minutes (the leak once seen).
  t.is((await kubectl(node, ['apply', '-f', manifest('v1.24.17', 'cni')])).exitCode, 0);
  const wait = kubectl(node, [
    'rollout',
    'status',
    'daemonset/kube-flannel-ds',
    '-n',
    'kube-flannel',
    '--timeout=600s',
  ]);
  t.true(await eventually(() => node.calls().some((c) => c.end === null && c.pid > 0)));
  const pid = node.calls().find((c) => c.end === null)!.pid;
  node.cleanup();
  t.true(await eventually(() => !alive(pid)), 'the fake ended');
  t.false(existsSync(node.root), 'the node is gone');
  await wait;
});

test("a lab's cleanup also stops the kubestrap run it started, and the fakes that run started", async (t) => {
  const l = await lab('kubernetesVersion: v1.24.17\ncontrolPlane: {nodeName: cp}\n', {
    teardown: t,
    faults: [{ tool: 'kubeadm', match: 'init', action: 'hang' }],
  });
  const up = l.spawn(['up', '--yes']);
  t.true(await eventually(() => l.callsSince().some((c) => c.tool === 'kubeadm' && c.end === null), 60_000));
  const fake = l.callsSince().find((c) => c.tool === 'kubeadm' && c.end === null)!.pid;
  l.cleanup();
  await up;
  t.true(await eventually(() => !alive(fake)), 'the hung kubeadm ended');
  t.false(alive(up.pid!), 'kubestrap was stopped');
  t.false(existsSync(l.dir), 'the lab directory is gone');
});

test('a kubestrap run killed in the middle of a wait leaves no simulated kubectl behind', async (t) => {
  // The privileged policy's binding for flannel never arrives: its pods are refused and
  // `kubectl rollout status --timeout=600s` waits; then kubestrap is killed.
  const l = await lab('kubernetesVersion: v1.24.17\ncontrolPlane: {nodeName: cp}\n', {
    teardown: t,
    faults: [{ action: 'dropObject', kind: 'RoleBinding', name: 'psp:privileged', namespace: 'kube-flannel' }],
  });
  const up = l.spawn(['up', '--yes']);
  const waiting = () => l.callsSince().find((c) => c.end === null && c.argv.includes('rollout'));
  t.true(await eventually(() => waiting() !== undefined, 90_000), 'the rollout wait started');
  const fake = waiting()!.pid;
  up.kill('SIGKILL');
  await up;
  t.true(await eventually(() => !alive(fake)), 'the orphaned wait ended by itself');
});

test("a node's cleanup never kills a process that merely reuses a logged pid", async (t) => {
  const node = await createSimNode({ teardown: t });
  // A fake that died without logging its end; its pid now belongs to someone else.
  const other = execa('node', ['-e', 'setInterval(() => {}, 1000)'], { reject: false });
  t.teardown(() => other.kill('SIGKILL'));
  await eventually(() => other.pid !== undefined);
  appendCall(node.statePath, {
    id: 'stale',
    tool: 'kubectl',
    argv: ['get', 'nodes'],
    start: Date.now(),
    pid: other.pid!,
  });
  node.cleanup();
  // A negative can only be watched for a while: a second is ample for a SIGTERM to land.
  const ended = await eventually(() => other.exitCode !== null || other.signalCode !== null, 1000);
  t.false(ended, 'the unrelated process still runs');
});
