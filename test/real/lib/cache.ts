/**
 * Where the real-tier binaries live and whether they are there: one git-ignored directory,
 * keyed by Kubernetes version, with the Go module and build caches beside it so `rm -rf` of
 * it is a true cold start.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const MODULES_DIR = path.join(REPO, 'test', 'real', 'k8s');
export const CACHE = process.env.KUBESTRAP_REAL_CACHE ?? path.join(REPO, '.cache', 'real');
/** Built from k8s.io/kubernetes for each version; kubectl too, so the steps run with the kubectl of the cluster's release, as `up` installs it. */
export const K8S_BINARIES = ['kube-apiserver', 'kubeadm', 'kubectl'] as const;
export const ETCD_MODULES_DIR = path.join(REPO, 'test', 'real', 'etcd');
/** Debian's etcd-server package. */
export const DEBIAN_ETCD = '/usr/bin/etcd';

/** The versions that have a Go module under test/real/k8s, oldest first. */
export function realVersions(): string[] {
  return readdirSync(MODULES_DIR)
    .filter((d) => /^v1\.\d+\.\d+$/.test(d) && existsSync(path.join(MODULES_DIR, d, 'go.mod')))
    .sort((a, b) => minorOf(a) - minorOf(b) || patchOf(a) - patchOf(b));
}

export function minorOf(version: string): number {
  return Number(version.split('.')[1]);
}
function patchOf(version: string): number {
  return Number(version.split('.')[2]);
}

export function binDir(version: string): string {
  return path.join(CACHE, version, 'bin');
}

export function binary(version: string, name: string): string {
  return path.join(binDir(version), name);
}

/** The etcd a version's control plane runs: Debian's, or one built at the version kubeadm pins. */
export type EtcdChoice = { source: 'debian'; path: string } | { source: 'built'; version: string; path: string };

export interface BuildStamp {
  version: string;
  inputs: string;
  etcd: EtcdChoice;
  go: string;
  seconds: number;
  builtAt: string;
}

export function etcdBinary(etcdVersion: string): string {
  return path.join(CACHE, 'etcd', etcdVersion, 'bin', 'etcd');
}

/** Left by a failed build for the tier to report (a failure, not a skip). */
export function buildErrorFile(version: string): string {
  return path.join(CACHE, version, 'build-error.log');
}

export function stampPath(version: string): string {
  return path.join(CACHE, version, 'build.json');
}

/** What a build depends on: the module files (a changed pin is a new build). */
export function inputsHash(version: string, dir = MODULES_DIR): string {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'tools.go']) {
    const p = path.join(dir, version, f);
    h.update(f);
    h.update(existsSync(p) ? readFileSync(p) : '');
  }
  return h.digest('hex').slice(0, 16);
}

export function readStamp(version: string): BuildStamp | undefined {
  try {
    return JSON.parse(readFileSync(stampPath(version), 'utf8')) as BuildStamp;
  } catch {
    return undefined;
  }
}

/** Built and current: every binary present and the stamp matching the module files. */
export function isBuilt(version: string): boolean {
  const stamp = readStamp(version);
  return (
    stamp?.inputs === inputsHash(version) &&
    K8S_BINARIES.every((b) => existsSync(binary(version, b))) &&
    (stamp.etcd.source === 'debian' || existsSync(stamp.etcd.path))
  );
}

/**
 * The environment every go command of the tier runs with: caches inside CACHE, the installed
 * toolchain only (no automatic toolchain download), module cache files writable so the cache
 * directory can be removed with rm.
 */
export function goEnv(): Record<string, string> {
  return {
    GOMODCACHE: path.join(CACHE, 'go', 'mod'),
    GOCACHE: path.join(CACHE, 'go', 'build'),
    GOFLAGS: '-modcacherw -buildvcs=false',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}
