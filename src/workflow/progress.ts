/**
 * Progress of `up`: a live list of steps with spinners and timings on a
 * terminal, plain lines elsewhere (CI, pipes), nothing but failures with
 * --quiet, and one JSON document at the end with -o json.
 */
import type { Io } from '../io.js';
import { formatArgv } from '../exec/runner.js';
import type { Step } from './step.js';

export interface Reporter {
  begin(steps: Step[]): void;
  start(step: Step): void;
  skip(step: Step, reason: string): void;
  done(step: Step, ms: number, note?: string): void;
  /** A dry run's plan for the step; `findings`: what a real run would stop at or ask about. */
  planned(step: Step, commands: string[][], findings?: string): void;
  fail(step: Step, message: string, hint?: string): void;
  /** A line of information between steps (e.g. "nothing to do"). */
  note(text: string): void;
  end(): void;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export class PlainReporter implements Reporter {
  private total = 0;
  private index = 0;
  constructor(private readonly io: Io) {}
  begin(steps: Step[]) {
    this.total = steps.length;
  }
  private prefix() {
    return `[${this.index}/${this.total}]`;
  }
  start(step: Step) {
    this.index++;
    this.io.err(`${this.prefix()} ${step.id}: ${step.title} ...`);
  }
  skip(step: Step, reason: string) {
    this.index++;
    this.io.err(`${this.prefix()} ${step.id}: skipped (${reason})`);
  }
  done(step: Step, ms: number, note?: string) {
    this.io.err(`${this.prefix()} ${step.id}: ok${note ? ` (${note})` : ''} ${secs(ms)}`);
  }
  planned(step: Step, commands: string[][], findings?: string) {
    if (findings) this.io.err(`${this.prefix()} ${step.id}: ${findings}`);
    this.io.err(`${this.prefix()} ${step.id}: would run${commands.length ? ':' : ' nothing'}`);
    for (const c of commands) this.io.err(`      ${formatArgv(c)}`);
  }
  fail(step: Step, message: string, hint?: string) {
    this.io.err(`${this.prefix()} ${step.id}: FAILED\n${indent(message)}${hint ? `\n  → ${hint}` : ''}`);
  }
  note(text: string) {
    this.io.err(text);
  }
  end() {}
}

export class QuietReporter implements Reporter {
  constructor(private readonly io: Io) {}
  begin() {}
  start() {}
  skip() {}
  done() {}
  planned() {}
  fail(step: Step, message: string, hint?: string) {
    this.io.err(`${step.id}: FAILED\n${indent(message)}${hint ? `\n  → ${hint}` : ''}`);
  }
  note() {}
  end() {}
}

interface JsonStep {
  name: string;
  status: string;
  durationMs: number;
  detail?: string;
  hint?: string;
  commands?: string[][];
}

/** Collects everything and prints one document on stdout at the end. */
export class JsonReporter implements Reporter {
  private readonly steps: JsonStep[] = [];
  private readonly notes: string[] = [];
  constructor(private readonly io: Io) {}
  begin() {}
  start() {}
  skip(step: Step, reason: string) {
    this.steps.push({ name: step.id, status: 'skipped', durationMs: 0, detail: reason });
  }
  done(step: Step, ms: number, note?: string) {
    this.steps.push({
      name: step.id,
      status: note ? 'already-done' : 'applied',
      durationMs: Math.round(ms),
      ...(note ? { detail: note } : {}),
    });
  }
  planned(step: Step, commands: string[][], findings?: string) {
    this.steps.push({
      name: step.id,
      status: 'planned',
      durationMs: 0,
      commands,
      ...(findings ? { detail: findings } : {}),
    });
  }
  fail(step: Step, message: string, hint?: string) {
    this.steps.push({ name: step.id, status: 'failed', durationMs: 0, detail: message, ...(hint ? { hint } : {}) });
  }
  note(text: string) {
    this.notes.push(text);
  }
  end() {
    const ok = !this.steps.some((s) => s.status === 'failed');
    this.io.out(JSON.stringify({ ok, steps: this.steps, ...(this.notes.length ? { notes: this.notes } : {}) }));
  }
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The live list: every step on its own line, redrawn in place. */
export class TtyReporter implements Reporter {
  private rows: { step: Step; state: string; detail: string; started?: number }[] = [];
  private frame = 0;
  private drawn = 0;
  private timer?: NodeJS.Timeout;
  private readonly tail: string[] = [];
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  begin(steps: Step[]) {
    this.rows = steps.map((step) => ({ step, state: 'pending', detail: '' }));
    // Redraws only animate the spinner; the work itself never waits on this timer.
    this.timer = setInterval(() => {
      this.frame++;
      this.draw();
    }, 100);
    this.timer.unref();
    this.draw();
  }
  private row(step: Step) {
    return this.rows.find((r) => r.step === step)!;
  }
  start(step: Step) {
    Object.assign(this.row(step), { state: 'running', started: Date.now() });
    this.draw();
  }
  skip(step: Step, reason: string) {
    Object.assign(this.row(step), { state: 'skipped', detail: reason });
    this.draw();
  }
  done(step: Step, ms: number, note?: string) {
    Object.assign(this.row(step), { state: 'done', detail: `${note ? `${note}, ` : ''}${secs(ms)}` });
    this.draw();
  }
  planned(step: Step, commands: string[][], findings?: string) {
    Object.assign(this.row(step), { state: 'planned', detail: `${commands.length} command(s)` });
    if (findings) this.tail.push(indent(findings));
    for (const c of commands) this.tail.push(`  ${step.id}: ${formatArgv(c)}`);
    this.draw();
  }
  fail(step: Step, message: string, hint?: string) {
    Object.assign(this.row(step), { state: 'failed', detail: '' });
    this.tail.push(indent(message), ...(hint ? [`  → ${hint}`] : []));
    this.draw();
  }
  note(text: string) {
    this.tail.push(text);
    this.draw();
  }
  end() {
    if (this.timer) clearInterval(this.timer);
    this.draw();
  }
  private draw() {
    const glyph = (state: string) =>
      ({
        pending: '·',
        running: SPINNER[this.frame % SPINNER.length],
        done: '\x1b[32m✔\x1b[0m',
        skipped: '↷',
        planned: '»',
        failed: '\x1b[31m✘\x1b[0m',
      })[state] ?? '?';
    const lines = this.rows.map((r) => {
      const running = r.state === 'running' && r.started ? ` ${secs(Date.now() - r.started)}` : '';
      return `${glyph(r.state)} ${r.step.title}${r.detail ? ` \x1b[2m(${r.detail})\x1b[0m` : ''}${running}`;
    });
    lines.push(...this.tail);
    let out = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    out += `${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`;
    this.stream.write(out);
    this.drawn = lines.join('\n').split('\n').length;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
