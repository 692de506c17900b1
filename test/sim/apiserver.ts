/**
 * The API server as the kubelet runs it from /etc/kubernetes/manifests/kube-apiserver.yaml.
 * `kubeadm init` writes the manifest; afterwards every fake process compares it with
 * the one the kubelet last started: a changed manifest restarts the API server,
 * which is away (kubectl gets connection refused) for `apiServerRestartMs`, then
 * admits pods with the plugins and the PodSecurity configuration of the new flags,
 * and the kubelet recreates its mirror pod through that admission. A manifest the
 * API server cannot start with (an unknown admission plugin, an admission
 * configuration that is missing, unreadable or not mounted, broken YAML), or an
 * `apiServerCrash` fault, leaves it crash-looping until the manifest changes again.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type { Sim } from './state.js';
import type { ClusterState, KObj, PssAdmissionConfig, SimState } from './types.js';
import { objKey } from './resources.js';

export const APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

export function manifestHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** The API server's PodSecurity configuration from --admission-control-config-file; a string is why the API server cannot start. */
export function readAdmissionConfig(sim: Pick<Sim, 'at'>, file: string): PssAdmissionConfig | string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(sim.at(file), 'utf8');
  } catch {
    return `failed to read plugin config: open ${file}: no such file or directory`;
  }
  let doc: any;
  try {
    doc = yaml.load(text);
  } catch (e) {
    return `failed to read plugin config: ${(e as Error).message.split('\n')[0]}`;
  }
  const plugin = (doc?.plugins ?? []).find((p: any) => p?.name === 'PodSecurity');
  if (!plugin) return undefined;
  let conf = plugin.configuration;
  if (!conf && plugin.path) {
    try {
      conf = yaml.load(fs.readFileSync(sim.at(path.posix.resolve(path.posix.dirname(file), plugin.path)), 'utf8'));
    } catch {
      return `failed to read plugin config: open ${plugin.path}: no such file or directory`;
    }
  }
  const ex = conf?.exemptions ?? {};
  return {
    defaults: Object.fromEntries(Object.entries(conf?.defaults ?? {}).map(([k, v]) => [k, String(v)])),
    exemptions: {
      usernames: ex.usernames ?? [],
      namespaces: ex.namespaces ?? [],
      runtimeClasses: ex.runtimeClasses ?? [],
    },
  };
}

export function podSecurityApiOk(sim: Pick<Sim, 'at'>, file: string, minor: number): boolean {
  try {
    const doc: any = yaml.load(fs.readFileSync(sim.at(file), 'utf8'));
    const conf = (doc?.plugins ?? []).find((p: any) => p?.name === 'PodSecurity')?.configuration;
    if (!conf) return true;
    const v = String(conf.apiVersion ?? '');
    if (v.endsWith('/v1')) return minor >= 25;
    if (v.endsWith('/v1beta1')) return minor >= 23;
    if (v.endsWith('/v1alpha1')) return minor >= 22 && minor <= 24;
    return false;
  } catch {
    return true;
  }
}

/** Admission plugins kube-apiserver knows, with the minors that have them. */
const PLUGINS: Record<string, [number, number]> = {
  AlwaysAdmit: [0, 99],
  AlwaysDeny: [0, 99],
  AlwaysPullImages: [0, 99],
  CertificateApproval: [18, 99],
  CertificateSigning: [18, 99],
  CertificateSubjectRestriction: [18, 99],
  ClusterTrustBundleAttest: [27, 99],
  DefaultIngressClass: [18, 99],
  DefaultStorageClass: [0, 99],
  DefaultTolerationSeconds: [0, 99],
  DenyServiceExternalIPs: [21, 99],
  EventRateLimit: [0, 99],
  ExtendedResourceToleration: [0, 99],
  ImagePolicyWebhook: [0, 99],
  LimitPodHardAntiAffinityTopology: [0, 99],
  LimitRanger: [0, 99],
  MutatingAdmissionWebhook: [0, 99],
  NamespaceAutoProvision: [0, 99],
  NamespaceExists: [0, 99],
  NamespaceLifecycle: [0, 99],
  NodeRestriction: [0, 99],
  OwnerReferencesPermissionEnforcement: [0, 99],
  PersistentVolumeClaimResize: [0, 99],
  PodNodeSelector: [0, 99],
  PodSecurity: [22, 99],
  PodSecurityPolicy: [0, 24],
  PodTolerationRestriction: [0, 99],
  Priority: [0, 99],
  ResourceQuota: [0, 99],
  RuntimeClass: [0, 99],
  SecurityContextDeny: [0, 29],
  ServiceAccount: [0, 99],
  StorageObjectInUseProtection: [0, 99],
  TaintNodesByCondition: [0, 99],
  ValidatingAdmissionPolicy: [26, 99],
  ValidatingAdmissionWebhook: [0, 99],
};

