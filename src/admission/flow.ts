/**
 * Changing the API server of a control-plane node: the static pod manifest is
 * backed up (outside /etc/kubernetes/manifests: the kubelet would run a copy left
 * there as a second API server), replaced atomically, and the kubelet restarts the
 * API server. kubestrap waits until the API server answers again AND its mirror pod
 * runs the new command line; past the deadline it puts the backup back, waits for
 * the old API server, and says so. The kubeadm ClusterConfiguration is changed only
 * once the new API server runs.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { fileError, writeFileAtomic } from '../host/files.js';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CheckFailed } from '../errors.js';
import { Interrupted } from '../exec/runner.js';
import type { HostPaths } from '../host/paths.js';
import type { Kubectl } from '../kube/kubectl.js';
import { TimeoutError, waitFor, type Deadline } from '../exec/wait.js';
import { conditionTrue, type KubeObject } from '../k8s/objects.js';
import { apiServerMirrorPods, podArgv } from '../audit/snapshot.js';
import { ClusterConfiguration, clusterConfigurationKey, KUBEADM_CONFIGMAP } from '../kubeadm/cluster-configuration.js';

export const BACKUP_DIR = '/var/lib/kubestrap/backups';

/** `20261125T213045.123Z`: sorts by time, unique per run. */
export function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '');
}

/** Copies a host file into the backup directory; returns the backup's host path (without the root). */
export function backup(paths: HostPaths, hostPath: string, text: string, when = stamp()): string {
  const name = `${path.posix.basename(hostPath)}.${when}`;
  const dest = path.posix.join(BACKUP_DIR, name);
  try {
    mkdirSync(paths.at(BACKUP_DIR), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw fileError(e, paths.at(BACKUP_DIR), 'create', 'host');
  }
  writeFileAtomic(paths.at(dest), text, { mode: 0o600, owner: 'host' });
  return dest;
}

/**
 * Replaces a host file atomically: written next to its directory (never inside the
 * manifests directory, where the kubelet would read a half-written file), then renamed.
 * Keeps the file's mode (kubeadm writes manifests 0600).
 */
export function writeHostFile(paths: HostPaths, hostPath: string, text: string, mode = 0o600): void {
  const file = paths.at(hostPath);
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fileError(e, dir, 'create', 'host');
  }
  const keep = existsSync(file) ? lstatSync(file).mode & 0o777 : mode;
  writeFileAtomic(file, text, { mode: keep, owner: 'host', tmpDir: path.dirname(dir) });
}

/**
 * Waits until the API server answers /readyz and an API server mirror pod runs
 * exactly `argv` (so the answer comes from the restarted one), Ready.
 */
export interface ApiServerIdentity {
  argv: string[];
  /** kubestrap's own annotations on the static pod (a changed admission config restarts it through them). */
  annotations: Record<string, string | undefined>;
}

function matches(p: KubeObject, want: ApiServerIdentity): boolean {
  if (!isDeepStrictEqual(podArgv(p), want.argv)) return false;
  const have = p.metadata.annotations ?? {};
  return Object.entries(want.annotations).every(([k, v]) => have[k] === v);
}

export async function waitForApiServer(
  kubectl: Kubectl,
  want: ApiServerIdentity,
  deadline: Deadline,
  signal?: AbortSignal,
): Promise<KubeObject> {
  return waitFor(
    async () => {
      if (!(await kubectl.readyz())) return undefined;
      const pods = await kubectl.tryGetJson<KubeObject>('pods', 'kube-system');
      const mine = apiServerMirrorPods(pods?.items ?? []).find((p) => matches(p, want));
      return mine && conditionTrue(mine, 'Ready') ? mine : undefined;
    },
    deadline,
    { what: 'the API server to run the new configuration', signal, minDelayMs: 200, maxDelayMs: 2000 },
  );
}

export interface RestartResult {
  mirror: KubeObject;
  backupPath: string;
}

/**
 * Writes the new manifest (after a backup) and waits for the API server to run it.
 * On timeout the backup goes back and the old API server is waited for; either way
 * that ends in CheckFailed naming the backup.
 */
