/**
 * Builds kube-apiserver and kubeadm for each version under test/real/k8s from the Go modules
 * of k8s.io/kubernetes (the module cache, never a checkout), into the version's cache
 * directory. Versions already built are left alone.
 */
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  binDir,
  DEBIAN_ETCD,
  ETCD_MODULES_DIR,
  type EtcdChoice,
  etcdBinary,
  goEnv,
  inputsHash,
  isBuilt,
  K8S_BINARIES,
  MODULES_DIR,
  type BuildStamp,
  stampPath,
} from './cache.js';

export interface BuildOptions {
  /** go build -p: packages compiled at once (default: the CPU count). */
  parallel?: number;
  log?: (line: string) => void;
}

/** The tags Kubernetes' own release build uses, plus providerless (no in-tree cloud providers). */
const TAGS = 'providerless,selinux,notest';

async function go(args: string[], cwd: string, env: Record<string, string> = {}): Promise<void> {
  const r = await execa('go', args, {
    cwd,
    env: { ...goEnv(), ...env },
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  if (r.exitCode !== 0) {
    throw new Error(`go ${args.join(' ')} (in ${cwd}) exited with ${r.exitCode}:\n${String(r.all).slice(-4000)}`);
  }
}

export async function goVersion(): Promise<string> {
  const r = await execa('go', ['env', 'GOVERSION'], { env: goEnv(), reject: false });
  if (r.exitCode !== 0) throw new Error('go is not installed (go env GOVERSION failed)');
  return String(r.stdout).trim();
}

/** -X flags that make `--version` print the release, as hack/lib/version.sh does. */
function versionLdflags(version: string, origin: Origin): string {
  const [major, minor] = version.slice(1).split('.');
  const vars: Record<string, string> = {
    gitVersion: version,
    gitMajor: major,
    gitMinor: minor,
    gitTreeState: 'clean',
    // The release's own time, so two builds of one version are the same binary.
    buildDate: origin.time,
  };
  if (origin.commit) vars.gitCommit = origin.commit;
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version']) {
    for (const [k, v] of Object.entries(vars)) flags.push(`-X ${pkg}.${k}=${v}`);
  }
  return flags.join(' ');
}

async function moduleDir(version: string): Promise<string> {
  const r = await execa('go', ['list', '-m', '-f', '{{.Dir}}', 'k8s.io/kubernetes'], {
    cwd: path.join(MODULES_DIR, version),
    env: goEnv(),
    reject: false,
  });
  if (r.exitCode !== 0) throw new Error(`go list -m k8s.io/kubernetes failed for ${version}:\n${r.stderr}`);
  return String(r.stdout).trim();
}

interface Origin {
  commit?: string;
  time: string;
}

/** The release's commit and time, from the module proxy's record of the tag. */
async function upstreamOrigin(version: string): Promise<Origin> {
  const r = await execa('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
    cwd: path.join(MODULES_DIR, version),
    env: goEnv(),
    reject: false,
  });
  try {
    const info = JSON.parse(String(r.stdout)) as { Time?: string; Origin?: { Hash?: string } };
    return { commit: info.Origin?.Hash, time: (info.Time ?? '1970-01-01T00:00:00Z').replace(/\.\d+Z$/, 'Z') };
  } catch {
    return { time: '1970-01-01T00:00:00Z' };
  }
}

/**
 * Debian's etcd 3.4 takes the flags kubeadm writes for etcd 3.5 (the --experimental-* ones);
 * etcd 3.6 renamed them (--feature-gates=InitialCorruptCheck=true, ...) and kubeadm followed
 * when it moved to 3.6, so from then on the tier runs the exact etcd kubeadm pins, built from
 * go.etcd.io/etcd like the Kubernetes binaries.
 */
