// What a test run leaves behind. The run gets a temp dir of its own (TMPDIR) and a marker
// in its environment that every process it starts inherits; afterwards, whatever is left
// in that dir or still running with the marker is a leak: reported, then removed or killed.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Starts watching a run: `env` is for the run's processes; `check()` ends the watch and returns the leftovers. */
export function watchRun() {
  const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), `kubestrap-test-run-${process.pid}-`));
  // Traversable (not listable) by other users, as /tmp is: some tests run the CLI as an
  // unprivileged user (setpriv) on files they put in their own scratch directory.
  chmodSync(dir, 0o711);
  const marker = `KUBESTRAP_TEST_RUN=${id}`;
  return {
    dir,
    env: { TMPDIR: dir, KUBESTRAP_TEST_RUN: id },
    /** Processes still running get `graceMs` to finish on their own before they count. */
    async check(graceMs = 5000) {
      const deadline = Date.now() + graceMs;
      let procs = processesWith(marker);
      while (procs.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        procs = processesWith(marker);
      }
      for (const { pid } of procs) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      // tsx, the loader the tests run through, keeps its transpile cache in the temp dir
      // (tsx-UID): the runner's own, not something a test made.
      const files = readdirSync(dir).filter((f) => !/^tsx-\d+$/.test(f));
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      return { procs, files };
    },
  };
}

/** Processes (but this one) whose environment holds `marker`: {pid, cmd}. */
function processesWith(marker) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker)) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(entry), cmd });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out;
}
