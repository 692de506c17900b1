/**
 * The node's package tools: `apt-get update|install`, `apt-mark hold|unhold|showhold`,
 * `dpkg-query -W -f FORMAT`, `dpkg --print-architecture`, and `curl` for the two
 * signing keys kubestrap fetches. dpkg's database is `host.packages`; what apt can
 * install is what the repositories named in /etc/apt/sources.list.d/*.list served at the
 * last `apt-get update` (a repository whose signed-by keyring is missing is refused, as
 * apt does). Installing a package brings what it brings on a real node: the tools, the
 * kubelet unit (enabled and crash-looping until kubeadm configures it), containerd with
 * the config its package ships, running, its socket present.
 *
 * Messages and exit codes are the real tools' (test/sim/REAL-OUTPUTS.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Sim } from '../state.js';
import type { SimState } from '../types.js';
import { writeHostFile } from '../cluster.js';

/** What Debian 12's containerd package (1.6.20~ds1-1+deb12u3) ships as /etc/containerd/config.toml (REAL-OUTPUTS.md). */
export const DISTRIBUTION_CONTAINERD_CONFIG = `version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
`;

/** Docker's containerd.io ships this: the CRI plugin off (for Docker itself, which does not need it). */
export const DOCKER_CONTAINERD_CONFIG = 'disabled_plugins = ["cri"]\n';

/** The executable each package brings (what answers 127 until it is installed). */
export const PACKAGE_TOOLS: Record<string, string[]> = {
  kubeadm: ['kubeadm'],
  kubelet: ['kubelet'],
  kubectl: ['kubectl'],
  'cri-tools': ['crictl'],
  conntrack: ['conntrack'],
  socat: ['socat'],
  ebtables: ['ebtables'],
  ethtool: ['ethtool'],
  containerd: ['containerd'],
  'containerd.io': ['containerd'],
};

/** A Kubernetes package version as pkgs.k8s.io names it (`1.31.4-1.1`); the old Google repository used `-00`. */
export function kubeDebVersion(v: string): string {
  const bare = v.replace(/^v/, '');
  const minor = Number(bare.split('.')[1]);
  return `${bare}${minor >= 24 ? '-1.1' : '-00'}`;
}

interface Candidate {
  version: string;
  /** The repository line prefix that serves it (undefined: the distribution's archive). */
  repo?: string;
}

/** The patches pkgs.k8s.io has for a minor in this model: 0 to 30 (a later one is "not found"). */
const LAST_PATCH = 30;

function distroVersion(s: SimState, pkg: string): string | undefined {
  const ubuntu = (s.host.os?.id ?? 'ubuntu') === 'ubuntu';
  const table: Record<string, string> = ubuntu
    ? {
        'ca-certificates': '20240203',
        curl: '8.5.0-2ubuntu10.6',
        conntrack: '1:1.4.8-1ubuntu1',
        socat: '1.8.0.0-4build3',
        ebtables: '2.0.11-6build1',
        ethtool: '1:6.7-1build1',
        iproute2: '6.1.0-1ubuntu6',
        iptables: '1.8.10-3ubuntu2',
        mount: '2.39.3-9ubuntu6.1',
        'util-linux': '2.39.3-9ubuntu6.1',
        containerd: '1.7.28-0ubuntu1~24.04.1',
        runc: '1.2.5-0ubuntu1~24.04.1',
      }
    : {
        'ca-certificates': '20230311',
        curl: '7.88.1-10+deb12u14',
        conntrack: '1:1.4.7-1+b2',
        socat: '1.7.4.4-2',
        ebtables: '2.0.11-5',
        ethtool: '1:6.1-1',
        iproute2: '6.1.0-3',
        iptables: '1.8.9-2',
        mount: '2.38.1-5+deb12u3',
        'util-linux': '2.38.1-5+deb12u3',
        containerd: '1.6.20~ds1-1+deb12u3',
        runc: '1.1.5+ds1-1+deb12u1',
      };
  return table[pkg];
}

