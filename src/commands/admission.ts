/**
 * `kubestrap admission enable|disable|status`: turn pod security admission on and
 * off on a running kubeadm cluster, from its control-plane node.
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
 * --admission-control-config-file and its mount, the same way; with
 * `--scope namespaces` it labels the namespaces instead (no restart).
 *
 * `status` says what is on, where it is configured, and whether the manifest, the
 * running API server and the kubeadm ConfigMap agree (exit 1 when they do not).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { CheckFailed, UserError } from '../errors.js';
import type { Io } from '../io.js';
import { isPssLevel, type PssLevel } from '../k8s/pss.js';
import { acquireLock } from '../host/lock.js';
import { ADMISSION_CONFIG_DIR, ADMISSION_CONFIG_PATH, admissionConfigText } from '../render/admission-config.js';
import { privilegedProbePod } from '../render/probe-pods.js';
import {
  ADMISSION_CONFIG_FILE,
  DISABLE_PLUGINS,
  ENABLE_PLUGINS,
  admissionFlags,
  listFlag,
  parseFlags,
} from '../kubeadm/flags.js';
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
} from '../admission/flow.js';
import { auditChanges } from '../changes/simulate.js';
import { apiServerMirrorPods, podArgv, readClusterSnapshot, type ClusterSnapshot } from '../audit/snapshot.js';
import { namespaceLevels } from '../audit/evaluate.js';
import { applyClusterChanges, printChanges, type Change } from '../changes/plan.js';
import {
  planDisablePsp,
  planDisablePss,
  planEnablePsp,
  planEnablePss,
  planPssNamespaceLabels,
  planRemovePssNamespaceLabels,
} from '../changes/pod-security.js';
import type { ClusterSession } from '../session/context.js';
import { confirmChanges } from '../session/confirm.js';
import { openClusterSession } from '../session/open.js';
import { reportFailures } from '../exec/failures.js';

export interface AdmissionOptions {
  config?: string;
  kubeconfig?: string;
  mode?: string;
  level?: string;
  scope?: string;
  privilegedNamespace?: string[];
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  waitSeconds?: string;
  output?: string;
}

const PSP = 'PodSecurityPolicy';
/**
 * On the API server's static pod while kubestrap's PodSecurity configuration is in use: the
 * file's hash, so that a changed configuration changes the manifest, and the kubelet restarts
 * the API server (which reads the file only when it starts).
 */
export const CONFIG_HASH_ANNOTATION = 'kubestrap.io/pod-security-config-sha256';
const PSS_VOLUME: HostPathVolume = {
  name: 'pod-security-config',
  hostPath: ADMISSION_CONFIG_DIR,
  mountPath: ADMISSION_CONFIG_DIR,
  readOnly: true,
  type: 'DirectoryOrCreate',
};

function parseWait(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 86400)
    throw new UserError(
      `must be a whole number of seconds from 1 to 86400, not ${JSON.stringify(text)}`,
      undefined,
      '--wait-seconds',
    );
  return n;
}

function parseLevel(text: string | undefined, fallback: PssLevel): PssLevel {
  if (text === undefined) return fallback;
  if (!isPssLevel(text))
    throw new UserError(
      `must be restricted, baseline or privileged, not ${JSON.stringify(text)}`,
      undefined,
      '--level',
    );
  return text;
}

function readManifest(session: ClusterSession): ApiServerManifest {
  const file = session.paths.at(APISERVER_MANIFEST);
  if (!existsSync(file)) {
    throw new UserError(`no ${APISERVER_MANIFEST} here: run kubestrap admission on a control-plane node (as root)`, {
      file: APISERVER_MANIFEST,
    });
  }
  return ApiServerManifest.parse(readFileSync(file, 'utf8'), APISERVER_MANIFEST);
}

export async function admissionCommand(
  action: string,
  opts: AdmissionOptions,
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  return reportFailures(io, () => admission(action, opts, io, signal));
}

