/**
 * What the audit reads from a live cluster, in one or two kubectl calls: pods and
 * the workloads that create them, PodSecurityPolicies (up to 1.24), RBAC, and
 * namespaces (their Pod Security labels); plus how the API server admits pods,
 * from its mirror pod's flags (or, on a control-plane node, the static pod
 * manifest), and the PodSecurity defaults from its admission configuration file
 * when that file is readable here.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { documentToJS, parseYamlSource } from '../config/yaml-source.js';
import type { HostPaths } from '../host/paths.js';
import type { KubeObject } from '../k8s/objects.js';
import type { ClusterSession } from '../session/context.js';
import { isPssLevel, type PssLevel } from '../k8s/pss.js';
import type { Kubectl } from '../kube/kubectl.js';
import type { KubeVersion, PodSecurityMode } from '../versions.js';
import { admissionFlags, parseFlags, type AdmissionFlags } from '../kubeadm/flags.js';
import { APISERVER_MANIFEST, ApiServerManifest } from '../kubeadm/apiserver-manifest.js';

/** The PodSecurity plugin's cluster-wide configuration. */
export interface PssSettings {
  defaults: { enforce: PssLevel; enforceVersion: string };
  exemptions: { namespaces: string[]; usernames: string[]; runtimeClasses: string[] };
  /** Where it came from: the file, or why it is assumed. */
  source: string;
}

export interface ApiServerView {
  /** Where the flags were read: `mirror pod kube-system/kube-apiserver-cp` or the manifest path. */
  source: string;
  flags: AdmissionFlags;
}

export interface ClusterSnapshot {
  version: KubeVersion;
  mode: PodSecurityMode;
  objects: KubeObject[];
  /** undefined when neither the mirror pod nor the manifest could be read. */
  apiServer?: ApiServerView;
  pss: PssSettings;
  notes: string[];
}

export const WORKLOAD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob'] as const;
const BASE_TYPES = [
  'pods',
  'deployments',
  'daemonsets',
  'statefulsets',
  'replicasets',
  'jobs',
  'cronjobs',
  'namespaces',
  'roles',
  'rolebindings',
  'clusterroles',
  'clusterrolebindings',
];

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export function isMirrorPod(o: KubeObject): boolean {
  return o.kind === 'Pod' && o.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined;
}

/** The mirror pods of the API servers (one per control-plane node). */
export function apiServerMirrorPods(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter(
    (o) =>
      isMirrorPod(o) && o.metadata.namespace === 'kube-system' && o.metadata.labels?.component === 'kube-apiserver',
  );
}

/** The first container's command line (command, then args). */
export function podArgv(o: KubeObject): string[] {
  const containers = o.spec?.containers;
  const c = (Array.isArray(containers) ? containers[0] : undefined) as
    | { command?: unknown; args?: unknown }
    | undefined;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return [...list(c?.command), ...list(c?.args)].map(String);
}

/** The snapshot of the session's cluster. */
export function readClusterSnapshot(session: ClusterSession): Promise<ClusterSnapshot> {
  return readSnapshot(session.kubectl, session.version, session.mode, session.paths);
}

export async function readSnapshot(
  kubectl: Kubectl,
  version: KubeVersion,
  mode: PodSecurityMode,
  paths: HostPaths,
): Promise<ClusterSnapshot> {
  const types = [...BASE_TYPES, ...(version.minor <= 24 ? ['podsecuritypolicies'] : [])];
  const list = await kubectl.getAll<KubeObject>(types);
  return snapshotFrom(list.items, version, mode, paths);
}

export function snapshotFrom(
  objects: KubeObject[],
  version: KubeVersion,
  mode: PodSecurityMode,
  paths: HostPaths,
): ClusterSnapshot {
  const notes: string[] = [];
  const apiServer = readApiServer(objects, version.minor, paths, notes);
  const pss = readPssSettings(apiServer, paths, notes);
  return { version, mode, objects, apiServer, pss, notes };
}

