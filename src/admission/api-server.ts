/**
 * Turning pod security admission on or off in the API server of a running kubeadm
 * cluster, from its control-plane node (`kubestrap admission enable|disable`).
 *
 * PodSecurityPolicy (up to 1.24): `enable` applies the default and privileged
 * policies and their bindings where missing, audits every pod and workload against
 * them, refuses (exit 1, naming them) when any would be refused unless --force, then
 * adds PodSecurityPolicy to --enable-admission-plugins (every other plugin kept),
 * waits for the API server to restart, verifies, and records the flag in the kubeadm
 * ClusterConfiguration so `kubeadm upgrade` keeps it. `disable` takes the plugin out.
 *
 * Pod Security Standards (1.23+): `enable` writes the PodSecurity admission
 * configuration (default level, privileged namespaces exempt), adds
 * --admission-control-config-file and its mount, the same way.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { CheckFailed, UserError } from '../errors.js';
import type { PssLevel } from '../k8s/pss.js';
import { ADMISSION_CONFIG_DIR, ADMISSION_CONFIG_PATH, admissionConfigText } from '../render/admission-config.js';
import { privilegedProbePod } from '../render/probe-pods.js';
import { ADMISSION_CONFIG_FILE, DISABLE_PLUGINS, ENABLE_PLUGINS, listFlag } from '../kubeadm/flags.js';
import { APISERVER_MANIFEST, ApiServerManifest, type HostPathVolume } from '../kubeadm/apiserver-manifest.js';
import {
  backup,
  readHostFile,
  readKubeadmConfigMap,
  restartApiServer,
  writeHostFile,
  writeKubeadmConfigMap,
  type ApiServerIdentity,
  type KubeadmConfigMap,
} from './flow.js';
import { readClusterSnapshot } from '../audit/snapshot.js';
import { namespaceLevels } from '../audit/evaluate.js';
import { applyClusterChanges, printChanges, type Change } from '../changes/plan.js';
import { planDisablePsp, planDisablePss, planEnablePsp, planEnablePss } from '../changes/pod-security.js';
import { auditChanges } from '../changes/simulate.js';
import type { ClusterSession } from '../session/context.js';
import { confirmChanges } from '../session/confirm.js';
import { reportFailures } from '../exec/failures.js';
import { acquireLock } from '../host/lock.js';

export const PSP = 'PodSecurityPolicy';
/**
 * On the API server's static pod while kubestrap's PodSecurity configuration is in use: the
 * file's hash, so that a changed configuration changes the manifest, and the kubelet restarts
 * the API server (which reads the file only when it starts).
 */
export const CONFIG_HASH_ANNOTATION = 'kubestrap.io/pod-security-config-sha256';
export const PSS_VOLUME: HostPathVolume = {
  name: 'pod-security-config',
  hostPath: ADMISSION_CONFIG_DIR,
  mountPath: ADMISSION_CONFIG_DIR,
  readOnly: true,
  type: 'DirectoryOrCreate',
};

export function readManifest(session: ClusterSession): ApiServerManifest {
  const file = session.paths.at(APISERVER_MANIFEST);
  if (!existsSync(file)) {
    throw new UserError(`no ${APISERVER_MANIFEST} here: run kubestrap admission on a control-plane node (as root)`, {
      file: APISERVER_MANIFEST,
    });
  }
  return ApiServerManifest.parse(readFileSync(file, 'utf8'), APISERVER_MANIFEST);
}

