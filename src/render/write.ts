/**
 * Writes a render to a directory, replacing exactly the files kubestrap wrote
 * there before and nothing else.
 *
 * The marker file `.kubestrap-render` lists the files of the last render; the
 * next render replaces those it writes again and deletes those it no longer
 * writes (a manifest switched off must not linger to be applied), and leaves
 * every other file (`.git`, notes, the user's own manifests) alone. A non-empty
 * directory without a marker is refused. So is a directory that is, or holds,
 * the config being read or the working directory.
 *
 * Links are never followed or replaced: the directory, every folder in it and
 * every file kubestrap would write must not be a symbolic link. New files are
 * staged as temporary files beside their final names and renamed into place
 * only once all of them are written, so a failure (a full disk) leaves the
 * previous render as it was.
 */
import { lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { HostError, UserError } from '../errors.js';
import {
  MiB,
  fileError,
  readTextFile,
  removeQuietly,
  writeFileAtomic,
  writeTempFile,
  type PathOwner,
} from '../host/files.js';
import type { Artifact } from './index.js';

export const RENDER_MARKER = '.kubestrap-render';

const MARKER_HEADER = [
  '# Written by `kubestrap render`. The next render replaces exactly the files listed',
  '# below (and deletes those it no longer writes); nothing else in this directory.',
];

/** What an older kubestrap wrote in its marker, when it replaced the whole directory. */
const LEGACY_MARKER = 'Written by `kubestrap render`; the whole directory is replaced on the next render.';

/** Every path an older kubestrap could have written (its marker did not list them). */
const LEGACY_FILES =
  /^(kubeadm-config\.yaml|manifests\/\d\d-[a-z-]+\.yaml|host\/etc\/kubernetes\/pod-security\/[a-z-]+\.yaml)$/;

/** A relative path kubestrap writes: plain names, no `..`, no absolute paths. */
const SAFE_RELATIVE = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._/-]+$/;

/** A path the render directory must not be, or contain. */
export interface ProtectedPath {
  path: string;
  /** How to name it in the message: `the config file cluster.yaml`, `the working directory`. */
  what: string;
}

export interface WriteRenderOptions {
  protect?: ProtectedPath[];
  /** `user` for `render -o` (exit 2), `host` for `up`'s own copy under /var/lib/kubestrap (exit 1). */
  owner?: PathOwner;
}

function lstatMaybe(p: string, shown: string, owner: PathOwner): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(e, shown, 'read', owner);
  }
}

function refuse(shown: string, message: string, owner: PathOwner): never {
  throw owner === 'user' ? new UserError(message, { file: shown }) : new HostError(shown, message);
}

/** The real path of `p`, resolving links in the part of it that exists. */
function realish(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(head), ...tail);
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      tail.unshift(path.basename(head));
      head = parent;
    }
  }
}

function isSameOrInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The files the previous render wrote, from its marker (validated: nothing outside the directory). */
function previousFiles(markerText: string): string[] {
  const lines = markerText.split('\n').map((l) => l.trim());
  if (lines[0] === LEGACY_MARKER) return [];
  return lines.filter((l) => l !== '' && !l.startsWith('#') && SAFE_RELATIVE.test(l));
}

/** Files an older kubestrap wrote under `target`, found by their names (its marker listed none). */
function legacyFiles(target: string): string[] {
  const found: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(target, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && (p === 'manifests' || 'host/etc/kubernetes/pod-security'.startsWith(p))) walk(p);
      else if (e.isFile() && LEGACY_FILES.test(p)) found.push(p);
    }
  };
  walk('');
  return found;
}

/**
 * Checks that every folder on the way from `target` to `rel` is a real folder (or
 * missing) and that the file itself is a regular file (or missing). Read-only.
 */
function checkInside(target: string, dir: string, rel: string, owner: PathOwner): 'file' | 'missing' {
  const parts = rel.split('/');
  let p = target;
  let shown = dir;
  for (let i = 0; i < parts.length; i++) {
    p = path.join(p, parts[i]);
    shown = path.join(shown, parts[i]);
    const st = lstatMaybe(p, shown, owner);
    if (!st) return 'missing';
    if (st.isSymbolicLink())
      refuse(
        shown,
        'is a symbolic link; kubestrap render neither follows nor replaces links: remove it, or render to another directory',
        owner,
      );
    const last = i === parts.length - 1;
    if (!last && !st.isDirectory()) refuse(shown, 'is in the way of a folder kubestrap writes; move it away', owner);
    if (last && !st.isFile()) refuse(shown, 'is in the way of a file kubestrap writes; move it away', owner);
  }
  return 'file';
}

