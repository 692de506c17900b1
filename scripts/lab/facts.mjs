/**
 * The host facts plan.mjs decides from, gathered read-only from a real node.
 * The same shape is what `provision.mjs --dry-run --facts FILE` reads:
 *
 *   {
 *     "os": {"id": "ubuntu", "versionId": "24.04", "versionCodename": "noble"},
 *     "node": "22.11.0",                          // the Node.js running the provisioner
 *     "packages": {"rsync": "3.2.7-1ubuntu1", "kubeadm": "1.24.17-1.1"},   // installed only
 *     "files": {"/home/vagrant/cluster.yaml": "...", "/etc/kubernetes/admin.conf": true},
 *                                                 // content, or true: exists
 *     "interfaces": {"eth0": ["10.0.2.15"], "eth1": ["192.168.56.10"]},
 *     "kubestrap": {"sourceHash": "…", "depsHash": "…", "stamp": {"source": "…", "deps": "…"},
 *                   "nodeModules": true, "link": "/opt/kubestrap/dist/cli.js"},
 *     "kubestrapState": {"steps": ["preflight", …], "lastFailure": null, "verifiedAt": "2026-…"},
 *     "joinFile": {"ageSeconds": 120, "dirExists": true,      // cp: the shared join file,
 *                  "olderThanCluster": false}                // and whether admin.conf is newer
 *   }
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { COPY_EXCLUDES, PATHS, PREREQUISITES, labFiles } from './plan.mjs';

const readText = (p) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

export function parseOsRelease(text) {
  const kv = {};
  for (const line of (text ?? '').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) kv[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return { id: kv.ID, versionId: kv.VERSION_ID, versionCodename: kv.VERSION_CODENAME };
}

/** sha256 over the project files the lab copies (path and content, sorted). */
export function sourceHash(dir) {
  const h = createHash('sha256');
  const walk = (rel) => {
    const entries = readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && COPY_EXCLUDES.includes(e.name)) continue;
      const full = path.join(dir, r);
      if (e.isSymbolicLink()) h.update(`L ${r}\0${readlinkSync(full)}\0`);
      else if (e.isDirectory()) walk(r);
      else if (e.isFile()) h.update(`F ${r}\0`).update(readFileSync(full)).update('\0');
    }
  };
  walk('');
  return h.digest('hex').slice(0, 32);
}

/** sha256 of package.json and package-lock.json: a change means `npm ci` again. */
export function depsHash(dir) {
  const h = createHash('sha256');
  for (const f of ['package.json', 'package-lock.json'])
    h.update(`${f}\0`)
      .update(readText(path.join(dir, f)) ?? '')
      .update('\0');
  return h.digest('hex').slice(0, 32);
}

/** Gathers the facts for these options. `$` is zx's. Changes nothing. */
/**
 * What the plan needs from kubestrap's state file (/var/lib/kubestrap/state.json):
 * the steps done, the last failure, and when verify last passed (verify runs on every
 * `up` and is never a step "done"). undefined for no file or a torn one (kubestrap up
 * starts over then, and so does the plan).
 * @param {string | undefined} text
 */
export function kubestrapStateFacts(text) {
  try {
    const s = JSON.parse(text ?? 'null');
    if (!s) return undefined;
    return { steps: Object.keys(s.steps ?? {}), lastFailure: s.lastFailure ?? null, verifiedAt: s.verifiedAt ?? null };
  } catch {
    return undefined;
  }
}

export async function gatherFacts($, opts) {
  const q = async (argv) => {
    const r = await $({ nothrow: true, quiet: true })`${argv}`;
    return r.exitCode === 0 ? r.stdout : '';
  };
  const facts = {};
  facts.os = parseOsRelease(readText(PATHS.osRelease));
  facts.node = process.versions.node;

  // kubeadm: an initialised node of another version is not upgraded in place (plan.mjs).
  const names = [...PREREQUISITES, 'kubeadm'];
  facts.packages = {};
  // dpkg-query exits 1 when some package is unknown, but still prints the others.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format fields, not JavaScript
  const format = '-f=${Package}\t${Status}\t${Version}\n';
  const r = await $({ nothrow: true, quiet: true })`${['dpkg-query', '-W', format, ...names]}`;
  for (const line of r.stdout.split('\n')) {
    const [name, status, version] = line.split('\t');
    if (name && status?.split(' ')[2] === 'installed') facts.packages[name] = version;
  }

  // Files the plan compares by content, and the ones only whose existence matters.
  facts.files = {};
  for (const p of Object.keys(labFiles(opts, { ...facts, interfaces: {} })).concat(opts.clusterConfig)) {
    const t = readText(p);
    if (t !== undefined) facts.files[p] = t;
  }
  for (const p of [PATHS.labState, PATHS.adminConf, PATHS.kubeletConf]) {
    if (existsSync(p)) facts.files[p] = true;
  }

  facts.interfaces = {};
  try {
    for (const link of JSON.parse((await q(['ip', '-j', '-4', 'addr', 'show'])) || '[]')) {
      facts.interfaces[link.ifname] = (link.addr_info ?? []).map((a) => a.local);
    }
  } catch {
    // no iproute2 JSON: the plan reports the missing interface
  }

  let stamp;
  try {
    stamp = JSON.parse(readText(PATHS.stamp) ?? 'null') ?? undefined;
  } catch {
    stamp = undefined;
  }
  let link;
  try {
    link = lstatSync(PATHS.bin).isSymbolicLink() ? readlinkSync(PATHS.bin) : undefined;
  } catch {
    link = undefined;
  }
  facts.kubestrap = {
    sourceHash: sourceHash(opts.source),
    depsHash: depsHash(opts.source),
    stamp,
    nodeModules: existsSync(`${PATHS.installDir}/node_modules`),
    link,
  };

  const state = kubestrapStateFacts(readText(PATHS.kubestrapState));
  if (state) facts.kubestrapState = state;

  if (opts.role === 'cp') {
    facts.joinFile = { dirExists: existsSync(path.dirname(opts.joinFile)) };
    try {
      const mtime = statSync(opts.joinFile).mtimeMs;
      facts.joinFile.ageSeconds = Math.round((Date.now() - mtime) / 1000);
      // kubeadm init writes admin.conf: a join command older than it is for an earlier cluster.
      if (existsSync(PATHS.adminConf)) facts.joinFile.olderThanCluster = mtime < statSync(PATHS.adminConf).mtimeMs;
    } catch {
      // none yet
    }
  }
  return facts;
}
