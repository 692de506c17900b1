/**
 * The setup of the commands that work on a cluster that already runs (audit,
 * admission, policy bind/unbind/bindings/default): which kubeconfig, the
 * cluster's own version and pod security mode (from the API server, or from the
 * static pod manifest when the API server is away), and the config
 * (`cluster.yaml` when present, for the default level, the privileged namespaces
 * and custom policies; the built-in defaults otherwise).
 */
import { existsSync, readFileSync } from 'node:fs';
import { MiB, readTextFile } from '../host/files.js';
import path from 'node:path';
import { loadConfig, type ClusterConfig } from '../config/load.js';
import { invokingUser } from '../context.js';
import { CheckFailed, UserError } from '../errors.js';
import { FileLog, NO_LOG, type Log } from '../exec/log.js';
import { CommandError, ExecaRunner, Interrupted, type Runner } from '../exec/runner.js';
import { hostPaths, type HostPaths } from '../host/paths.js';
import type { Io } from '../io.js';
import { Kubectl } from '../kube/kubectl.js';
import { kubeconfigFromEnv } from '../kube/kubeconfig.js';
import {
  flannelNamespace,
  isSupportedMinor,
  parseKubeVersion,
  pspServed,
  pssAvailable,
  type KubeVersion,
  type PodSecurityMode,
} from '../versions.js';
import { APISERVER_MANIFEST, ApiServerManifest } from '../admission/manifest.js';
import { readSnapshot, type ClusterSnapshot } from '../audit/snapshot.js';
import { deadlineIn, TimeoutError, type Deadline } from '../workflow/wait.js';

export interface ClusterSessionOptions {
  config?: string;
  kubeconfig?: string;
  mode?: string;
  /** Keep the run log (commands that change the cluster). */
  log?: boolean;
  /** Work without the API server (admission status): the version then comes from the manifest. */
  offline?: boolean;
}

export interface ClusterSession {
  kubectl: Kubectl;
  runner: Runner;
  paths: HostPaths;
  config: ClusterConfig;
  version: KubeVersion;
  mode: PodSecurityMode;
  /** The API server answered (`kubectl version`). */
  reachable: boolean;
  io: Io;
  signal: AbortSignal;
  deadline(seconds?: number): Deadline;
  snapshot(): Promise<ClusterSnapshot>;
}

function passEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** --kubeconfig, else KUBECONFIG (as kubectl reads it), else the admin or the invoking user's kubeconfig. */
async function chooseKubeconfig(
  given: string | undefined,
  paths: HostPaths,
  runner: Runner,
): Promise<{ file: string | undefined; label: string }> {
  if (given) {
    if (!existsSync(given)) throw new UserError('no such kubeconfig', { file: given }, '--kubeconfig');
    // kubectl would only say it cannot reach a server: a directory or an unreadable file is named here.
    readTextFile(given, { maxBytes: 64 * MiB, what: 'a kubeconfig' });
    return { file: given, label: given };
  }
  const fromEnv = kubeconfigFromEnv();
  if (fromEnv) {
    if (!fromEnv.found) throw new UserError(`${fromEnv.missing}; fix KUBECONFIG or pass --kubeconfig FILE`);
    return fromEnv;
  }
  // On a control-plane node (as root) the admin kubeconfig; else the invoking user's own.
  if (existsSync(paths.adminConf)) return { file: paths.adminConf, label: paths.adminConf };
  const user = await invokingUser(runner);
  const own = paths.at(path.posix.join(user.home, '.kube', 'config'));
  if (existsSync(own)) return { file: own, label: own };
  throw new UserError(`no kubeconfig found (${paths.adminConf} or ${own}); pass --kubeconfig FILE`);
}