/** The repository lines apt fetched at the last update. */
function fetched(s: SimState): string[] {
  return s.host.aptLists ?? [];
}

function candidates(s: SimState, pkg: string): Candidate[] {
  const out: Candidate[] = [];
  const d = distroVersion(s, pkg);
  if (d) out.push({ version: d });
  for (const line of fetched(s)) {
    const k8s = /https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.(\d+)\/deb\//.exec(line);
    if (k8s) {
      const minor = Number(k8s[1]);
      if (['kubeadm', 'kubelet', 'kubectl'].includes(pkg))
        for (let p = 0; p <= LAST_PATCH; p++) out.push({ version: `1.${minor}.${p}-1.1`, repo: line });
      if (pkg === 'cri-tools') out.push({ version: `1.${minor}.0-1.1`, repo: line });
      if (pkg === 'kubernetes-cni') out.push({ version: '1.5.1-1.1', repo: line });
    }
    const docker = /https:\/\/download\.docker\.com\/linux\/(ubuntu|debian) (\S+) stable/.exec(line);
    if (docker && pkg === 'containerd.io') {
      out.push({ version: `1.7.28-1~${docker[1]}.${docker[2]}`, repo: line });
      out.push({ version: `2.2.1-1~${docker[1]}.${docker[2]}`, repo: line });
    }
  }
  return out;
}

/** apt's version patterns: `1.31.4-*`, `2.*`, or an exact version. */
function matches(pattern: string, version: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^$()|[\]\\{}]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return re.test(version);
}

