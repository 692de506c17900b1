/**
 * Runs the steps of `up`: check -> apply -> verify, recording each finished
 * step on disk so an interrupted or failed run continues where it stopped and
 * a run on a finished cluster changes nothing.
 */
import type { Context } from '../session/context.js';
import { CommandError, Interrupted } from '../exec/runner.js';
import { HostError, UserError } from '../errors.js';
import { StepFailed, type Step } from './step.js';
import { readHostState, writeHostState, type UpState } from './state.js';
import { TimeoutError } from '../exec/wait.js';
import type { Reporter } from './progress.js';

export interface EngineOptions {
  /** Start here, running this step and the ones after it even if they are recorded as done. */
  from?: string;
  /** Run only this step (even if recorded as done). */
  only?: string;
}

export type StepStatus = 'applied' | 'already-done' | 'skipped' | 'planned' | 'failed' | 'interrupted';

export interface StepOutcome {
  name: string;
  status: StepStatus;
  durationMs: number;
  detail?: string;
  commands?: string[][];
}

export interface EngineResult {
  ok: boolean;
  interrupted: boolean;
  outcomes: StepOutcome[];
  /** Nothing was applied: every step was done already. */
  unchanged: boolean;
}

export function selectSteps(ctx: Context, steps: Step[], opts: EngineOptions): Step[] {
  const enabled = steps.filter((s) => s.enabled?.(ctx) ?? true);
  for (const name of [opts.from, opts.only]) {
    if (name && !steps.some((s) => s.id === name)) {
      throw new UserError(
        `unknown step "${name}"; steps: ${steps.map((s) => s.id).join(', ')}`,
        undefined,
        opts.only ? '--only' : '--from',
      );
    }
    if (name && !enabled.some((s) => s.id === name)) {
      throw new UserError(`step "${name}" is switched off by the config`, undefined, opts.only ? '--only' : '--from');
    }
  }
  if (opts.only) return enabled.filter((s) => s.id === opts.only);
  if (opts.from) return enabled.slice(enabled.findIndex((s) => s.id === opts.from));
  return enabled;
}

/**
 * A step that cannot run again on a live cluster (kubeadm init) whose inputs changed
 * since it ran: `up` must then change nothing at all, since every later step would
 * build on a cluster that no longer matches the config (flannel with a new podSubnet
 * that kubeadm never got).
 */
function rebuildNeeded(ctx: Context, steps: Step[], state: UpState): Step | undefined {
  return steps.find((step) => {
    if (!step.rebuildOnChange || !(step.enabled?.(ctx) ?? true)) return false;
    const recorded = state.steps[step.id];
    return recorded !== undefined && recorded.inputs !== step.inputs?.(ctx);
  });
}