function flagsOf(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of argv) {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

type Parsed =
  | { ok: true; next: NonNullable<NonNullable<ClusterState['apiServer']>['next']> }
  | { ok: false; reason: string };

/** What an API server started from this manifest text runs with, or why it cannot start. */
export function parseApiServerManifest(sim: Pick<Sim, 'at'>, text: string, c: ClusterState): Parsed {
  let pod: KObj;
  try {
    pod = yaml.load(text) as KObj;
  } catch (e) {
    return {
      ok: false,
      reason: `kubelet: could not process manifest file "${APISERVER_MANIFEST}": ${(e as Error).message.split('\n')[0]}`,
    };
  }
  const ctr =
    (pod?.spec?.containers ?? []).find((x: KObj) => x?.name === 'kube-apiserver') ?? pod?.spec?.containers?.[0];
  if (!ctr) return { ok: false, reason: `kubelet: ${APISERVER_MANIFEST} has no container` };
  const flags = flagsOf([...(ctr.command ?? []), ...(ctr.args ?? [])].map(String));
  const enabled = (flags['enable-admission-plugins'] ?? '').split(',').filter(Boolean);
  const disabled = (flags['disable-admission-plugins'] ?? '').split(',').filter(Boolean);
  for (const [flag, list] of [
    ['enable-admission-plugins', enabled],
    ['disable-admission-plugins', disabled],
  ] as const) {
    for (const p of list) {
      const span = PLUGINS[p];
      if (!span || c.minor < span[0] || c.minor > span[1])
        return { ok: false, reason: `Error: ${flag} plugin "${p}" is unknown` };
    }
  }
  let pss: PssAdmissionConfig | null = null;
  const admFile = flags['admission-control-config-file'];
  if (admFile) {
    // The file as the container sees it: through a hostPath mount.
    const mounts: KObj[] = ctr.volumeMounts ?? [];
    const vols: KObj[] = pod.spec.volumes ?? [];
    const mount = mounts.find(
      (m) => admFile === m.mountPath || admFile.startsWith(`${String(m.mountPath).replace(/\/$/, '')}/`),
    );
    const vol = mount ? vols.find((v) => v.name === mount.name && v.hostPath?.path) : undefined;
    const unreadable = `Error: failed to initialize admission: failed to read plugin config: unable to read admission control configuration from "${admFile}" [open ${admFile}: no such file or directory]`;
    if (!mount || !vol) return { ok: false, reason: unreadable };
    const hostFile = path.posix.join(vol.hostPath.path, path.posix.relative(mount.mountPath, admFile));
    const conf = readAdmissionConfig(sim, hostFile);
    if (typeof conf === 'string') return { ok: false, reason: `Error: failed to initialize admission: ${conf}` };
    if (!podSecurityApiOk(sim, hostFile, c.minor))
      return {
        ok: false,
        reason:
          'Error: failed to initialize admission: couldn\'t init admission plugin "PodSecurity": no kind "PodSecurityConfiguration" is registered for the version',
      };
    pss = conf ?? null;
  }
  return {
    ok: true,
    next: {
      admissionPlugins: [...enabled, ...(disabled.includes('PodSecurity') ? ['-PodSecurity'] : [])],
      psp: enabled.includes('PodSecurityPolicy') && !disabled.includes('PodSecurityPolicy'),
      pss,
      pod,
    },
  };
}

function takeCrashFault(s: SimState): { reason?: string } | undefined {
  for (const f of s.faults) {
    if (f.action !== 'apiServerCrash' || (f.count !== undefined && f.count <= 0)) continue;
    if (f.count !== undefined) f.count--;
    f.fired = (f.fired ?? 0) + 1;
    return f;
  }
  return undefined;
}

/**
 * Brings the API server up to date with its manifest; true when it serves.
 * Called at the start of every reconcile.
 */
export function apiServerModel(sim: Sim, s: SimState, c: ClusterState, now: number): boolean {
  if (!c.apiServer) {
    // A state from before this model: what runs is what the manifest says (if this is the control plane).
    const f = sim.at(APISERVER_MANIFEST);
    if (!fs.existsSync(f)) return true;
    c.apiServer = {
      manifestFile: f,
      manifestHash: manifestHash(fs.readFileSync(f, 'utf8')),
      state: 'running',
      since: c.createdAt,
    };
    return true;
  }
  // The control plane's files, whichever node's fake runs this.
  const file = c.apiServer.manifestFile ?? sim.at(APISERVER_MANIFEST);
  const root = file.endsWith(APISERVER_MANIFEST) ? file.slice(0, file.length - APISERVER_MANIFEST.length) : '';
  const cp = { at: (p: string) => (root ? path.join(root, p) : p) };
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    text = '';
  }
  const hash = text ? manifestHash(text) : 'absent';
  if (hash !== c.apiServer.manifestHash) {
    const parsed: Parsed = text
      ? parseApiServerManifest(cp, text, c)
      : { ok: false, reason: 'the static pod manifest is gone: the kubelet stopped the API server' };
    const fault = parsed.ok ? takeCrashFault(s) : undefined;
    if (parsed.ok && !fault)
      c.apiServer = {
        manifestFile: file,
        manifestHash: hash,
        state: 'restarting',
        since: now,
        readyAt: now + (s.timing.apiServerRestartMs ?? 400),
        next: parsed.next,
      };
    else
      c.apiServer = {
        manifestFile: file,
        manifestHash: hash,
        state: 'crashlooping',
        since: now,
        reason: parsed.ok ? `${fault?.reason ?? 'the API server exits at start (fault)'}` : parsed.reason,
      };
  }
  const a = c.apiServer;
  if (a.state === 'restarting' && a.readyAt !== undefined && now >= a.readyAt && a.next) {
    c.admissionPlugins = a.next.admissionPlugins;
    c.psp = a.next.psp;
    c.pss = a.next.pss;
    const pod = a.next.pod;
    c.staticPods = [...c.staticPods.filter((p) => p.metadata?.name !== 'kube-apiserver'), pod];
    // The kubelet replaces the mirror pod of a changed static pod: the new one goes through admission.
    const mirror = objKey('Pod', 'kube-system', `kube-apiserver-${c.nodeName}`);
    if (c.objects[mirror]) delete c.objects[mirror];
    c.rv++;
    c.epoch++;
    c.apiServer = { manifestFile: file, manifestHash: a.manifestHash, state: 'running', since: a.readyAt };
  }
  return c.apiServer.state === 'running';
}
