/**
 * A step of `up`: check whether it is already done (read-only), apply it,
 * then verify its post-condition with a deadline. Learned from kubeadm's phase
 * runner and k0sctl's phase manager.
 */
import type { Context } from '../context.js';

export const STEP_IDS = [
  'install',
  'preflight',
  'kubeadm-init',
  'kubeconfig',
  'pod-security',
  'cni',
  'control-plane-taint',
  'ingress',
  'tenants',
  'verify',
] as const;

export type StepId = (typeof STEP_IDS)[number];

export interface Step {
  id: StepId;
  title: string;
  /** False when the config switches the step off (ingress, tenants, taint). */
  enabled?(ctx: Context): boolean;
  /**
   * The commands apply runs on a fresh node, in order: what `plan` shows. A step whose
   * commands depend on the host (install) reads it here, through the runner.
   */
  plan(ctx: Context): string[][] | Promise<string[][]>;
  /** Files apply writes on the host, with their content, for `plan` and `--dry-run` to show beside the commands. */
  files?(ctx: Context): Promise<PlannedFile[]>;
  /**
   * A dry run's look at this host, from read-only probes: the commands apply would run
   * here and what it found. Steps without one show `plan`.
   */
  preview?(ctx: Context): Promise<StepPreview>;
  /** A fingerprint of what the step applies; when it changes, a done step runs again. */
  inputs?(ctx: Context): string | undefined;
  /** Read-only: is the step's effect already in place? */
  check(ctx: Context): Promise<'done' | 'pending'>;
  apply(ctx: Context): Promise<void>;
  /** The post-condition, waited for within the config's deadline. */
  verify?(ctx: Context): Promise<void>;
  /** Steps whose result must be re-checked on every run (verify) are never recorded as done. */
  alwaysRun?: boolean;
  /**
   * Checked on every run and never recorded as done, but a change when it applies (install:
   * a host's packages can change between runs, by an upgrade or by hand).
   */
  recheck?: boolean;
  /**
   * Prepares the host and starts no cluster (preflight, install): on its own it leaves no state
   * file, so `reset` does not take a bare host for a cluster.
   */
  hostOnly?: boolean;
}

export interface PlannedFile {
  /** Where it goes on the host. */
  path: string;
  text: string;
}

export interface StepPreview {
  commands: string[][];
  /** What a real run would stop at or ask about, for the reader of the dry run. */
  findings?: string;
}

/** A step failed in a way the user can act on: what failed and what to do. */
export class StepFailed extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'StepFailed';
  }
}