function readApiServer(
  objects: KubeObject[],
  minor: number,
  paths: HostPaths,
  notes: string[],
): ApiServerView | undefined {
  const mirrors = apiServerMirrorPods(objects);
  if (mirrors.length > 0) {
    const views = mirrors.map((m) => ({
      source: `mirror pod kube-system/${m.metadata.name}`,
      flags: admissionFlags(parseFlags(podArgv(m)), minor),
    }));
    const key = (v: ApiServerView) => JSON.stringify([v.flags.enabled, v.flags.disabled, v.flags.configFile ?? '']);
    if (new Set(views.map(key)).size > 1) {
      notes.push(
        `the API servers disagree on admission: ${views.map((v) => `${v.source}: ${v.flags.enabled.join(',') || '(none)'}`).join('; ')}`,
      );
    }
    return views[0];
  }
  const file = paths.at(APISERVER_MANIFEST);
  if (existsSync(file)) {
    try {
      const m = ApiServerManifest.parse(readFileSync(file, 'utf8'), APISERVER_MANIFEST);
      return { source: APISERVER_MANIFEST, flags: admissionFlags(m.flags(), minor) };
    } catch {
      /* reported below */
    }
  }
  notes.push(
    "no kube-apiserver mirror pod (and no readable static pod manifest here): the API server's admission plugins are unknown; PodSecurityPolicy is assumed off",
  );
  return undefined;
}

/** What readPssSettings reads of the PodSecurity plugin's configuration. */
interface PodSecurityConfiguration {
  defaults?: { enforce?: unknown; 'enforce-version'?: unknown };
  exemptions?: { namespaces?: string[]; usernames?: string[]; runtimeClasses?: string[] };
}

/** A YAML file people write, read as config/yaml-source.ts reads them all (errors with their line). */
function readYaml(text: string, file: string): unknown {
  return documentToJS(parseYamlSource(text, file).doc, file);
}

/** The PodSecurity configuration in an AdmissionConfiguration (inline or by `path`), or undefined. */
export function podSecurityConfiguration(
  text: string,
  file: string,
  readFile: (p: string) => string,
): PodSecurityConfiguration | undefined {
  const doc = readYaml(text, file) as {
    plugins?: { name?: string; configuration?: PodSecurityConfiguration; path?: string }[];
  } | null;
  const plugin = (doc?.plugins ?? []).find((p) => p?.name === 'PodSecurity');
  if (!plugin) return undefined;
  if (plugin.configuration) return plugin.configuration;
  if (plugin.path) {
    const target = path.posix.resolve(path.posix.dirname(file), plugin.path);
    return readYaml(readFile(target), target) as PodSecurityConfiguration;
  }
  return undefined;
}

function readPssSettings(api: ApiServerView | undefined, paths: HostPaths, notes: string[]): PssSettings {
  const none: PssSettings = {
    defaults: { enforce: 'privileged', enforceVersion: 'latest' },
    exemptions: { namespaces: [], usernames: [], runtimeClasses: [] },
    source: 'no admission configuration file: every namespace without labels is privileged',
  };
  const file = api?.flags.configFile;
  if (!file) return none;
  try {
    const conf = podSecurityConfiguration(readFileSync(paths.at(file), 'utf8'), file, (p) =>
      readFileSync(paths.at(p), 'utf8'),
    );
    if (!conf)
      return {
        ...none,
        source: `${file} has no PodSecurity configuration: every namespace without labels is privileged`,
      };
    const enforce = isPssLevel(conf.defaults?.enforce) ? conf.defaults.enforce : 'privileged';
    const ex = conf.exemptions ?? {};
    return {
      defaults: { enforce, enforceVersion: String(conf.defaults?.['enforce-version'] ?? 'latest') },
      exemptions: {
        namespaces: ex.namespaces ?? [],
        usernames: ex.usernames ?? [],
        runtimeClasses: ex.runtimeClasses ?? [],
      },
      source: file,
    };
  } catch (e) {
    notes.push(
      `the admission configuration file ${file} is not readable here (${(e as Error).message.split('\n')[0]}): namespaces without labels are assumed privileged; run the audit on a control-plane node to use its defaults`,
    );
    return { ...none, source: `${file} (not readable here)` };
  }
}
