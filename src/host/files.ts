/**
 * The one way kubestrap reads files a user names and writes files as root.
 *
 * Reads are capped (a config named `/dev/zero` ends with a message, not with
 * the machine's memory) and refuse directories. Writes never follow or replace
 * a symbolic link: the data goes to a new temporary file in the same directory
 * (created exclusively, so a link planted under that name is not followed),
 * is flushed, and is renamed over the path; a failure (a full disk) removes the
 * temporary file and leaves the previous file as it was.
 *
 * Filesystem errors become one line naming the path: a UserError (exit 2) for
 * paths the user gave, a HostError (exit 1) for kubestrap's own files on the host.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { HostError, UserError } from '../errors.js';

/** Whose path it is: a path the user gave (exit 2) or kubestrap's own file on the host (exit 1). */
export type PathOwner = 'user' | 'host';

export const MiB = 1024 * 1024;

/** What went wrong, in words, for an fs error code. */
export function describeFsError(e: unknown, op: 'read' | 'write' | 'remove' | 'create'): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return op === 'read' ? 'no such file' : 'its directory does not exist';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (cannot ${op} it${process.getuid?.() === 0 ? '' : '; run with sudo if it is a host file'})`;
    case 'EISDIR':
      return 'is a directory; give the path of a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return op === 'read'
        ? 'too many levels of symbolic links (a link that points to itself?)'
        : 'is a symbolic link; kubestrap does not write through links';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'EEXIST':
      return op === 'create' ? 'exists but is not a directory; move it away' : 'already exists';
    case 'EBUSY':
      return 'is busy (a mount point?)';
    case 'EIO':
      return 'input/output error from the device';
    default:
      return (e as Error)?.message ?? String(e);
  }
}

/** An fs error about `file` as the error the CLI prints. */
export function fileError(e: unknown, file: string, op: 'read' | 'write' | 'remove' | 'create', owner: PathOwner) {
  if (e instanceof UserError || e instanceof HostError) return e;
  return problem(file, describeFsError(e, op), owner);
}

function problem(file: string, message: string, owner: PathOwner): UserError | HostError {
  return owner === 'user' ? new UserError(message, { file }) : new HostError(file, message);
}

function lstatOrUndefined(file: string, owner: PathOwner): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw fileError(e, file, 'read', owner);
  }
}

function sizeText(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`;
}

/**
 * Reads a whole text file of at most `maxBytes`. Links are followed (a config may
 * well be one); directories, and anything larger than the cap, are refused.
 */
export function readTextFile(
  file: string,
  opts: { maxBytes: number; owner?: PathOwner; what?: string; displayName?: string },
): string {
  const owner = opts.owner ?? 'user';
  const name = opts.displayName ?? file;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw fileError(e, name, 'read', owner);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw problem(name, 'is a directory; give the path of a file', owner);
    const tooBig = () =>
      problem(
        name,
        `is larger than ${sizeText(opts.maxBytes)}, the most kubestrap reads for ${opts.what ?? 'this file'}; is it the right file?`,
        owner,
      );
    if (st.isFile() && st.size > opts.maxBytes) throw tooBig();
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw fileError(e, name, 'read', owner);
      }
      if (n === 0) break;
      total += n;
      if (total > opts.maxBytes) throw tooBig();
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses to write at `file` when it is a symbolic link, a directory or anything
 * but a regular file; missing is fine. Read-only: for checks before anything changes.
 */
export function checkWritablePath(file: string, owner: PathOwner = 'user'): void {
  const st = lstatOrUndefined(file, owner);
  if (st?.isSymbolicLink())
    throw problem(
      file,
      'is a symbolic link; kubestrap does not write through links (that would change the file it points to): remove the link or give another path',
      owner,
    );
  if (st?.isDirectory()) throw problem(file, 'is a directory; give the path of a file in it', owner);
  if (st && !st.isFile()) throw problem(file, 'is not a regular file', owner);
  const dir = path.dirname(file);
  let dirStat: Stats;
  try {
    // The directory may be reached through a link (a user's own layout); only the file itself may not be one.
    dirStat = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw problem(file, code === 'ENOENT' ? `the directory ${dir} does not exist` : describeFsError(e, 'write'), owner);
  }
  if (!dirStat.isDirectory()) throw problem(file, `${dir} is not a directory`, owner);
}

export interface WriteOptions {
  mode: number;
  owner?: PathOwner;
  /** chown the file (the kubeconfig of the user who ran sudo). */
  chown?: { uid: number; gid: number };
  /** Where the temporary file goes, on the same file system (default: beside the file). */
  tmpDir?: string;
}

/**
 * Writes `data` to a new temporary file in `dir` named after `base` (created
 * exclusively, never through a link), with `mode` exactly, flushed to disk.
 * Returns its path; the caller renames it into place or removes it.
 */
export function writeTempFile(
  dir: string,
  base: string,
  data: string | Buffer,
  opts: { mode: number; chown?: { uid: number; gid: number } },
): string {
  const tmp = path.join(dir, `.${base}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    opts.mode & 0o777,
  );
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    // The umask must not loosen or tighten the mode asked for (0600 for secrets).
    fchmodSync(fd, opts.mode & 0o777);
    if (opts.chown) fchownSync(fd, opts.chown.uid, opts.chown.gid);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeQuietly(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/** Removes a file if it is there; for cleaning up after a failure. */
export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/** Writes `data` to `file` atomically, never through a link (see the module comment). */
export function writeFileAtomic(file: string, data: string | Buffer, opts: WriteOptions): void {
  const owner = opts.owner ?? 'user';
  checkWritablePath(file, owner);
  let tmp: string;
  try {
    tmp = writeTempFile(opts.tmpDir ?? path.dirname(file), path.basename(file), data, opts);
  } catch (e) {
    throw fileError(e, file, 'write', owner);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    removeQuietly(tmp);
    throw fileError(e, file, 'write', owner);
  }
}

/** Is `file` a symbolic link? (lstat: the link itself, not what it points to.) */
export function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