function etcdPinnedBy(src: string): string {
  const constants = readFileSync(path.join(src, 'cmd/kubeadm/app/constants/constants.go'), 'utf8');
  const m = constants.match(/DefaultEtcdVersion\s*=\s*"(\d+)\.(\d+)\.(\d+)/);
  if (!m) throw new Error('DefaultEtcdVersion not found in kubeadm constants.go');
  return `v${m[1]}.${m[2]}.${m[3]}`;
}

async function etcdFor(src: string, opts: BuildOptions): Promise<EtcdChoice> {
  const pinned = etcdPinnedBy(src);
  const [major, minor] = pinned.slice(1).split('.').map(Number);
  if (major === 3 && minor < 6) return { source: 'debian', path: DEBIAN_ETCD };
  const out = etcdBinary(pinned);
  const stamp = path.join(path.dirname(path.dirname(out)), 'build.json');
  const dir = path.join(ETCD_MODULES_DIR, pinned);
  if (!existsSync(path.join(dir, 'go.mod'))) {
    throw new Error(`kubeadm pins etcd ${pinned}: add its Go module as test/real/etcd/${pinned}/go.mod`);
  }
  const inputs = inputsHash(pinned, ETCD_MODULES_DIR);
  const current = existsSync(out) && existsSync(stamp) && JSON.parse(readFileSync(stamp, 'utf8')).inputs === inputs;
  if (!current) {
    (opts.log ?? (() => {}))(`etcd ${pinned}: go mod download and go build -p ${buildParallelism(opts)} ...`);
    const started = performance.now();
    await go(['mod', 'download'], dir);
    await go(
      [
        'build',
        '-mod=readonly',
        '-p',
        buildParallelism(opts),
        '-trimpath',
        '-ldflags',
        '-s -w',
        '-o',
        `${out}.tmp`,
        'go.etcd.io/etcd/server/v3',
      ],
      dir,
    );
    renameSync(`${out}.tmp`, out);
    const seconds = secondsSince(started);
    (opts.log ?? (() => {}))(`etcd ${pinned}: built in ${seconds} s`);
    writeFileSync(stamp, `${JSON.stringify({ version: pinned, inputs, seconds }, null, 2)}\n`);
  }
  return { source: 'built', version: pinned, path: out };
}

function secondsSince(start: number): number {
  return Math.round((performance.now() - start) / 1000);
}

function buildParallelism(opts: BuildOptions): string {
  return String(opts.parallel ?? os.availableParallelism());
}

export interface BuildResult {
  version: string;
  built: boolean;
  seconds: number;
}

export async function buildVersion(version: string, opts: BuildOptions = {}): Promise<BuildResult> {
  const log = opts.log ?? (() => {});
  if (isBuilt(version)) return { version, built: false, seconds: 0 };
  const started = performance.now();
  const mod = path.join(MODULES_DIR, version);
  const downloadStart = performance.now();
  await go(['mod', 'download'], mod);
  log(`${version}: go mod download took ${secondsSince(downloadStart)} s`);
  const src = await moduleDir(version);
  // kube-apiserver needs the OpenAPI definitions Kubernetes generates into this file. Every
  // release the tier builds has it in its module (v1.24.17 included, checked against
  // sum.golang.org); a release without it would need openapi-gen run first, which this
  // build does not do.
  if (!existsSync(path.join(src, 'pkg/generated/openapi/zz_generated.openapi.go'))) {
    throw new Error(
      `k8s.io/kubernetes@${version} has no pkg/generated/openapi/zz_generated.openapi.go: kube-apiserver cannot be built from the module alone`,
    );
  }
  const tmp = `${binDir(version)}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const p = buildParallelism(opts);
  log(`${version}: go build -p ${p} ${K8S_BINARIES.join(' ')} ...`);
  const buildStart = performance.now();
  await go(
    [
      'build',
      '-mod=readonly',
      '-p',
      p,
      '-trimpath',
      '-tags',
      TAGS,
      '-ldflags',
      versionLdflags(version, await upstreamOrigin(version)),
      '-o',
      tmp + path.sep,
      ...K8S_BINARIES.map((b) => `k8s.io/kubernetes/cmd/${b}`),
    ],
    mod,
  );
  rmSync(binDir(version), { recursive: true, force: true });
  renameSync(tmp, binDir(version));
  log(`${version}: go build took ${secondsSince(buildStart)} s`);
  const etcd = await etcdFor(src, opts);
  const seconds = secondsSince(started);
  const stamp: BuildStamp = {
    version,
    inputs: inputsHash(version),
    etcd,
    go: await goVersion(),
    seconds,
    builtAt: new Date().toISOString(),
  };
  writeFileSync(stampPath(version), `${JSON.stringify(stamp, null, 2)}\n`);
  return { version, built: true, seconds };
}

export function readGoMod(version: string): string {
  return readFileSync(path.join(MODULES_DIR, version, 'go.mod'), 'utf8');
}