export function writeRender(dir: string, artifacts: Artifact[], opts: WriteRenderOptions = {}): string[] {
  const owner = opts.owner ?? 'user';
  const target = path.resolve(dir);
  const realTarget = realish(target);
  for (const p of opts.protect ?? []) {
    const inner = realish(p.path);
    if (isSameOrInside(inner, realTarget)) {
      const relation = inner === realTarget ? 'is' : 'contains';
      refuse(
        dir,
        `${relation} ${p.what}; render replaces files in its directory: choose a directory of its own for -o, e.g. rendered`,
        owner,
      );
    }
  }

  const top = lstatMaybe(target, dir, owner);
  if (top?.isSymbolicLink())
    refuse(dir, 'is a symbolic link; give the real directory (kubestrap render does not follow links)', owner);
  if (top && !top.isDirectory()) refuse(dir, 'is not a directory; give a directory for the rendered files', owner);

  let previous: string[] = [];
  if (top) {
    let entries: string[];
    try {
      entries = readdirSync(target);
    } catch (e) {
      throw fileError(e, dir, 'read', owner);
    }
    if (entries.includes(RENDER_MARKER)) {
      const marker = path.join(target, RENDER_MARKER);
      if (!lstatSync(marker).isFile())
        refuse(path.join(dir, RENDER_MARKER), 'is not a regular file; remove it and render again', owner);
      const text = readTextFile(marker, { maxBytes: MiB, owner, displayName: path.join(dir, RENDER_MARKER) });
      previous = text.split('\n')[0].trim() === LEGACY_MARKER ? legacyFiles(target) : previousFiles(text);
    } else if (entries.length > 0) {
      refuse(
        dir,
        `${dir} is not empty and was not written by kubestrap render; choose another -o directory or empty it`,
        owner,
      );
    }
  }

  const next = artifacts.map((a) => a.path);
  for (const rel of next) checkInside(target, dir, rel, owner);
  // Files to delete must be reachable without links, or they are left where they are.
  const stale = previous.filter((rel) => !next.includes(rel));

  const created: string[] = [];
  const staged: { tmp: string; file: string }[] = [];
  const mkdirs = (d: string) => {
    if (lstatMaybe(d, d, owner)) return;
    mkdirs(path.dirname(d));
    mkdirSync(d, { mode: 0o755 });
    created.push(d);
  };
  let current = dir;
  try {
    for (const a of artifacts) {
      const file = path.join(target, a.path);
      current = path.join(dir, a.path);
      mkdirs(path.dirname(file));
      const mode = a.kind === 'host-file' ? 0o600 : 0o644;
      staged.push({ tmp: writeTempFile(path.dirname(file), path.basename(file), a.text, { mode }), file });
    }
    current = path.join(dir, RENDER_MARKER);
    // Until the swap is complete, the marker lists old and new files: an interrupted render is cleaned up next time.
    writeMarker(target, [...new Set([...previous, ...next])], owner);
  } catch (e) {
    for (const s of staged) removeQuietly(s.tmp);
    for (const d of created.reverse()) rmdirQuietly(d);
    throw fileError(e, current, 'write', owner);
  }
  for (const s of staged) renameSync(s.tmp, s.file);
  for (const rel of stale) removeStale(target, rel);
  writeMarker(target, next, owner);
  return next.map((rel) => path.join(dir, rel));
}

function writeMarker(target: string, files: string[], owner: PathOwner): void {
  writeFileAtomic(path.join(target, RENDER_MARKER), `${[...MARKER_HEADER, ...files].join('\n')}\n`, {
    mode: 0o644,
    owner,
  });
}

/** Deletes a file the previous render wrote, only if it is still a regular file reached without links. */
function removeStale(target: string, rel: string): void {
  let p = target;
  const parts = rel.split('/');
  for (let i = 0; i < parts.length; i++) {
    p = path.join(p, parts[i]);
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    if (i < parts.length - 1 && !st.isDirectory()) return;
    if (i === parts.length - 1 && !st.isFile()) return;
  }
  removeQuietly(p);
  // Folders the render made and that are now empty (host/etc/... after a switch to PSP) go too.
  for (let d = path.dirname(p); d !== target && d.startsWith(target); d = path.dirname(d)) {
    if (!rmdirQuietly(d)) break;
  }
}

function rmdirQuietly(d: string): boolean {
  try {
    rmdirSync(d);
    return true;
  } catch {
    return false;
  }
}