export async function openClusterSession(
  opts: ClusterSessionOptions,
  io: Io,
  signal: AbortSignal,
): Promise<ClusterSession> {
  if (opts.mode !== undefined && !['auto', 'psp', 'pss'].includes(opts.mode))
    throw new UserError(`--mode must be auto, psp or pss, not ${JSON.stringify(opts.mode)}`, undefined, '--mode');
  const loaded = loadConfig(opts.config);
  const paths = hostPaths();
  let log: Log = NO_LOG;
  if (opts.log) {
    try {
      log = new FileLog(paths.logFile);
    } catch {
      log = NO_LOG;
    }
  }
  const runner = new ExecaRunner(log, passEnv());
  const kubeconfig = await chooseKubeconfig(opts.kubeconfig, paths, runner);
  const probe = new Kubectl(runner, kubeconfig.file, loaded.version.minor, signal);
  const server = await probe.serverVersion();
  let version = server ? parseKubeVersion(server.replace(/[-+].*$/, '')) : undefined;
  if (!version) {
    const manifest = paths.at(APISERVER_MANIFEST);
    let fromManifest: string | undefined;
    if (existsSync(manifest)) {
      try {
        fromManifest = ApiServerManifest.parse(readFileSync(manifest, 'utf8'), APISERVER_MANIFEST).imageVersion();
      } catch {
        /* not readable: below */
      }
    }
    if (!opts.offline || !fromManifest) {
      throw new CheckFailed(
        `cannot reach the API server with ${kubeconfig.label} (\`kubectl version\` got no server version); is the cluster up?`,
      );
    }
    version = parseKubeVersion(fromManifest)!;
    io.err(
      `warning: the API server does not answer; Kubernetes ${version.text} from the image in ${APISERVER_MANIFEST}`,
    );
  }
  if (!isSupportedMinor(version.minor))
    throw new UserError(
      `the cluster runs Kubernetes ${version.text}, outside what kubestrap supports (v1.11 to v1.37)`,
    );

  const requested = (opts.mode ?? (loaded.source ? loaded.podSecurity.mode : 'auto')) as 'auto' | PodSecurityMode;
  const mode: PodSecurityMode = requested === 'auto' ? (pspServed(version.minor) ? 'psp' : 'pss') : requested;
  if (mode === 'psp' && !pspServed(version.minor))
    throw new UserError(
      `PodSecurityPolicy was removed in v1.25; the cluster runs ${version.text}: use --mode pss (or auto)`,
      undefined,
      '--mode',
    );
  if (mode === 'pss' && !pssAvailable(version.minor))
    throw new UserError(
      `Pod Security admission arrived in v1.23; the cluster runs ${version.text}: use --mode psp (or auto)`,
      undefined,
      '--mode',
    );
  if (loaded.source && loaded.version.minor !== version.minor) {
    io.err(
      `note: ${loaded.source} says ${loaded.version.text}; the cluster runs ${version.text}, which is what counts here`,
    );
  }
  // The privileged namespaces default with the version (flannel's namespace moved in 1.17).
  const privilegedNamespaces = loaded.source
    ? loaded.podSecurity.privilegedNamespaces
    : [...new Set(['kube-system', flannelNamespace(version.minor)])];
  const config: ClusterConfig = {
    ...loaded,
    version,
    mode,
    podSecurity: { ...loaded.podSecurity, privilegedNamespaces },
  };
  const kubectl = new Kubectl(runner, kubeconfig.file, version.minor, signal);
  return {
    kubectl,
    runner,
    paths,
    config,
    version,
    mode,
    reachable: server !== undefined,
    io,
    signal,
    deadline: (seconds) => deadlineIn(seconds ?? config.timeouts.waitSeconds),
    snapshot: () => readSnapshot(kubectl, version!, mode, paths),
  };
}

/** `--yes`, or a yes on the terminal; without a terminal and without --yes: exit 2. */
export async function confirmChanges(io: Io, yes: boolean | undefined, question: string): Promise<boolean> {
  if (yes) return true;
  if (!io.tty)
    throw new UserError(
      `${question.replace(/\?$/, '')}: pass --yes to confirm when not on a terminal (or --dry-run to only see the changes)`,
    );
  const { confirm } = await import('../io.js');
  return confirm(io, question);
}

/** Ctrl-C stops at the next command kubestrap runs (for commands registered outside cli.ts). */
export function interruptOnSignals(): AbortSignal {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    if (++count > 1) process.exit(130);
    process.stderr.write(`\n${name}: stopping after the current command...\n`);
    controller.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return controller.signal;
}

/**
 * Runs a command body and turns what the cluster says into exit codes: a kubectl
 * failure (Forbidden, Conflict, ...) or a deadline is a failed check (exit 1, with
 * kubectl's own words), Ctrl-C is 130. Input errors pass through (exit 2).
 */
export async function reportFailures(io: Io, body: () => Promise<number>, context = ''): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof Interrupted) {
      io.err(`interrupted${context ? `: ${context}` : ''}`);
      return 130;
    }
    if (e instanceof CommandError || e instanceof TimeoutError)
      throw new CheckFailed(`${e.message}${context ? `\n${context}` : ''}`);
    throw e;
  }
}
