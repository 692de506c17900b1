/**
 * What `up` has finished on this host, kept on disk so a run that failed or
 * was interrupted continues where it stopped, and a run on a finished cluster
 * changes nothing. Written atomically after every step.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface StepRecord {
  doneAt: string;
  durationMs: number;
  /** Fingerprint of the step's inputs when it ran; a different one makes it pending again. */
  inputs?: string;
}

export interface UpState {
  version: 1;
  kubernetesVersion?: string;
  /** The kubeconfig `up` installed for the invoking user, so `reset` removes exactly that file. */
  installedKubeconfig?: string;
  steps: Record<string, StepRecord>;
  lastFailure?: { step: string; at: string; message: string };
  /**
   * When the verify step last passed. verify runs on every `up` and is never a step
   * "done", but a provisioner needs to know that the last run finished with a verified
   * cluster (the Vagrant lab then leaves it alone). Removed when verify fails.
   */
  verifiedAt?: string;
}

export function emptyState(): UpState {
  return { version: 1, steps: {} };
}

export function readState(file: string): UpState {
  if (!existsSync(file)) return emptyState();
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as UpState;
    if (s.version !== 1 || typeof s.steps !== 'object') return emptyState();
    return s;
  } catch {
    // A torn or hand-edited file: start over rather than trust it.
    return emptyState();
  }
}

export function writeState(file: string, state: UpState): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