export async function runSteps(
  ctx: Context,
  steps: Step[],
  opts: EngineOptions,
  reporter: Reporter,
): Promise<EngineResult> {
  const selected = selectSteps(ctx, steps, opts);
  const forced = new Set<string>(opts.only || opts.from ? selected.map((s) => s.id) : []);
  const state = await readHostState(ctx.host, ctx.paths.stateFile);
  const outcomes: StepOutcome[] = [];
  // The state file appears only once a step may have changed the host (preflight only reads it,
  // or applies the fixes it offered): a bare host must not look like a cluster to `reset`.
  let hostTouched = await ctx.host.exists(ctx.paths.stateFile);
  const save = async (s: UpState) => {
    if (!ctx.dryRun && hostTouched) await writeHostState(ctx.host, ctx.paths.stateFile, s);
  };
  reporter.begin(selected);

  const stale = rebuildNeeded(ctx, steps, state);
  if (stale) {
    const detail =
      'the kubeadm config (kubeadm-config.yaml and the host files it references) changed since the cluster was initialised; nothing was changed';
    outcomes.push({ name: stale.id, status: 'failed', durationMs: 0, detail });
    reporter.fail(
      stale,
      detail,
      '`sudo kubestrap rebuild` tears the cluster down and builds it with the new config (its workloads and data are lost); or put the old values back',
    );
    return { ok: false, interrupted: false, outcomes, unchanged: true };
  }
  let unchanged = true;

  for (const step of selected) {
    const started = performance.now();
    const inputs = step.inputs?.(ctx);
    const recorded = state.steps[step.id];
    const elapsed = () => Math.round(performance.now() - started);
    if (recorded && !step.alwaysRun && !step.recheck && !forced.has(step.id) && recorded.inputs === inputs) {
      outcomes.push({ name: step.id, status: 'skipped', durationMs: 0, detail: 'done earlier' });
      reporter.skip(step, 'done earlier');
      continue;
    }

    // Inputs changed since the step ran: its objects may all exist yet differ, so apply again.
    const changed = recorded !== undefined && recorded.inputs !== inputs && !step.alwaysRun && !step.recheck;
    reporter.start(step);
    if (ctx.dryRun) {
      outcomes.push(await previewStep(ctx, step, changed, reporter, elapsed));
      continue;
    }
    try {
      const status = changed ? 'pending' : await step.check(ctx);
      if (status === 'done') {
        await step.verify?.(ctx);
        if (!step.hostOnly) hostTouched = true;
        record(state, step, inputs, elapsed(), ctx);
        await save(state);
        outcomes.push({ name: step.id, status: 'already-done', durationMs: elapsed(), detail: 'already in place' });
        reporter.done(step, elapsed(), 'already in place');
        continue;
      }
      // verify (alwaysRun) only reads the cluster: it does not count as a change.
      if (!step.alwaysRun) {
        unchanged = false;
        if (!step.hostOnly) hostTouched = true;
        // The cluster changes now: it is verified again only when this run gets to verify.
        if (state.verifiedAt) {
          delete state.verifiedAt;
          await save(state);
        }
      }
      await step.apply(ctx);
      await step.verify?.(ctx);
      if (!step.alwaysRun) record(state, step, inputs, elapsed(), ctx);
      if (step.recordsVerified) state.verifiedAt = new Date().toISOString();
      delete state.lastFailure;
      await save(state);
      outcomes.push({ name: step.id, status: 'applied', durationMs: elapsed() });
      reporter.done(step, elapsed());
    } catch (e) {
      if (e instanceof Interrupted) {
        outcomes.push({ name: step.id, status: 'interrupted', durationMs: elapsed() });
        reporter.fail(step, 'interrupted', 'run `sudo kubestrap up` again to continue from this step');
        return { ok: false, interrupted: true, outcomes, unchanged: false };
      }
      const { message, hint } = describeFailure(e);
      state.lastFailure = { step: step.id, at: new Date().toISOString(), message };
      delete state.verifiedAt;
      await save(state);
      outcomes.push({ name: step.id, status: 'failed', durationMs: elapsed(), detail: message });
      reporter.fail(step, message, hint);
      if (e instanceof UserError) throw e;
      return { ok: false, interrupted: false, outcomes, unchanged: false };
    }
  }
  return { ok: true, interrupted: false, outcomes, unchanged };
}

/**
 * A dry run of one step: read-only probes say whether it is done; otherwise what it
 * would run here. What a real run would stop at (a preflight miss, a leftover from an
 * earlier init) is a finding shown beside the plan, not a failure: a dry run is for
 * looking, often at a host not prepared yet, and fails only on bad input (UserError).
 */
async function previewStep(
  ctx: Context,
  step: Step,
  changed: boolean,
  reporter: Reporter,
  elapsed: () => number,
): Promise<StepOutcome> {
  let findings: string | undefined;
  try {
    if (!changed && (await step.check(ctx)) === 'done') {
      reporter.done(step, elapsed(), 'already in place');
      return { name: step.id, status: 'already-done', durationMs: elapsed(), detail: 'already in place' };
    }
  } catch (e) {
    if (e instanceof Interrupted || e instanceof UserError) throw e;
    findings = describeFailure(e).message;
  }
  const preview = step.preview ? await step.preview(ctx) : { commands: await step.plan(ctx) };
  const detail = [findings, preview.findings].filter(Boolean).join('\n') || undefined;
  reporter.planned(step, preview.commands, detail);
  return {
    name: step.id,
    status: 'planned',
    durationMs: elapsed(),
    commands: preview.commands,
    ...(detail ? { detail } : {}),
  };
}

function record(state: UpState, step: Step, inputs: string | undefined, durationMs: number, ctx: Context) {
  if (step.alwaysRun || step.recheck) return;
  state.steps[step.id] = { doneAt: new Date().toISOString(), durationMs, ...(inputs ? { inputs } : {}) };
  state.kubernetesVersion = ctx.config.version.text;
}

function describeFailure(e: unknown): { message: string; hint?: string } {
  if (e instanceof StepFailed) return { message: e.message, hint: e.hint };
  if (e instanceof CommandError) {
    return {
      message: e.message,
      hint: 'the full output is in the log; fix the cause and run `sudo kubestrap up` again',
    };
  }
  if (e instanceof TimeoutError)
    return {
      message: e.message,
      hint: 'raise timeouts.waitSeconds if the host is slow, or look at the pods that are not ready',
    };
  if (e instanceof UserError) return { message: e.toString() };
  if (e instanceof HostError) return { message: e.message };
  throw e;
}