/** dpkg's version order, enough for these packages: numeric runs compared as numbers. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x === y) continue;
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return 0;
}

export async function run(sim: Sim): Promise<number> {
  const s = sim.peek();
  if ((s.host.missingTools ?? []).includes(sim.tool)) {
    sim.io.err(`${sim.tool}: command not found\n`);
    return 127;
  }
  switch (sim.tool) {
    case 'apt-get':
      return aptGet(sim);
    case 'apt-mark':
      return aptMark(sim);
    case 'dpkg-query':
      return dpkgQuery(sim);
    case 'dpkg':
      if (sim.argv.length === 1 && sim.argv[0] === '--print-architecture') {
        sim.io.out(`${s.host.arch ?? 'amd64'}\n`);
        return 0;
      }
      break;
    case 'curl':
      return curl(sim);
  }
  sim.io.err(`${sim.tool}: the simulated node does not model: ${sim.argv.join(' ')}\n`);
  return 1;
}

function lockDenied(sim: Sim): number {
  sim.io.err(
    'E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?\n',
  );
  return 100;
}

function sourceLines(sim: Sim): string[] {
  const dir = sim.at('/etc/apt/sources.list.d');
  const lines: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((f) => f.endsWith('.list'));
  } catch {
    return lines;
  }
  for (const f of names.sort())
    for (const l of fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
      if (/^\s*deb\s/.test(l)) lines.push(l.trim());
  return lines;
}

async function aptGet(sim: Sim): Promise<number> {
  const s0 = sim.peek();
  if (!s0.host.root) return lockDenied(sim);
  const flags = new Set<string>();
  const args: string[] = [];
  for (let i = 0; i < sim.argv.length; i++) {
    const a = sim.argv[i];
    if (a === '-o') {
      i++;
      continue;
    }
    if (a.startsWith('-')) flags.add(a);
    else args.push(a);
  }
  const [verb, ...names] = args;
  if (verb === 'update') return aptUpdate(sim);
  if (verb !== 'install') {
    sim.io.err(`apt-get: the simulated node models update and install only (got: ${sim.argv.join(' ')})\n`);
    return 1;
  }
  return sim.update((s) => {
    sim.io.out('Reading package lists...\nBuilding dependency tree...\nReading state information...\n');
    const pkgs = (s.host.packages ??= {});
    const chosen: { name: string; version: string }[] = [];
    const errors: string[] = [];
    for (const spec of names) {
      const [name, pattern] = spec.split('=', 2);
      const all = candidates(s, name);
      if (all.length === 0) {
        errors.push(`E: Unable to locate package ${name}`);
        continue;
      }
      const fit = pattern === undefined ? all : all.filter((c) => matches(pattern, c.version));
      if (fit.length === 0) {
        errors.push(`E: Version '${pattern}' for '${name}' was not found`);
        continue;
      }
      const best = fit.sort((a, b) => compareVersions(b.version, a.version))[0];
      chosen.push({ name, version: best.version });
    }
    if (errors.length) {
      sim.io.err(`${errors.join('\n')}\n`);
      return 100;
    }
    const held = new Set(s.host.held ?? []);
    const changes = chosen.filter((c) => pkgs[c.name] !== c.version);
    const heldChanged = changes.some((c) => pkgs[c.name] !== undefined && held.has(c.name));
    if (heldChanged && !flags.has('--allow-change-held-packages')) {
      sim.io.err('E: Held packages were changed and -y was used without --allow-change-held-packages.\n');
      return 100;
    }
    const downgraded = changes.some((c) => pkgs[c.name] !== undefined && compareVersions(c.version, pkgs[c.name]) < 0);
    if (downgraded && !flags.has('--allow-downgrades')) {
      sim.io.err('E: Packages were downgraded and -y was used without --allow-downgrades.\n');
      return 100;
    }
    if (changes.length === 0) {
      for (const c of chosen) sim.io.out(`${c.name} is already the newest version (${c.version}).\n`);
      sim.io.out('0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n');
      return 0;
    }
    const fresh = changes.filter((c) => pkgs[c.name] === undefined);
    const removed = changes.some((c) => c.name === 'containerd.io') && pkgs.containerd ? ['containerd'] : [];
    if (removed.length) sim.io.out(`The following packages will be REMOVED:\n  ${removed.join(' ')}\n`);
    if (fresh.length)
      sim.io.out(`The following NEW packages will be installed:\n  ${fresh.map((c) => c.name).join(' ')}\n`);
    sim.io.out(
      `${changes.length - fresh.length} upgraded, ${fresh.length} newly installed, ${removed.length} to remove and 0 not upgraded.\n`,
    );
    for (const r of removed) delete pkgs[r];
    for (const c of changes) {
      sim.io.out(`Setting up ${c.name} (${c.version}) ...\n`);
      pkgs[c.name] = c.version;
      installEffects(sim, s, c.name, c.version);
    }
    return 0;
  });
}

/** What a package's files and maintainer scripts do to the node. */
function installEffects(sim: Sim, s: SimState, name: string, version: string): void {
  const missing = new Set(s.host.missingTools ?? []);
  for (const t of PACKAGE_TOOLS[name] ?? []) missing.delete(t);
  s.host.missingTools = [...missing];
  const upstream = version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
  if (name === 'kubeadm' || name === 'kubelet' || name === 'kubectl') s.versions[name] = `v${upstream}`;
  if (name === 'kubeadm')
    writeHostFile(
      sim,
      '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf',
      '# Note: This dropin only works with kubeadm and kubelet v1.11+\n[Service]\nEnvironment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"\nEnvironment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n',
    );
  // The kubelet package enables and starts its unit; it restarts every 10 s until kubeadm writes its config.
  if (name === 'kubelet') s.host.services.kubelet = { enabled: true, active: true };
  if (name === 'containerd' || name === 'containerd.io') {
    const config = name === 'containerd' ? DISTRIBUTION_CONTAINERD_CONFIG : DOCKER_CONTAINERD_CONFIG;
    // dpkg keeps a config file the admin changed (a conffile); a fresh install writes the package's.
    if (!fs.existsSync(sim.at('/etc/containerd/config.toml')))
      writeHostFile(sim, '/etc/containerd/config.toml', config);
    s.host.containerdRuntime = { version: upstream.replace(/~.*$/, ''), criPlugin: true, systemdCgroup: false };
    s.host.services.containerd = { enabled: true, active: true };
    loadContainerdConfig(sim, s);
  }
}

