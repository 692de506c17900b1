/**
 * What the install step needs to know about a host, read only through its HostAccess
 * (files) and runner (dpkg-query, apt-mark, systemctl), so the same code reads a remote
 * host over SSH. Changes nothing.
 */
import type { Runner } from '../exec/runner.js';
import type { HostAccess } from './access.js';
import { containerdVersion } from './runtime.js';

export interface OsRelease {
  id: string;
  /** ID_LIKE, split: `ubuntu` has `debian`. */
  idLike: string[];
  versionId: string;
  codename: string;
  prettyName: string;
}

export interface InstallFacts {
  os?: OsRelease;
  /** `dpkg --print-architecture`; only read when Docker's repository is needed. */
  arch?: string;
  /** Installed packages (dpkg status `ii`, or half-configured ones) and their versions. */
  packages: Record<string, string>;
  held: string[];
  /** File contents (undefined: absent). */
  files: Record<string, string | undefined>;
  /** Paths that exist. */
  exists: Record<string, boolean>;
  containerd?: [number, number, number];
  services: { containerd: { enabled: boolean; active: boolean }; kubelet: { enabled: boolean } };
  /** The node already runs a cluster (kubeadm wrote kubelet.conf). */
  clusterNode: boolean;
}

export function parseOsRelease(text: string): OsRelease | undefined {
  const kv: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) kv[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  if (!kv.ID) return undefined;
  return {
    id: kv.ID,
    idLike: (kv.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
    versionId: kv.VERSION_ID ?? '',
    codename: kv.VERSION_CODENAME ?? kv.UBUNTU_CODENAME ?? '',
    prettyName: kv.PRETTY_NAME ?? kv.ID,
  };
}

/** Debian, Ubuntu and their derivatives: apt and dpkg. */
export function usesApt(os: OsRelease | undefined): boolean {
  return os !== undefined && (os.id === 'debian' || os.id === 'ubuntu' || os.idLike.includes('debian'));
}

/**
 * `dpkg-query -W -f '${Package}\t${db:Status-Abbrev}\t${Version}\n' NAMES...`: one line per
 * package dpkg knows (`ii ` installed, `rc ` removed with its config left, ...); unknown
 * names go to stderr ("dpkg-query: no packages found matching X") with exit 1.
 */
export function parseDpkgQuery(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const [name, status, version] = line.split('\t');
    // ii: installed; iU/iF: unpacked or half-configured, which apt-get install completes.
    if (name && version && /^i[iUF]/.test(status ?? '')) out[name.replace(/:[a-z0-9]+$/, '')] = version;
  }
  return out;
}

export interface FactQuery {
  packages: string[];
  /** Files whose content matters. */
  files: string[];
  /** Files whose existence matters. */
  exists: string[];
  /** Docker's repository is in play: read the architecture too. */
  arch: boolean;
}

export async function readInstallFacts(runner: Runner, host: HostAccess, q: FactQuery): Promise<InstallFacts> {
  const readFile = (file: string) => host.readText(host.paths.at(file));
  const exists = (file: string) => host.exists(host.paths.at(file));
  const osText = await readFile('/etc/os-release');
  const os = osText === undefined ? undefined : parseOsRelease(osText);
  const facts: InstallFacts = {
    os,
    packages: {},
    held: [],
    files: {},
    exists: {},
    services: { containerd: { enabled: false, active: false }, kubelet: { enabled: false } },
    clusterNode: await exists('/etc/kubernetes/kubelet.conf'),
  };
  if (!usesApt(os)) return facts;
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format fields, not JavaScript
  const format = '${Package}\t${db:Status-Abbrev}\t${Version}\n';
  const dpkg = await runner.run('dpkg-query', ['-W', '-f', format, ...q.packages], { allowFailure: true });
  facts.packages = parseDpkgQuery(dpkg.stdout);
  const held = await runner.run('apt-mark', ['showhold'], { allowFailure: true });
  facts.held = held.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const f of q.files) facts.files[f] = await readFile(f);
  for (const f of q.exists) facts.exists[f] = await exists(f);
  if (q.arch) {
    const a = await runner.run('dpkg', ['--print-architecture'], { allowFailure: true });
    facts.arch = a.exitCode === 0 ? a.stdout.trim() : undefined;
  }
  facts.containerd = await containerdVersion(runner);
  const state = async (verb: string, unit: string) =>
    (await runner.run('systemctl', [verb, unit], { allowFailure: true })).stdout.trim();
  facts.services.containerd.enabled = (await state('is-enabled', 'containerd')) === 'enabled';
  facts.services.containerd.active = (await state('is-active', 'containerd')) === 'active';
  facts.services.kubelet.enabled = (await state('is-enabled', 'kubelet')) === 'enabled';
  return facts;
}