export async function restartApiServer(opts: {
  kubectl: Kubectl;
  paths: HostPaths;
  manifestPath: string;
  before: string;
  after: string;
  beforeId: ApiServerIdentity;
  afterId: ApiServerIdentity;
  deadline: () => Deadline;
  waitSeconds: number;
  signal?: AbortSignal;
  progress: (line: string) => void;
  /** What else was already changed, for the failure message. */
  alreadyApplied?: string;
}): Promise<RestartResult> {
  const backupPath = backup(opts.paths, opts.manifestPath, opts.before);
  opts.progress(`backed up ${opts.manifestPath} to ${backupPath}`);
  writeHostFile(opts.paths, opts.manifestPath, opts.after);
  opts.progress(
    `wrote ${opts.manifestPath}; waiting up to ${opts.waitSeconds}s for the kubelet to restart the API server`,
  );
  try {
    const mirror = await waitForApiServer(opts.kubectl, opts.afterId, opts.deadline(), opts.signal);
    return { mirror, backupPath };
  } catch (e) {
    if (e instanceof Interrupted)
      opts.progress(
        `stopped while waiting: ${opts.manifestPath} has the new configuration, the previous one is ${backupPath}; \`kubestrap admission status\` shows where things stand`,
      );
    if (!(e instanceof TimeoutError)) throw e;
  }
  opts.progress(`the API server did not come back within ${opts.waitSeconds}s: restoring ${backupPath}`);
  writeHostFile(opts.paths, opts.manifestPath, opts.before);
  try {
    await waitForApiServer(opts.kubectl, opts.beforeId, opts.deadline(), opts.signal);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    throw new CheckFailed(
      `the API server did not come back healthy within ${opts.waitSeconds}s with the new configuration, so kubestrap restored the backup ${backupPath} ` +
        `to ${opts.manifestPath}; the API server is still not back after another ${opts.waitSeconds}s. ` +
        'Check the kubelet (`journalctl -u kubelet`) and the API server container (`crictl ps -a | grep kube-apiserver`, `crictl logs ID`).',
    );
  }
  throw new CheckFailed(
    `the API server did not come back healthy within ${opts.waitSeconds}s with the new configuration; kubestrap restored the backup ${backupPath} ` +
      `to ${opts.manifestPath} and the API server runs the previous configuration again; the kubeadm ConfigMap was not changed. ${opts.alreadyApplied ?? ''}` +
      'Look at why the new one failed: `crictl ps -a | grep kube-apiserver`, then `crictl logs ID`.',
  );
}

export interface KubeadmConfigMap {
  object: KubeObject & { data?: Record<string, string> };
  key: string;
  config: ClusterConfiguration;
}

/** The ClusterConfiguration in kube-system/kubeadm-config, or undefined (not a kubeadm cluster). */
export async function readKubeadmConfigMap(kubectl: Kubectl): Promise<KubeadmConfigMap | undefined> {
  const cm = await kubectl.getObject<KubeObject & { data?: Record<string, string> }>(
    'configmap',
    KUBEADM_CONFIGMAP.name,
    KUBEADM_CONFIGMAP.namespace,
  );
  if (!cm || (cm as { items?: unknown }).items) return undefined;
  const key = clusterConfigurationKey(cm.data ?? {});
  if (!key) return undefined;
  return {
    object: cm,
    key,
    config: ClusterConfiguration.parse(
      cm.data![key],
      `configmap ${KUBEADM_CONFIGMAP.namespace}/${KUBEADM_CONFIGMAP.name} (${key})`,
    ),
  };
}

/** Replaces the ConfigMap with the new ClusterConfiguration text (a concurrent change makes kubectl fail with Conflict). */
export async function writeKubeadmConfigMap(kubectl: Kubectl, cm: KubeadmConfigMap, text: string): Promise<void> {
  const { status: _s, ...rest } = cm.object as KubeObject & { status?: unknown };
  const next = { ...rest, data: { ...(cm.object.data ?? {}), [cm.key]: text } };
  await kubectl.replaceText(JSON.stringify(next));
}

export function readHostFile(paths: HostPaths, hostPath: string): string | null {
  const f = paths.at(hostPath);
  return existsSync(f) ? readFileSync(f, 'utf8') : null;
}