/** containerd reads its config when it starts: the CRI plugin and runc's cgroup driver follow the file. */
export function loadContainerdConfig(sim: Sim, s: SimState): void {
  const rt = s.host.containerdRuntime;
  if (!rt) return;
  let text = '';
  try {
    text = fs.readFileSync(sim.at('/etc/containerd/config.toml'), 'utf8');
  } catch {
    // no file: containerd's built-in defaults (CRI on, cgroupfs)
  }
  const disabled = /^\s*disabled_plugins\s*=\s*\[([^\]]*)\]/m.exec(text);
  rt.criPlugin = !(disabled && /["'](cri|io\.containerd\.grpc\.v1\.cri)["']/.test(disabled[1]));
  rt.systemdCgroup = /^\s*SystemdCgroup\s*=\s*true\s*$/m.test(text);
  const sandbox = /^\s*(?:sandbox_image|sandbox)\s*=\s*["']([^"']+)["']/m.exec(text);
  rt.sandboxImage = sandbox?.[1];
  if (s.host.services.containerd?.active) writeHostFile(sim, '/run/containerd/containerd.sock', '');
}

async function aptUpdate(sim: Sim): Promise<number> {
  return sim.update((s) => {
    const lines = sourceLines(sim);
    const ok: string[] = [];
    const errors: string[] = [];
    let n = 1;
    sim.io.out(`Hit:${n++} http://archive.ubuntu.com/ubuntu ${s.host.os?.codename ?? 'noble'} InRelease\n`);
    for (const line of lines) {
      const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (!m) continue;
      const signedBy = /signed-by=(\S+)/.exec(m[1] ?? '')?.[1];
      const url = m[2].replace(/\/$/, '');
      if (signedBy && !fs.existsSync(sim.at(signedBy))) {
        errors.push(
          `W: GPG error: ${url} ${m[3]} InRelease: The following signatures couldn't be verified because the public key is not available: NO_PUBKEY 234654DA9A296436`,
          `E: The repository '${url} ${m[3]} InRelease' is not signed.`,
        );
        continue;
      }
      sim.io.out(`Get:${n++} ${url} ${m[3]} InRelease [1186 B]\n`);
      ok.push(line);
    }
    sim.io.out('Reading package lists...\n');
    s.host.aptLists = ok;
    if (errors.length) {
      sim.io.err(`${errors.join('\n')}\n`);
      return 100;
    }
    return 0;
  });
}

async function aptMark(sim: Sim): Promise<number> {
  const [verb, ...names] = sim.argv;
  if (verb === 'showhold') {
    const s = sim.peek();
    for (const p of [...(s.host.held ?? [])].sort()) sim.io.out(`${p}\n`);
    return 0;
  }
  if (verb !== 'hold' && verb !== 'unhold') {
    sim.io.err(`apt-mark: the simulated node models hold, unhold and showhold only (got: ${sim.argv.join(' ')})\n`);
    return 1;
  }
  if (!sim.peek().host.root) return lockDenied(sim);
  return sim.update((s) => {
    const pkgs = s.host.packages ?? {};
    const unknown = names.filter((n) => pkgs[n] === undefined && !candidates(s, n).length);
    if (unknown.length) {
      sim.io.err(`${unknown.map((n) => `E: Unable to locate package ${n}`).join('\n')}\nE: No packages found\n`);
      return 100;
    }
    const held = new Set(s.host.held ?? []);
    for (const n of names) {
      if (verb === 'hold') {
        sim.io.out(held.has(n) ? `${n} was already set on hold.\n` : `${n} set on hold.\n`);
        held.add(n);
      } else {
        sim.io.out(held.has(n) ? `Canceled hold on ${n}.\n` : `${n} was already not on hold.\n`);
        held.delete(n);
      }
    }
    s.host.held = [...held];
    return 0;
  });
}

/** `dpkg-query -W [-f FORMAT] NAMES...` with ${Package}, ${Version}, ${db:Status-Abbrev}, ${Status}. */
function dpkgQuery(sim: Sim): number {
  const a = sim.argv;
  if (a[0] !== '-W' && a[0] !== '--show') {
    sim.io.err(`dpkg-query: the simulated node models -W only (got: ${a.join(' ')})\n`);
    return 1;
  }
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own default format
  let format = '${Package}\t${Version}\n';
  const names: string[] = [];
  for (let i = 1; i < a.length; i++) {
    if (a[i] === '-f' || a[i] === '--showformat') format = a[++i] ?? '';
    else if (a[i].startsWith('--showformat=')) format = a[i].slice('--showformat='.length);
    else if (a[i].startsWith('-f=')) format = a[i].slice(3);
    else names.push(a[i]);
  }
  format = format.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  const pkgs = sim.peek().host.packages ?? {};
  let code = 0;
  const known = names.filter((n) => pkgs[n] !== undefined).sort();
  for (const n of names)
    if (pkgs[n] === undefined) {
      sim.io.err(`dpkg-query: no packages found matching ${n}\n`);
      code = 1;
    }
  for (const n of known)
    sim.io.out(
      format
        .replace(/\$\{Package\}/g, n)
        .replace(/\$\{Version\}/g, pkgs[n])
        .replace(/\$\{db:Status-Abbrev\}/g, 'ii ')
        .replace(/\$\{Status\}/g, 'install ok installed'),
    );
  return code;
}

/** The keys kubestrap fetches: pkgs.k8s.io's per minor, Docker's per distribution. */
function servedKey(url: string): string | undefined {
  if (/^https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.(2[4-9]|3\d)\/deb\/Release\.key$/.test(url))
    return '-----BEGIN PGP PUBLIC KEY BLOCK-----\nVersion: GnuPG v2.0.15 (GNU/Linux)\n\nmQENBGMHoXcBCADukGOEQyleViOgtkMVa7hKifP6POCTh+98xNW4TfHK/nBJN2sm\n-----END PGP PUBLIC KEY BLOCK-----\n';
  if (/^https:\/\/download\.docker\.com\/linux\/(ubuntu|debian)\/gpg$/.test(url))
    return '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBFit2ioBEADhWpZ8/wvZ6hUTiXOwQHXMAlaFHcPH9hAtr4F1y2+OYdbtMuth\n-----END PGP PUBLIC KEY BLOCK-----\n';
  return undefined;
}

/** `curl -fsSL [--retry N] -o FILE URL`: the node's network reaches only the two key URLs. */
function curl(sim: Sim): number {
  let out: string | undefined;
  const urls: string[] = [];
  const a = sim.argv;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '-o' || a[i] === '--output') out = a[++i];
    else if (a[i] === '--retry') i++;
    else if (/^-[fsSL]+$/.test(a[i])) continue;
    else if (a[i].startsWith('-')) {
      sim.io.err(`curl: the simulated node does not model ${a[i]}\n`);
      return 2;
    } else urls.push(a[i]);
  }
  const url = urls[0] ?? '';
  const body = servedKey(url);
  if (body === undefined) {
    sim.io.err('curl: (22) The requested URL returned error: 404\n');
    return 22;
  }
  if (out === undefined) {
    sim.io.out(body);
    return 0;
  }
  const abs = path.resolve(out);
  const file = sim.root === '/' || abs.startsWith(`${sim.root}/`) ? abs : sim.at(abs);
  try {
    fs.writeFileSync(file, body);
  } catch {
    sim.io.err(
      `Warning: Failed to open the file ${out}: No such file or directory\ncurl: (23) Failure writing output to destination\n`,
    );
    return 23;
  }
  return 0;
}
