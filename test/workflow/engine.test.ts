import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import type { Context } from '../../src/session/context.js';
import { LocalHost } from '../../src/host/access.js';
import { runSteps } from '../../src/workflow/engine.js';
import { readState } from '../../src/workflow/state.js';
import { StepFailed, type Step } from '../../src/workflow/step.js';
import type { Reporter } from '../../src/workflow/progress.js';
import { Interrupted } from '../../src/exec/runner.js';
import { hostPaths } from '../../src/host/paths.js';
import { scratchDir } from '../helpers/scratch.js';

function fakeCtx(dryRun = false): Context {
  const root = scratchDir('ks-engine');
  const paths = hostPaths(root);
  return {
    paths,
    host: new LocalHost(paths),
    dryRun,
    config: { version: { text: 'v1.24.17', minor: 24 } },
  } as unknown as Context;
}

const events: string[] = [];
const reporter: Reporter = {
  begin: () => {},
  start: (s) => events.push(`start ${s.id}`),
  skip: (s, r) => events.push(`skip ${s.id} ${r}`),
  done: (s, _ms, note) => events.push(`done ${s.id}${note ? ` ${note}` : ''}`),
  planned: (s, c) => events.push(`plan ${s.id} ${c.length}`),
  fail: (s, m) => events.push(`fail ${s.id} ${m}`),
  note: () => {},
  end: () => {},
};

interface FakeWorld {
  applied: string[];
  present: Set<string>;
  failOn?: string;
  interruptOn?: string;
  inputs: Record<string, string>;
}

/** Steps named like up's, with the properties up's steps of those names have. */
function fakeSteps(
  w: FakeWorld,
  ids: string[] = ['preflight', 'kubeadm-init', 'pod-security', 'cni', 'verify'],
): Step[] {
  return ids.map((id) => ({
    id,
    title: id,
    alwaysRun: id === 'verify',
    recordsVerified: id === 'verify',
    rebuildOnChange: id === 'kubeadm-init',
    hostOnly: id === 'preflight',
    plan: () => [[id, 'apply']],
    inputs: () => w.inputs[id],
    check: async () => (id !== 'verify' && w.present.has(id) ? 'done' : 'pending'),
    apply: async () => {
      if (w.interruptOn === id) throw new Interrupted();
      if (w.failOn === id) throw new StepFailed(`${id} broke`, 'fix it');
      w.applied.push(id);
      w.present.add(id);
    },
  }));
}

test.serial('a fresh run applies every step in order and records them', async (t) => {
  events.length = 0;
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(), inputs: {} };
  const r = await runSteps(ctx, fakeSteps(w), {}, reporter);
  t.true(r.ok);
  t.deepEqual(w.applied, ['preflight', 'kubeadm-init', 'pod-security', 'cni', 'verify']);
  t.deepEqual(
    Object.keys(readState(ctx.paths.stateFile).steps),
    ['preflight', 'kubeadm-init', 'pod-security', 'cni'],
    'verify is never recorded as done',
  );
  t.regex(readState(ctx.paths.stateFile).verifiedAt ?? '', /^\d{4}-\d\d-\d\dT/, 'but when it last passed is');
});

test.serial(
  'verifiedAt: kept by a run that changes nothing, removed when verify fails or a step applies',
  async (t) => {
    const ctx = fakeCtx();
    const w: FakeWorld = { applied: [], present: new Set(), inputs: {} };
    t.true((await runSteps(ctx, fakeSteps(w), {}, reporter)).ok);
    const first = readState(ctx.paths.stateFile).verifiedAt;
    t.truthy(first);
    t.true((await runSteps(ctx, fakeSteps(w), {}, reporter)).ok);
    t.truthy(readState(ctx.paths.stateFile).verifiedAt);
    const failing: FakeWorld = { ...w, failOn: 'verify' };
    t.false((await runSteps(ctx, fakeSteps(failing), {}, reporter)).ok);
    t.is(readState(ctx.paths.stateFile).verifiedAt, undefined);
    t.is(readState(ctx.paths.stateFile).lastFailure?.step, 'verify');
    t.true((await runSteps(ctx, fakeSteps(w), {}, reporter)).ok);
    t.truthy(readState(ctx.paths.stateFile).verifiedAt);
    // A changed input re-applies its step: unverified from then on, even if the run is interrupted before verify.
    const changed: FakeWorld = { ...w, inputs: { cni: 'other' }, interruptOn: 'verify' };
    t.true((await runSteps(ctx, fakeSteps(changed), {}, reporter)).interrupted);
    t.is(readState(ctx.paths.stateFile).verifiedAt, undefined);
  },
);

