import type { OutputSpool } from './output-spool.js';

/** What judging the pods of a file, or of one range of it, printed and counted. */
export interface Verdicts {
  pods: number;
  refused: number;
  /** Admitted pods their policy changed (PodSecurityPolicy mode, text output). */
  changed: number;
  /** Names of the PodSecurityPolicies seen (Pod Security Standards mode). */
  policies: string[];
  /** [file, kind] of every object that is neither a pod nor a policy nor RBAC. */
  ignored: [string, string][];
}

/** A file's verdicts, with what it printed: hand it on with moveTo. */
export interface FileVerdicts extends Verdicts {
  output: OutputSpool;
}

/** Judges a whole file another way (parallel.ts); undefined when it could not, and then nothing was printed. */
export type FileJudge<Setup> = (file: string, setup: Setup) => Promise<FileVerdicts | undefined>;
