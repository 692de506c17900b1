/**
 * Loading and saving the simulated node's state. Every fake process: takes the
 * lock, reads the state, reconciles the cluster model to "now", lets the tool
 * change it, reconciles again, writes it back (atomically), releases the lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CallRecord, SimState } from './types.js';
import { sleepSync, canonical } from './util.js';
import { reconcile } from './cluster.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin(): string;
}

export class Sim {
  readonly statePath: string;
  readonly root: string;
  readonly tool: string;
  readonly argv: string[];
  readonly io: Io;

  constructor(opts: { statePath: string; root: string; tool: string; argv: string[]; io: Io; stateText?: string }) {
    if (opts.stateText) this.peeked = JSON.parse(opts.stateText) as SimState;
    this.statePath = opts.statePath;
    this.root = opts.root;
    this.tool = opts.tool;
    this.argv = opts.argv;
    this.io = opts.io;
  }

  /** An absolute host path under the root. */
  at(p: string): string {
    return this.root === '/' ? p : path.join(this.root, p);
  }

  now(): number {
    return Date.now() + (this.peek().clockOffsetMs ?? 0);
  }

  private peeked?: SimState;

  /** The state as it was when first peeked, without reconciling or locking (versions, host facts). */
  peek(): SimState {
    return (this.peeked ??= JSON.parse(fs.readFileSync(this.statePath, 'utf8')) as SimState);
  }

  /**
   * Runs `fn` on the reconciled state under the lock and saves the result when it
   * changed. Most calls only read: they still reconcile (time passes for the model).
   */
  async update<T>(fn: (s: SimState) => T | Promise<T>): Promise<T> {
    const release = lock(this.statePath);
    try {
      const text = fs.readFileSync(this.statePath, 'utf8');
      const state = JSON.parse(text) as SimState;
      await reconcile(this, state);
      const mark = state.cluster ? `${state.cluster.id}/${state.cluster.rv}/${state.cluster.epoch}` : '';
      const result = await fn(state);
      // A second pass only when the tool changed the cluster (reads need none).
      const after = state.cluster ? `${state.cluster.id}/${state.cluster.rv}/${state.cluster.epoch}` : '';
      if (after !== mark) await reconcile(this, state);
      const next = JSON.stringify(state);
      if (next !== text) writeAtomic(this.statePath, next);
      return result;
    } finally {
      release();
    }
  }

  /** Reconciled state, for read-only tools. */
  read(): Promise<SimState> {
    return this.update((s) => s);
  }
}

export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** A lock directory next to the state file; a holder that died (stale > 10 s) is overridden. */
export function lock(statePath: string): () => void {
  const dir = `${statePath}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(dir);
      return () => {
        try {
          fs.rmdirSync(dir);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        const st = fs.statSync(dir);
        if (Date.now() - st.mtimeMs > 10_000) {
          fs.rmdirSync(dir);
          continue;
        }
      } catch {
        continue;
      }
      if (Date.now() - started > 30_000) throw new Error(`sim: state lock ${dir} held for 30 s`);
      sleepSync(2);
    }
  }
}

export function callLogPath(statePath: string): string {
  return `${statePath}.calls.jsonl`;
}

/** Appends one line to the call log (O_APPEND: safe between processes). */
export function appendCall(statePath: string, rec: Partial<CallRecord> & { id: string }): void {
  fs.appendFileSync(callLogPath(statePath), `${JSON.stringify(rec)}\n`);
}

/** The call log merged into one record per call, in start order. */
export function readCalls(statePath: string): CallRecord[] {
  let text = '';
  try {
    text = fs.readFileSync(callLogPath(statePath), 'utf8');
  } catch {
    return [];
  }
  const byId = new Map<string, CallRecord>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as Partial<CallRecord> & { id: string };
    const prev = byId.get(r.id);
    if (prev) Object.assign(prev, r);
    else byId.set(r.id, { tool: '', argv: [], start: 0, end: null, exitCode: null, pid: 0, ...r } as CallRecord);
  }
  return [...byId.values()].sort((a, b) => a.start - b.start);
}

export { canonical };