test.serial('after a failure, the next run continues from the failed step', async (t) => {
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(), failOn: 'cni', inputs: {} };
  const first = await runSteps(ctx, fakeSteps(w), {}, reporter);
  t.false(first.ok);
  t.is(readState(ctx.paths.stateFile).lastFailure?.step, 'cni');
  w.failOn = undefined;
  w.applied = [];
  events.length = 0;
  const second = await runSteps(ctx, fakeSteps(w), {}, reporter);
  t.true(second.ok);
  t.deepEqual(w.applied, ['cni', 'verify']);
  t.deepEqual(events.slice(0, 3), [
    'skip preflight done earlier',
    'skip kubeadm-init done earlier',
    'skip pod-security done earlier',
  ]);
  t.is(readState(ctx.paths.stateFile).lastFailure, undefined);
});

test.serial('an interrupted step is not recorded, so the next run redoes it', async (t) => {
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(), interruptOn: 'pod-security', inputs: {} };
  const first = await runSteps(ctx, fakeSteps(w), {}, reporter);
  t.true(first.interrupted);
  t.deepEqual(Object.keys(readState(ctx.paths.stateFile).steps), ['preflight', 'kubeadm-init']);
});

test.serial('a finished cluster: nothing is applied and the run says it changed nothing', async (t) => {
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(), inputs: {} };
  await runSteps(ctx, fakeSteps(w), {}, reporter);
  w.applied = [];
  const again = await runSteps(ctx, fakeSteps(w), {}, reporter);
  t.true(again.ok);
  t.deepEqual(w.applied, ['verify']);
  t.true(again.unchanged, 'verify runs every time, but only reads');
});

test.serial('a step whose inputs changed runs again even though its objects exist', async (t) => {
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(), inputs: { 'pod-security': 'a' } };
  await runSteps(ctx, fakeSteps(w), {}, reporter);
  w.applied = [];
  w.inputs['pod-security'] = 'b';
  await runSteps(ctx, fakeSteps(w), {}, reporter);
  t.deepEqual(w.applied, ['pod-security', 'verify']);
});

test.serial(
  'a changed kubeadm config: nothing runs at all, not even with --from/--only, and it asks for rebuild',
  async (t) => {
    const ctx = fakeCtx();
    const w: FakeWorld = { applied: [], present: new Set(), inputs: { 'kubeadm-init': 'a', cni: 'x' } };
    await runSteps(ctx, fakeSteps(w), {}, reporter);
    const state = readFileSync(ctx.paths.stateFile, 'utf8');
    w.applied = [];
    w.inputs['kubeadm-init'] = 'b';
    w.inputs.cni = 'y'; // flannel's Network follows the podSubnet: it must not be applied either
    for (const opts of [{}, { from: 'cni' }, { only: 'kubeadm-init' }]) {
      events.length = 0;
      const r = await runSteps(ctx, fakeSteps(w), opts, reporter);
      t.false(r.ok);
      t.deepEqual(w.applied, []);
      t.is(events.length, 1);
      t.regex(
        events[0],
        /^fail kubeadm-init the kubeadm config .* changed since the cluster was initialised; nothing was changed/,
      );
    }
    t.is(readFileSync(ctx.paths.stateFile, 'utf8'), state, 'the state file is not touched either');
  },
);

