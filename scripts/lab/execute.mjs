/**
 * Runs (or, in dry-run mode, prints) a plan from plan.mjs. Commands run from their
 * argv: zx quotes every element of an interpolated array, so no value is ever
 * parsed by a shell.
 */
import { statSync } from 'node:fs';
import { LabError } from './plan.mjs';

/** A command as a person would type it (for the log only). */
export function shown(argv) {
  return argv.map((a) => (/^[\w@%+=:,./*-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the control plane's join file exists and is fresh enough, for at
 * most `timeout` seconds. A stale one fails at once: its token has expired.
 */
export async function waitForJoinFile({ path, maxAgeSeconds }, timeout, say, pollMs = 5000) {
  const deadline = Date.now() + timeout * 1000;
  let told = 0;
  for (;;) {
    let age;
    try {
      age = (Date.now() - statSync(path).mtimeMs) / 1000;
    } catch {
      age = undefined;
    }
    if (age !== undefined && age <= maxAgeSeconds) return;
    if (age !== undefined) {
      throw new LabError(
        `${path} is ${Math.round(age / 60)} min old: its token has expired or is about to (kubeadm#1988). ` +
          'Write a fresh one with `vagrant provision cp`, then provision this worker again.',
      );
    }
    if (Date.now() >= deadline) {
      throw new LabError(
        `${path} did not appear within ${timeout}s: is cp up? \`vagrant up cp\` (or \`vagrant provision cp\`) writes it`,
      );
    }
    if (Date.now() - told >= 60_000) {
      say(`waiting for ${path} (the control plane writes it once its cluster is up)`);
      told = Date.now();
    }
    await sleep(pollMs);
  }
}

/**
 * Dry run: each command as one JSON argv line on `out` (stdout), notes through
 * `say`. Otherwise each command runs after its reason is printed; the first
 * failure throws LabError. Returns how many commands ran (or would run).
 */
/**
 * @param {import('./plan.mjs').LabStep[]} steps
 * @param {{ $: any, dryRun: boolean, say: (text: string) => void, joinTimeout?: number, out?: { write(s: string): unknown } }} how
 * @returns {Promise<number>}
 */
export async function executeSteps(steps, { $, dryRun, say, joinTimeout = 1800, out = process.stdout }) {
  if (!dryRun) process.env.DEBIAN_FRONTEND = 'noninteractive';
  let count = 0;
  for (const step of steps) {
    if (step.kind === 'note') {
      say(step.text);
      continue;
    }
    count++;
    if (dryRun) {
      if (step.waitFor)
        say(`the next command first waits for ${step.waitFor.path} (written by cp), at most ${joinTimeout}s`);
      if (step.input !== undefined)
        say(`stdin of the next command:\n${step.input.replace(/\n$/, '').replace(/^/gm, '    | ')}`);
      out.write(`${JSON.stringify(step.argv)}\n`);
      continue;
    }
    say(step.why);
    if (step.waitFor) await waitForJoinFile(step.waitFor, joinTimeout, say);
    out.write(`+ ${shown(step.argv)}\n`);
    const stdio = [step.input !== undefined ? 'pipe' : 'ignore', step.quiet ? 'ignore' : 'inherit', 'inherit'];
    const r = await $({ stdio, input: step.input, nothrow: true, quiet: false })`${step.argv}`;
    if (r.exitCode !== 0) {
      throw new LabError(`\`${shown(step.argv)}\` failed (exit ${r.exitCode})${step.hint ? `: ${step.hint}` : ''}`);
    }
  }
  return count;
}