async function admission(action: string, opts: AdmissionOptions, io: Io, signal: AbortSignal): Promise<number> {
  if (!['enable', 'disable', 'status'].includes(action))
    throw new UserError(`unknown action ${JSON.stringify(action)}: use enable, disable or status`);
  if (opts.scope !== undefined && !['cluster', 'namespaces'].includes(opts.scope))
    throw new UserError(`must be cluster or namespaces, not ${JSON.stringify(opts.scope)}`, undefined, '--scope');
  if (opts.output !== undefined && opts.output !== 'text' && opts.output !== 'json')
    throw new UserError(`-o must be text or json, not ${JSON.stringify(opts.output)}`, undefined, '-o');
  const session = await openClusterSession(
    {
      config: opts.config,
      kubeconfig: opts.kubeconfig,
      mode: opts.mode,
      log: action !== 'status' && !opts.dryRun,
      offline: action === 'status',
    },
    io,
    signal,
  );
  if (action === 'status') return status(session, opts);
  const waitSeconds = parseWait(opts.waitSeconds, session.config.timeouts.waitSeconds);
  const level = parseLevel(opts.level, session.config.podSecurity.default as PssLevel);
  const exempt = [
    ...new Set([...session.config.podSecurity.privilegedNamespaces, ...(opts.privilegedNamespace ?? [])]),
  ];
  if (session.mode === 'pss' && opts.scope === 'namespaces') return pssLabels(session, action, level, exempt, opts);
  const release = opts.dryRun ? () => {} : acquireLock(session.paths.stateDir);
  try {
    return await apiServerChange(session, action as 'enable' | 'disable', level, exempt, waitSeconds, opts);
  } finally {
    release();
  }
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

async function apiServerChange(
  session: ClusterSession,
  action: 'enable' | 'disable',
  level: PssLevel,
  exempt: string[],
  waitSeconds: number,
  opts: AdmissionOptions,
): Promise<number> {
  const { io, mode } = session;
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

/** PSS with --scope namespaces: labels only, no restart. */
async function pssLabels(
  session: ClusterSession,
  action: string,
  level: PssLevel,
  exempt: string[],
  opts: AdmissionOptions,
): Promise<number> {
  const { io } = session;
  const snapshot = await readClusterSnapshot(session);
  const inp = { snapshot, config: session.config };
  const changes = action === 'enable' ? planPssNamespaceLabels(inp, level, exempt) : planRemovePssNamespaceLabels(inp);
  if (changes.length === 0) {
    io.out(
      action === 'enable'
        ? 'Every namespace already has an enforce level or is exempt: nothing to change.'
        : 'No namespace carries labels from `admission enable --scope namespaces`: nothing to change.',
    );
    return 0;
  }
  if (action === 'enable') {
    const report = auditChanges(snapshot, ['enable --scope namespaces'], changes);
    if (report.blockers.length) {
      io.err(
        `${opts.force ? 'warning' : 'refusing'}: with these namespace levels, ${report.blockers.length} running pods or workloads would be refused:`,
      );
      for (const b of report.blockers) {
        io.err(`  ${b.kind} ${b.namespace}/${b.name}`);
        for (const r of b.reasons) io.err(`      ${r}`);
      }
      if (!opts.force) {
        io.err(
          'Give their namespaces a level they meet first (`kubestrap policy bind`), add them to --privileged-namespace, or pass --force.',
        );
        if (!opts.dryRun) return 1;
        printChanges(
          io,
          'kubestrap admission enable --scope namespaces would make these changes (--dry-run: nothing was changed):',
          changes,
        );
        return 1;
      }
    }
  }
  if (opts.dryRun) {
    printChanges(
      io,
      `kubestrap admission ${action} --scope namespaces would make these changes (--dry-run: nothing was changed):`,
      changes,
    );
    return 0;
  }
  printChanges(io, `kubestrap admission ${action} --scope namespaces:`, changes);
  if (!(await confirmChanges(io, opts.yes, `${action === 'enable' ? 'Label' : 'Unlabel'} these namespaces?`))) {
    io.err('Nothing changed.');
    return 1;
  }
  await applyClusterChanges(session.kubectl, changes, session.deadline(), io);
  io.out(
    `Pod Security levels ${action === 'enable' ? `set to ${level} on ${changes.length} namespaces` : `removed from ${changes.length} namespaces`}.`,
  );
  return 0;
}

// ------------------------------------------------------------------ status

interface Source {
  where: string;
  /** undefined: could not be read. */
  enabledPlugins?: string[];
  disabledPlugins?: string[];
  configFile?: string | null;
  mount?: boolean;
  detail?: string;
}

async function status(session: ClusterSession, opts: AdmissionOptions): Promise<number> {
  const { io, mode, paths } = session;
  const manifestFile = paths.at(APISERVER_MANIFEST);
  const sources: Source[] = [];
  let manifest: ApiServerManifest | undefined;
  if (existsSync(manifestFile)) {
    manifest = ApiServerManifest.parse(readFileSync(manifestFile, 'utf8'), APISERVER_MANIFEST);
    const f = manifest.flags();
    sources.push({
      where: APISERVER_MANIFEST,
      enabledPlugins: listFlag(f.get(ENABLE_PLUGINS)),
      disabledPlugins: listFlag(f.get(DISABLE_PLUGINS)),
      configFile: f.get(ADMISSION_CONFIG_FILE) ?? null,
      mount: manifest
        .volumes()
        .some((v) => f.get(ADMISSION_CONFIG_FILE)?.startsWith(`${v.mountPath.replace(/\/$/, '')}/`)),
    });
  } else sources.push({ where: APISERVER_MANIFEST, detail: 'not on this host (not a control-plane node?)' });

  let snapshot: ClusterSnapshot | undefined;
  let running: string[] | undefined;
  if (session.reachable) {
    snapshot = await readClusterSnapshot(session);
    const mirrors = apiServerMirrorPods(snapshot.objects);
    const mine = manifest ? mirrors.find((m) => isDeepStrictEqual(podArgv(m), manifest!.argv())) : undefined;
    const m = mine ?? mirrors[0];
    if (m) {
      running = podArgv(m);
      const f = admissionFlags(parseFlags(running), session.version.minor);
      sources.push({
        where: `running API server (mirror pod ${m.metadata.name})`,
        enabledPlugins: f.enabled,
        disabledPlugins: f.disabled,
        configFile: f.configFile ?? null,
        detail:
          mine || !manifest
            ? undefined
            : 'runs a different command line than the manifest: a restart is pending or failed',
      });
    }
    const cm = await readKubeadmConfigMap(session.kubectl);
    if (cm) {
      const a = cm.config.extraArgs();
      sources.push({
        where: 'kube-system/kubeadm-config ClusterConfiguration',
        enabledPlugins: listFlag(a[ENABLE_PLUGINS]),
        disabledPlugins: listFlag(a[DISABLE_PLUGINS]),
        configFile: a[ADMISSION_CONFIG_FILE] ?? null,
        mount: cm.config
          .extraVolumes()
          .some((v) => a[ADMISSION_CONFIG_FILE]?.startsWith(`${v.mountPath.replace(/\/$/, '')}/`)),
      });
    } else sources.push({ where: 'kube-system/kubeadm-config ClusterConfiguration', detail: 'not found' });
  } else
    sources.push({
      where: 'kube-system/kubeadm-config ClusterConfiguration',
      detail: 'the API server does not answer',
    });

  const readable = sources.filter((s) => s.enabledPlugins !== undefined);
  const on = (s: Source) =>
    mode === 'psp' ? s.enabledPlugins!.includes(PSP) && !s.disabledPlugins!.includes(PSP) : !!s.configFile;
  const sameSet = (a: string[], b: string[]) => isDeepStrictEqual([...a].sort(), [...b].sort());
  const disagreements: string[] = [];
  for (let i = 1; i < readable.length; i++) {
    const a = readable[0];
    const b = readable[i];
    if (!sameSet(a.enabledPlugins!, b.enabledPlugins!))
      disagreements.push(
        `--${ENABLE_PLUGINS}: ${a.where} has ${a.enabledPlugins!.join(',') || '(none)'}, ${b.where} has ${b.enabledPlugins!.join(',') || '(none)'}`,
      );
    if (!sameSet(a.disabledPlugins!, b.disabledPlugins!))
      disagreements.push(
        `--${DISABLE_PLUGINS}: ${a.where} has ${a.disabledPlugins!.join(',') || '(none)'}, ${b.where} has ${b.disabledPlugins!.join(',') || '(none)'}`,
      );
    if ((a.configFile ?? null) !== (b.configFile ?? null))
      disagreements.push(
        `--${ADMISSION_CONFIG_FILE}: ${a.where} has ${a.configFile ?? '(none)'}, ${b.where} has ${b.configFile ?? '(none)'}`,
      );
  }
  for (const s of sources)
    if (s.detail && s.enabledPlugins !== undefined) disagreements.push(`${s.where}: ${s.detail}`);
  const isOn = readable.length > 0 && on(readable[0]);
  // Without the API server (or without the manifest) there is nothing to hold the manifest against.
  const comparable = readable.length > 1;
  const pssFile = mode === 'pss' ? (readable[0]?.configFile ?? null) : null;
  const namespaces = snapshot && mode === 'pss' ? [...namespaceLevels(snapshot).values()] : [];

  if (opts.output === 'json') {
    io.out(
      JSON.stringify({
        kubernetesVersion: session.version.text,
        mode,
        on: isOn,
        agree: comparable ? disagreements.length === 0 : null,
        disagreements,
        sources: sources.map((s) => ({
          where: s.where,
          readable: s.enabledPlugins !== undefined,
          on: s.enabledPlugins !== undefined ? on(s) : null,
          enabledPlugins: s.enabledPlugins ?? null,
          disabledPlugins: s.disabledPlugins ?? null,
          admissionConfigFile: s.configFile ?? null,
          detail: s.detail ?? null,
        })),
        ...(mode === 'pss'
          ? {
              podSecurity: snapshot
                ? { defaults: snapshot.pss.defaults, exemptions: snapshot.pss.exemptions, source: snapshot.pss.source }
                : null,
              namespaces,
            }
          : {}),
      }),
    );
  } else {
    const name = mode === 'psp' ? 'PodSecurityPolicy admission' : 'Pod Security admission configuration';
    io.out(
      `Kubernetes ${session.version.text}: ${name} is ${isOn ? 'on' : 'off'}${mode === 'pss' && pssFile ? ` (${pssFile})` : ''}`,
    );
    for (const s of sources) {
      if (s.enabledPlugins === undefined) {
        io.out(`  ${s.where}: ${s.detail}`);
        continue;
      }
      const parts = [`--${ENABLE_PLUGINS}=${s.enabledPlugins.join(',') || '(none)'}`];
      if (s.disabledPlugins!.length) parts.push(`--${DISABLE_PLUGINS}=${s.disabledPlugins!.join(',')}`);
      if (mode === 'pss')
        parts.push(
          s.configFile
            ? `--${ADMISSION_CONFIG_FILE}=${s.configFile}${s.mount === false ? ' (its directory is not mounted!)' : ''}`
            : `no --${ADMISSION_CONFIG_FILE}`,
        );
      io.out(`  ${s.where}: ${on(s) ? 'on' : 'off'}; ${parts.join(' ')}`);
    }
    if (mode === 'pss' && snapshot) {
      io.out(
        `  cluster default: enforce ${snapshot.pss.defaults.enforce}:${snapshot.pss.defaults.enforceVersion} (${snapshot.pss.source})${snapshot.pss.exemptions.namespaces.length ? `; exempt: ${snapshot.pss.exemptions.namespaces.join(', ')}` : ''}`,
      );
      for (const n of namespaces)
        if (n.source === 'label') io.out(`  namespace ${n.namespace}: enforce ${n.level}:${n.version} (label)`);
    }
    if (!comparable)
      io.out(
        session.reachable
          ? 'Nothing to compare: only one of them could be read.'
          : 'Cannot compare: the API server does not answer, so the kubeadm ConfigMap and the running API server are unknown.',
      );
    else if (disagreements.length === 0)
      io.out(
        readable.length > 2
          ? 'The manifest, the running API server and the kubeadm ConfigMap agree.'
          : `${readable.map((s) => s.where).join(' and ')} agree.`,
      );
    else {
      io.out('They disagree:');
      for (const d of disagreements) io.out(`  ${d}`);
      io.out('`kubestrap admission enable` or `disable` brings them back in line.');
    }
  }
  return comparable && disagreements.length === 0 ? 0 : 1;
}