/** How `admission enable|disable` goes about it (its flags). */
export interface AdmissionChangeOptions {
  /** The default policy (PSP) or cluster default level (PSS). */
  level: PssLevel;
  /** Namespaces left privileged (PSP: a privileged RoleBinding; PSS: exempt). */
  exempt: string[];
  /** How long the API server may take to restart before the backup goes back. */
  waitSeconds: number;
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

/** The manifest, ClusterConfiguration and host file edits of an action; undefined parts are already right. */
interface Edits {
  manifest: { before: string; after: string; beforeId: ApiServerIdentity; afterId: ApiServerIdentity } | undefined;
  kubeadm: { cm: KubeadmConfigMap; after: string } | undefined;
  file: { path: string; before: string | null; after: string } | undefined;
}

function editFlags(m: ApiServerManifest, action: 'enable' | 'disable', mode: 'psp' | 'pss', configText?: string): void {
  if (mode === 'psp') {
    const enabled = listFlag(m.flag(ENABLE_PLUGINS));
    const disabled = listFlag(m.flag(DISABLE_PLUGINS));
    if (action === 'enable') {
      if (!enabled.includes(PSP)) m.setFlag(ENABLE_PLUGINS, [...enabled, PSP].join(','));
      if (disabled.includes(PSP)) m.setFlag(DISABLE_PLUGINS, disabled.filter((p) => p !== PSP).join(',') || undefined);
    } else if (enabled.includes(PSP)) {
      const rest = enabled.filter((p) => p !== PSP);
      m.setFlag(ENABLE_PLUGINS, rest.length ? rest.join(',') : undefined);
    }
    return;
  }
  if (action === 'enable') {
    m.setFlag(ADMISSION_CONFIG_FILE, ADMISSION_CONFIG_PATH);
    m.setVolume(PSS_VOLUME);
    m.setAnnotation(
      CONFIG_HASH_ANNOTATION,
      createHash('sha256')
        .update(configText ?? '')
        .digest('hex'),
    );
  } else {
    m.setFlag(ADMISSION_CONFIG_FILE, undefined);
    m.removeVolume(PSS_VOLUME.name);
    m.setAnnotation(CONFIG_HASH_ANNOTATION, undefined);
  }
}

function editClusterConfiguration(
  cm: KubeadmConfigMap,
  manifest: ApiServerManifest,
  mode: 'psp' | 'pss',
  action: 'enable' | 'disable',
): string {
  const c = cm.config;
  const flags = manifest.flags();
  if (mode === 'psp') {
    // The ConfigMap gets the manifest's plugin lists, so the two agree afterwards.
    c.setExtraArg(ENABLE_PLUGINS, flags.get(ENABLE_PLUGINS) || undefined);
    c.setExtraArg(DISABLE_PLUGINS, flags.get(DISABLE_PLUGINS) || undefined);
  } else {
    c.setExtraArg(ADMISSION_CONFIG_FILE, action === 'enable' ? ADMISSION_CONFIG_PATH : undefined);
    c.setExtraVolume(action === 'enable' ? PSS_VOLUME : { name: PSS_VOLUME.name, remove: true });
  }
  return c.toString();
}

/**
 * `admission enable|disable` in the API server (and its kubeadm ClusterConfiguration),
 * holding kubestrap's lock on the node while it changes things; the exit code.
 */
export async function changeApiServerAdmission(
  session: ClusterSession,
  action: 'enable' | 'disable',
  opts: AdmissionChangeOptions,
): Promise<number> {
  const release = opts.dryRun ? () => {} : acquireLock(session.paths.stateDir);
  try {
    return await change(session, action, opts);
  } finally {
    release();
  }
}

async function change(session: ClusterSession, action: 'enable' | 'disable', opts: AdmissionChangeOptions) {
  const { io, mode } = session;
  const { level, exempt, waitSeconds } = opts;
  const manifest = readManifest(session);
  const beforeText = manifest.original;
  const identity = (): ApiServerIdentity => ({
    argv: manifest.argv(),
    annotations: { [CONFIG_HASH_ANNOTATION]: manifest.annotations()[CONFIG_HASH_ANNOTATION] },
  });
  const beforeId = identity();
  if (mode === 'pss') {
    const current = manifest.flag(ADMISSION_CONFIG_FILE);
    if (current && current !== ADMISSION_CONFIG_PATH) {
      throw new UserError(
        `the API server already reads the admission configuration ${current}; kubestrap manages only ${ADMISSION_CONFIG_PATH}: add the PodSecurity plugin's configuration to ${current} yourself, or use --scope namespaces`,
        { file: APISERVER_MANIFEST },
        `--${ADMISSION_CONFIG_FILE}`,
      );
    }
  }
  const snapshot = await readClusterSnapshot(session);
  const edits: Edits = { manifest: undefined, kubeadm: undefined, file: undefined };
  let configText: string | undefined;
  if (mode === 'pss' && action === 'enable') {
    configText = admissionConfigText({
      ...session.config,
      podSecurity: { ...session.config.podSecurity, default: level, privilegedNamespaces: exempt },
    });
    const have = readHostFile(session.paths, ADMISSION_CONFIG_PATH);
    if (have !== configText) edits.file = { path: ADMISSION_CONFIG_PATH, before: have, after: configText };
  }
  editFlags(manifest, action, mode, configText);
  const afterText = manifest.toString();
  if (afterText !== beforeText)
    edits.manifest = { before: beforeText, after: afterText, beforeId, afterId: identity() };
  const cm = await readKubeadmConfigMap(session.kubectl);
  if (cm) {
    const after = editClusterConfiguration(cm, manifest, mode, action);
    if (after !== cm.config.original) edits.kubeadm = { cm, after };
  } else
    io.err(
      'warning: no ClusterConfiguration in kube-system/kubeadm-config (not a kubeadm cluster?): only the manifest changes, and a later `kubeadm upgrade` knows nothing of it',
    );

  // What the cluster looks like afterwards, and what that breaks.
  const cluster: Change[] =
    mode === 'psp'
      ? action === 'enable'
        ? planEnablePsp({ snapshot, config: session.config }, level).changes
        : planDisablePsp()
      : action === 'enable'
        ? planEnablePss({ snapshot, config: session.config }, level, exempt)
        : planDisablePss({ snapshot, config: session.config });
  const changes: Change[] = [...cluster.filter((c) => c.type !== 'admission')];
  if (edits.file)
    changes.push({
      type: 'file',
      ...edits.file,
      reason: `the PodSecurity admission configuration: enforce ${level}, exempt ${exempt.join(', ')}`,
    });
  if (edits.manifest)
    changes.push({
      type: 'file',
      path: APISERVER_MANIFEST,
      before: edits.manifest.before,
      after: edits.manifest.after,
      reason:
        mode === 'psp'
          ? `${action === 'enable' ? 'add' : 'remove'} ${PSP} (every other plugin stays)`
          : `${action === 'enable' ? 'add' : 'remove'} --${ADMISSION_CONFIG_FILE} and the mount of ${ADMISSION_CONFIG_DIR}`,
    });
  if (edits.kubeadm)
    changes.push({
      type: 'kubeadm-config',
      before: edits.kubeadm.cm.config.original,
      after: edits.kubeadm.after,
      reason: 'so that `kubeadm upgrade` keeps the change',
    });
  changes.push(...cluster.filter((c) => c.type === 'admission'));

  const what =
    mode === 'psp'
      ? 'PodSecurityPolicy admission'
      : action === 'enable'
        ? `Pod Security admission (cluster default ${level})`
        : 'the Pod Security admission configuration';
  if (!edits.manifest && !edits.kubeadm && !edits.file && changes.every((c) => c.type === 'admission')) {
    io.out(
      `${what} is already ${action === 'enable' ? 'on' : 'off'} here, and the kubeadm ConfigMap agrees: nothing to change.`,
    );
    return 0;
  }

  const report = auditChanges(snapshot, [action], cluster, { assumeEnforced: false });
  const blocked = action === 'enable' && report.blockers.length > 0;
  if (blocked) {
    io.err(
      `${opts.force ? 'warning' : 'refusing'}: with ${what} on, ${report.blockers.length} running ${report.blockers.length === 1 ? 'pod or workload' : 'pods or workloads'} would be refused:`,
    );
    for (const b of report.blockers) {
      io.err(`  ${b.kind} ${b.namespace}/${b.name}`);
      for (const r of b.reasons) io.err(`      ${r}`);
    }
    if (!opts.force) {
      io.err(
        mode === 'psp'
          ? 'Bind a policy they may use first (`kubestrap policy bind --namespace NS --all-serviceaccounts --policy P`), see `kubestrap audit --if enable`, or pass --force.'
          : 'Label their namespaces with a level they meet (`kubestrap policy bind --namespace NS --all-serviceaccounts --policy privileged`), add them to --privileged-namespace, or pass --force.',
      );
      if (!opts.dryRun) return 1;
    }
  }
  if (opts.dryRun) {
    printChanges(
      io,
      `kubestrap admission ${action} would make these changes (--dry-run: nothing was changed):`,
      changes,
    );
    return blocked && !opts.force ? 1 : 0;
  }
  printChanges(io, `kubestrap admission ${action}:`, changes);
  if (
    !(await confirmChanges(
      io,
      opts.yes,
      `${action === 'enable' ? 'Turn on' : 'Turn off'} ${what} and restart the API server?`,
    ))
  ) {
    io.err('Nothing changed.');
    return 1;
  }

  const progress = (l: string) => io.err(`→ ${l}`);
  await applyClusterChanges(session.kubectl, cluster, session.deadline(waitSeconds), io);
  if (edits.file) {
    if (edits.file.before !== null)
      progress(
        `backed up ${ADMISSION_CONFIG_PATH} to ${backup(session.paths, ADMISSION_CONFIG_PATH, edits.file.before)}`,
      );
    writeHostFile(session.paths, ADMISSION_CONFIG_PATH, edits.file.after, 0o600);
    progress(`wrote ${ADMISSION_CONFIG_PATH}`);
  }
  let mirrorName = '';
  if (edits.manifest) {
    const r = await restartApiServer({
      kubectl: session.kubectl,
      paths: session.paths,
      manifestPath: APISERVER_MANIFEST,
      ...edits.manifest,
      deadline: () => session.deadline(waitSeconds),
      waitSeconds,
      signal: session.signal,
      progress,
      alreadyApplied: cluster.some((c) => c.type === 'apply')
        ? 'The policies and bindings applied before the restart stay (they decide nothing while the plugin is off). '
        : edits.file
          ? `The new ${ADMISSION_CONFIG_PATH} stays on disk, unused. `
          : '',
    });
    mirrorName = r.mirror.metadata.name;
    progress(`the API server is back (${mirrorName})`);
    const problem = await verify(session, action, level, r.mirror.metadata.annotations ?? {});
    if (problem) throw new CheckFailed(`the API server restarted with the new configuration, but ${problem}`);
  }
  if (edits.kubeadm) {
    const done = edits.manifest ? 'The API server already runs the new configuration; ' : '';
    const code = await reportFailures(
      io,
      async () => {
        // Read again: the restart happened in between, and replace fails on a concurrent change.
        const fresh = (await readKubeadmConfigMap(session.kubectl)) ?? edits.kubeadm!.cm;
        const text = editClusterConfiguration(fresh, manifest, mode, action);
        if (text !== fresh.config.original) {
          progress(
            `backed up the ClusterConfiguration to ${backup(session.paths, 'kubeadm-config.ClusterConfiguration.yaml', fresh.config.original)}`,
          );
          await writeKubeadmConfigMap(session.kubectl, fresh, text);
          progress('updated the ClusterConfiguration in kube-system/kubeadm-config');
        }
        return 0;
      },
      `${done}the kubeadm ConfigMap was not updated: run \`kubestrap admission ${action}\` again to update it (\`kubestrap admission status\` shows the difference).`,
    );
    if (code !== 0) return code;
  }
  io.out(`${what} is ${action === 'enable' ? 'on' : 'off'}${mirrorName ? ` (verified on ${mirrorName})` : ''}.`);
  if (action === 'disable' && mode === 'psp')
    io.out(
      'The policies and their bindings stay in the cluster, unused; `kubestrap admission enable` turns it on again.',
    );
  return 0;
}

/** After the restart: the new admission really decides. undefined when it does. */
async function verify(
  session: ClusterSession,
  action: 'enable' | 'disable',
  level: PssLevel,
  mirrorAnnotations: Record<string, string>,
): Promise<string | undefined> {
  if (session.mode === 'psp') {
    const admittedBy = mirrorAnnotations['kubernetes.io/psp'];
    if (action === 'enable' && !admittedBy)
      return 'its own mirror pod carries no kubernetes.io/psp annotation: PodSecurityPolicy admission did not run';
    if (action === 'enable')
      session.io.err(`→ verified: the API server's mirror pod was admitted by the policy ${admittedBy}`);
    if (action === 'disable' && admittedBy)
      return `its new mirror pod was still admitted by ${admittedBy}: PodSecurityPolicy admission is still on`;
    return undefined;
  }
  if (action !== 'enable' || level === 'privileged') return undefined;
  const snapshot = await readClusterSnapshot(session);
  const target = [...namespaceLevels(snapshot).values()].find((n) => n.source === 'default');
  if (!target) {
    session.io.err('note: every namespace has its own level or is exempt: the default was not probed');
    return undefined;
  }
  const r = await session.kubectl.probeCreate(privilegedProbePod(), target.namespace);
  if (!r) return undefined;
  if (r.exitCode !== 0 && /violates PodSecurity/.test(r.stderr)) {
    session.io.err(
      `→ verified: a privileged pod in ${target.namespace} is refused (${r.stderr
        .trim()
        .split('\n')
        .pop()
        ?.replace(/^.*?(violates PodSecurity "[^"]*").*$/, '$1')})`,
    );
    return undefined;
  }
  return `a privileged pod in ${target.namespace} (cluster default level) was not refused by PodSecurity: ${(r.stderr || r.stdout).trim()}`;
}
