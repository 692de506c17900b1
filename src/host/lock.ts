/**
 * One `up`, `reset` or `rebuild` at a time per host: two runs interleaving
 * kubeadm and kubectl calls would corrupt each other's state.
 */
import { lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HostError, UserError } from '../errors.js';
import { fileError, readTextFile } from './files.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock (a stale one from a killed run is taken over); returns the release function. */
export function acquireLock(stateDir: string): () => void {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw fileError(e, stateDir, 'create', 'host');
  }
  const file = path.join(stateDir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // O_CREAT|O_EXCL: a link planted at the lock's name is never followed.
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          rmSync(file, { force: true });
        } catch {
          /* replaced by something else meanwhile: not ours to remove */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(e, file, 'create', 'host');
      const st = lstatSync(file);
      if (!st.isFile())
        throw new HostError(
          file,
          `is ${st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}, not kubestrap's lock file; remove it and run again`,
        );
      const pid = Number(readTextFile(file, { maxBytes: 64, owner: 'host' }).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new UserError(`another kubestrap run (pid ${pid}) is working on this host; wait for it or stop it`, {
          file,
        });
      }
      rmSync(file, { force: true });
    }
  }
  throw new HostError(file, 'could not take the lock (another run took it at the same moment?); run again');
}
