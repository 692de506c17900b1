/**
 * Where pod security admission is configured on a kubeadm cluster, and whether those
 * places agree: the API server's static pod manifest, the API server that runs (its
 * mirror pod's command line) and kube-system/kubeadm-config's ClusterConfiguration.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { namespaceLevels } from '../audit/evaluate.js';
import { apiServerMirrorPods, podArgv, readClusterSnapshot, type ClusterSnapshot } from '../audit/snapshot.js';
import {
  ADMISSION_CONFIG_FILE,
  admissionFlags,
  DISABLE_PLUGINS,
  ENABLE_PLUGINS,
  listFlag,
  parseFlags,
} from '../kubeadm/flags.js';
import { APISERVER_MANIFEST, ApiServerManifest } from '../kubeadm/apiserver-manifest.js';
import type { ClusterSession } from '../session/context.js';
import { readKubeadmConfigMap } from './flow.js';
import { PSP } from './api-server.js';

interface Source {
  where: string;
  /** undefined: could not be read. */
  enabledPlugins?: string[];
  disabledPlugins?: string[];
  configFile?: string | null;
  mount?: boolean;
  detail?: string;
}

/**
 * `admission status`: whether pod security admission is on, and whether the static pod
 * manifest, the running API server (its mirror pod) and the kubeadm ClusterConfiguration
 * agree; printed as text or one JSON document. Exit 0 when they agree, 1 otherwise.
 */
export async function admissionStatus(session: ClusterSession, output: 'text' | 'json'): Promise<number> {
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

  if (output === 'json') {
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
