/** Failures, retries and interruptions: up continues where it stopped. */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { lab, mutations, type Lab } from './harness.js';

const CONFIG = 'kubernetesVersion: v1.24.17\ncontrolPlane: {nodeName: cp}\n';
const initCount = (calls: { tool: string; argv: string[] }[]) =>
  mutations(calls).filter((c) => c.startsWith('kubeadm init')).length;

test('a failure in the middle stops with the step, the command and its error; up again resumes there', async (t) => {
  const l = await lab(CONFIG);
  const cniManifest = l.node.at('/var/lib/kubestrap/rendered/manifests/02-cni.yaml');
  l.node.faults.add({
    tool: 'kubectl',
    match: `apply -f ${cniManifest}`,
    count: 1,
    action: 'fail',
    exitCode: 1,
    stderr: 'error: error parsing 02-cni.yaml: error converting YAML to JSON\n',
  });
  const first = await l.kubestrap(['up', '--yes']);
  t.is(first.exitCode, 1);
  t.regex(first.stderr, /\[6\/8\] cni: FAILED/);
  t.regex(first.stderr, /`kubectl --kubeconfig \S+ apply -f \S+02-cni\.yaml` exited with 1/);
  t.regex(first.stderr, /error converting YAML to JSON/);
  const state = JSON.parse(readFileSync(l.node.at('/var/lib/kubestrap/state.json'), 'utf8'));
  t.deepEqual(Object.keys(state.steps), ['preflight', 'kubeadm-init', 'kubeconfig', 'pod-security']);
  t.is(state.lastFailure.step, 'cni');

  const mark = l.mark();
  const second = await l.kubestrap(['up']);
  t.is(second.exitCode, 0, second.stderr);
  t.regex(second.stderr, /\[2\/8\] preflight: skipped \(done earlier\)/);
  t.regex(second.stderr, /\[5\/8\] pod-security: skipped \(done earlier\)/);
  t.is(initCount(l.callsSince(mark)), 0, 'kubeadm init ran once in all');
  l.node.cleanup();
});

test('a transient API error during apply is retried with backoff and the run succeeds', async (t) => {
  const l = await lab(CONFIG);
  l.node.faults.add({
    tool: 'kubectl',
    match: `apply -f ${l.node.at('/var/lib/kubestrap/rendered/manifests/01-pod-security.yaml')}`,
    count: 2,
    action: 'fail',
    exitCode: 1,
    stderr: 'The connection to the server 10.0.2.15:6443 was refused - did you specify the right host or port?\n',
  });
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  const applies = l
    .callsSince()
    .filter(
      (c) =>
        c.tool === 'kubectl' && c.argv.join(' ').includes('apply -f') && c.argv.join(' ').includes('01-pod-security'),
    );
  t.is(applies.length, 3, 'two refused, the third applied');
  l.node.cleanup();
});

test('a permanent API error is not retried', async (t) => {
  const l = await lab(CONFIG, {
    faults: [
      {
        tool: 'kubectl',
        match: '01-pod-security.yaml',
        action: 'fail',
        exitCode: 1,
        stderr: 'Error from server (Forbidden): error when creating "01-pod-security.yaml": forbidden\n',
      },
    ],
  });
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /pod-security: FAILED/);
  const applies = l
    .callsSince()
    .filter(
      (c) =>
        c.tool === 'kubectl' && c.argv.join(' ').includes('apply -f') && c.argv.join(' ').includes('01-pod-security'),
    );
  t.is(applies.length, 1);
  l.node.cleanup();
});

/** The hung `rollout status` of the lab's hang fault is running: the fault fired and the call has not ended. */
function hanging(l: Lab): boolean {
  const fired = l.node.faults.list().some((f) => f.action === 'hang' && (f.fired ?? 0) > 0);
  return fired && l.callsSince().some((c) => c.argv.includes('rollout') && c.end === null);
}

test('killed during a step: the step is not recorded, and up again finishes it without re-initialising', async (t) => {
  const l = await lab(CONFIG, { faults: [{ tool: 'kubectl', match: 'rollout status', count: 1, action: 'hang' }] });
  const child = l.spawn(['up', '--yes']);
  // Wait until kubestrap is inside the CNI step's wait (the fake started and hangs: the
  // fault fired), then kill it without warning.
  await l.waitUntil(() => hanging(l));
  child.kill('SIGKILL');
  await child;
  const state = JSON.parse(readFileSync(l.node.at('/var/lib/kubestrap/state.json'), 'utf8'));
  t.false('cni' in state.steps);
  t.true('pod-security' in state.steps);
  // The killed run's lock is stale; the next run takes it over.
  t.true(existsSync(l.node.at('/var/lib/kubestrap/lock')));
  const mark = l.mark();
  const again = await l.kubestrap(['up']);
  t.is(again.exitCode, 0, again.stderr);
  t.is(initCount(l.callsSince(mark)), 0);
  t.regex(again.stderr, /cni: ok \(already in place\)/);
  l.node.cleanup();
});

test('Ctrl-C during a step exits 130 and says how to continue', async (t) => {
  const l = await lab(CONFIG, { faults: [{ tool: 'kubectl', match: 'rollout status', count: 1, action: 'hang' }] });
  const child = l.spawn(['up', '--yes']);
  // Interrupted before the fake took the fault, the next run's wait would hang instead.
  await l.waitUntil(() => hanging(l));
  child.kill('SIGINT');
  const r = await child;
  t.is(r.exitCode, 130);
  t.regex(
    String(r.stderr),
    /cni: FAILED\n\s+interrupted\n\s+→ run `sudo kubestrap up` again to continue from this step/,
  );
  const again = await l.kubestrap(['up']);
  t.is(again.exitCode, 0, again.stderr);
  l.node.cleanup();
});

test("kubeadm init failing shows kubeadm's own error and points to reset", async (t) => {
  const l = await lab(CONFIG, {
    faults: [
      {
        tool: 'kubeadm',
        match: 'init',
        action: 'preflight',
        errors: [{ name: 'NumCPU', message: 'the number of available CPUs 1 is less than the required 2' }],
      },
    ],
  });
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /kubeadm init failed:/);
  t.regex(r.stderr, /\[ERROR NumCPU\]: the number of available CPUs 1 is less than the required 2/);
  t.regex(r.stderr, /run `sudo kubestrap reset`, then `sudo kubestrap up`/);
  l.node.cleanup();
});
