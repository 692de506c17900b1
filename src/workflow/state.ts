/**
 * What `up` has finished on this host, kept on disk so a run that failed or
 * was interrupted continues where it stopped, and a run on a finished cluster
 * changes nothing. Written atomically (temporary file + rename, never through
 * a link), and only once `up` has changed the host beyond preflight: a bare host
 * has no state file.
 *
 * A state file that is not what kubestrap writes (hand-edited, `"steps": null`)
 * is reported and left as it is: guessing would re-run or skip steps on a live
 * cluster.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors.js';
import type { HostAccess } from '../host/access.js';
import { MiB, fileError, readTextFile, writeFileAtomic } from '../host/files.js';

export interface StepRecord {
  doneAt: string;
  durationMs: number;
  /** Fingerprint of the step's inputs when it ran; a different one makes it pending again. */
  inputs?: string;
}

export interface UpState {
  version: 1;
  kubernetesVersion?: string;
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

const FIX =
  'kubestrap wrote it otherwise: restore it, or tear the node down with `sudo kubestrap reset` (it does not read this file)';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why `s` is not a state kubestrap wrote, or undefined when it is one. */
function stateProblem(s: unknown): string | undefined {
  if (!isRecord(s)) return 'is not a JSON object';
  if (s.version !== 1) return `has version ${JSON.stringify(s.version)}, not 1`;
  if (!isRecord(s.steps)) return `"steps" is ${JSON.stringify(s.steps) ?? 'missing'}, not an object of finished steps`;
  for (const [id, r] of Object.entries(s.steps)) {
    if (!isRecord(r) || typeof r.doneAt !== 'string' || typeof r.durationMs !== 'number')
      return `"steps.${id}" is not a step record ({doneAt, durationMs, inputs})`;
    if (r.inputs !== undefined && typeof r.inputs !== 'string') return `"steps.${id}.inputs" is not a string`;
  }
  if (s.kubernetesVersion !== undefined && typeof s.kubernetesVersion !== 'string')
    return '"kubernetesVersion" is not a string';
  if (s.lastFailure !== undefined && !isRecord(s.lastFailure)) return '"lastFailure" is not an object';
  return undefined;
}

export function readState(file: string): UpState {
  if (!existsSync(file)) return emptyState();
  return parseState(file, readTextFile(file, { maxBytes: MiB, owner: 'host', what: 'the state file' }));
}

/** The state of the host `host` (this machine, or one over SSH). */
export async function readHostState(host: HostAccess, file: string): Promise<UpState> {
  const text = await host.readText(file);
  return text === undefined ? emptyState() : parseState(file, text);
}

export async function writeHostState(host: HostAccess, file: string, state: UpState): Promise<void> {
  await host.write(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
}

function parseState(file: string, text: string): UpState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new HostError(file, `is not valid JSON (${(e as Error).message}); ${FIX}`);
  }
  const problem = stateProblem(parsed);
  if (problem) throw new HostError(file, `${problem}; ${FIX}`);
  return parsed as UpState;
}

export function writeState(file: string, state: UpState): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw fileError(e, path.dirname(file), 'create', 'host');
  }
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, owner: 'host' });
}
