/**
 * The frame of `policy check`'s output: for people, the verdict lines and a summary
 * line; with `-o json`, exactly one JSON array, one entry per line, each entry
 * serialised on its own as it comes, never the whole array at once. The verdicts
 * themselves are written by each mode (pss.ts, psp-print.ts). Everything goes into the
 * OutputSpool, which holds it until the input has been read without error.
 */
import type { OutputSpool } from './output-spool.js';

export interface Emitter {
  /** Verdicts: text lines, or `,\n`-led JSON entries. */
  batch(text: string): void;
  /** `changed`: pods admitted with changes made by their policy (PodSecurityPolicy mode). */
  end(pods: number, refused: number, changed: number): void;
  /** Forgets what was emitted (the spool was discarded for a second pass). */
  restart(): void;
}

export function textEmitter(out: OutputSpool): Emitter {
  return {
    batch(text) {
      if (text !== '') out.write(text);
    },
    end(pods, refused, changed) {
      const admitted = pods - refused;
      const parts = [`${admitted} admitted`];
      if (changed > 0) parts.push(`${changed} of them changed by their policy`);
      parts.push(`${refused} refused`);
      out.write(`${pods} ${pods === 1 ? 'pod' : 'pods'}: ${parts.join(', ')}\n`);
    },
    restart() {},
  };
}

/** One JSON array, one entry per line: `[`, the entries separated by `,`, `]`. */
export function jsonEmitter(out: OutputSpool): Emitter {
  let started = false;
  return {
    // Entries arrive led by ",\n"; the first one's comma opens the array instead.
    batch(text) {
      if (text === '') return;
      out.write(started ? text : `[${text.slice(1)}`);
      started = true;
    },
    end() {
      out.write(started ? '\n]\n' : '[]\n');
    },
    restart() {
      started = false;
    },
  };
}