test.serial('a run that fails at preflight writes no state file; the first step after it does', async (t) => {
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(), failOn: 'preflight', inputs: {} };
  t.false((await runSteps(ctx, fakeSteps(w), {}, reporter)).ok);
  t.false(existsSync(ctx.paths.stateFile), 'a bare host must not look like a cluster');
  w.failOn = 'kubeadm-init';
  t.false((await runSteps(ctx, fakeSteps(w), {}, reporter)).ok);
  t.is(readState(ctx.paths.stateFile).lastFailure?.step, 'kubeadm-init', 'kubeadm init may have changed the host');
});

test.serial('--only runs one step even when it is done; --from runs it and those after', async (t) => {
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(), inputs: {} };
  await runSteps(ctx, fakeSteps(w), {}, reporter);
  w.applied = [];
  w.present.delete('pod-security');
  await runSteps(ctx, fakeSteps(w), { only: 'pod-security' }, reporter);
  t.deepEqual(w.applied, ['pod-security']);
  w.applied = [];
  w.present.delete('cni');
  await runSteps(ctx, fakeSteps(w), { from: 'cni' }, reporter);
  t.deepEqual(w.applied, ['cni', 'verify']);
});

test.serial('a step found already in place is recorded without being applied', async (t) => {
  events.length = 0;
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(['preflight', 'kubeadm-init']), inputs: {} };
  await runSteps(ctx, fakeSteps(w), {}, reporter);
  t.deepEqual(w.applied, ['pod-security', 'cni', 'verify']);
  t.true(events.includes('done kubeadm-init already in place'));
});

test.serial('a dry run applies nothing, records nothing, and lists the plan of each pending step', async (t) => {
  events.length = 0;
  const ctx = fakeCtx(true);
  const w: FakeWorld = { applied: [], present: new Set(), inputs: {} };
  const r = await runSteps(ctx, fakeSteps(w, ['kubeadm-init', 'cni']), {}, reporter);
  t.true(r.ok);
  t.deepEqual(w.applied, []);
  t.deepEqual(events, ['start kubeadm-init', 'plan kubeadm-init 1', 'start cni', 'plan cni 1']);
  t.deepEqual(readState(ctx.paths.stateFile).steps, {});
});

test.serial('an unknown step name is a usage error', async (t) => {
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(), inputs: {} };
  await t.throwsAsync(runSteps(ctx, fakeSteps(w), { from: 'nope' }, reporter), {
    message: /unknown step "nope"/,
  });
});

test.serial('what the engine does with a step follows its properties, whatever its id', async (t) => {
  const ctx = fakeCtx();
  const w: FakeWorld = { applied: [], present: new Set(), inputs: { base: 'a' } };
  const steps = (): Step[] => {
    const [prepare, base, check] = fakeSteps(w, ['prepare', 'base', 'check']);
    return [
      { ...prepare, hostOnly: true },
      { ...base, rebuildOnChange: true },
      { ...check, alwaysRun: true, recordsVerified: true },
    ];
  };
  // A host-only step on its own leaves no state file.
  t.true((await runSteps(ctx, steps(), { only: 'prepare' }, reporter)).ok);
  t.false(existsSync(ctx.paths.stateFile));
  t.true((await runSteps(ctx, steps(), {}, reporter)).ok);
  const state = readState(ctx.paths.stateFile);
  t.deepEqual(Object.keys(state.steps), ['prepare', 'base'], 'an alwaysRun step is not recorded');
  t.truthy(state.verifiedAt, 'recordsVerified: its passing is');
  // A rebuildOnChange step whose inputs changed stops the whole run.
  w.inputs.base = 'b';
  w.applied.length = 0;
  const r = await runSteps(ctx, steps(), {}, reporter);
  t.false(r.ok);
  t.deepEqual(w.applied, []);
  t.is(r.outcomes[0].name, 'base');
});
