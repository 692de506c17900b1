/**
 * Opening a session: the one place a command gets its host paths, runner, log and
 * kubectl, and (for a running cluster) the cluster's own version and pod security
 * mode. Commands call one of these and hand the result to a feature module.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterConfig } from '../config/load.js';
import { CheckFailed, UserError } from '../errors.js';
import { DryRunRunner, ExecaRunner, NO_LOG, type Log, type Runner } from '../exec/runner.js';
import { deadlineIn } from '../exec/wait.js';
import { MiB, readTextFile } from '../host/files.js';
import { FileLog, openLog } from '../host/log.js';
import { hostPaths, type HostPaths } from '../host/paths.js';
import type { Io } from '../io.js';
import { kubeconfigFromEnv } from '../kube/kubeconfig.js';
import { Kubectl } from '../kube/kubectl.js';
import { APISERVER_MANIFEST, ApiServerManifest } from '../kubeadm/apiserver-manifest.js';
import { render } from '../render/index.js';
import {
  defaultPrivilegedNamespaces,
  isSupportedMinor,
  parseKubeVersion,
  pspServed,
  pssAvailable,
  type PodSecurityMode,
} from '../versions.js';
import { loadClusterConfig } from './config.js';
import { createContext, type ClusterSession, type Context, type InvokingUser } from './context.js';

/** The host a command works on: where things are, the runner every program goes through, the log. */
export interface Host {
  paths: HostPaths;
  runner: Runner;
  log: Log;
}

export interface HostOptions {
  /** Keep the run log (commands that change the host or the cluster). */
  log?: boolean;
  /** Record mutating commands instead of running them. */
  dryRun?: boolean;
  /** Say nothing when the log cannot be written (commands whose log is a courtesy). */
  quietLog?: boolean;
}

function openRunLog(file: string, io: Io, quiet: boolean): Log {
  if (!quiet) return openLog(file, io);
  try {
    return new FileLog(file);
  } catch {
    return NO_LOG;
  }
}

export function openHost(opts: HostOptions, io: Io): Host {
  const paths = hostPaths();
  const log = opts.log && !opts.dryRun ? openRunLog(paths.logFile, io, opts.quietLog ?? false) : NO_LOG;
  // execa hands children our environment (PATH, KUBESTRAP_ROOT for the tests' simulated node).
  const base = new ExecaRunner(log);
  return { paths, log, runner: opts.dryRun ? new DryRunRunner(base) : base };
}

/**
 * The user `sudo kubestrap up` runs for: SUDO_USER when set (and not root),
 * else the current user. Home, uid and gid come from `getent passwd`, which
 * also knows users from LDAP or SSSD.
 */
export async function invokingUser(runner: Runner, env = process.env): Promise<InvokingUser> {
  const name = env.SUDO_USER && env.SUDO_USER !== 'root' ? env.SUDO_USER : os.userInfo().username;
  const r = await runner.run('getent', ['passwd', name], { allowFailure: true });
  const fields = r.exitCode === 0 ? r.stdout.trim().split('\n')[0].split(':') : [];
  if (fields.length >= 6) {
    return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] };
  }
  const info = os.userInfo();
  return { name, uid: info.uid, gid: info.gid, home: info.homedir };
}

export interface HostSessionOptions {
  config?: string;
  dryRun?: boolean;
  yes?: boolean;
  /** Keep a log file (commands that change the host). */
  log?: boolean;
}

/** The session of the commands that build this node (up, plan, verify, rebuild): config, render, runner, log, user. */
export async function openHostSession(opts: HostSessionOptions, io: Io, signal: AbortSignal): Promise<Context> {
  const config = loadClusterConfig(opts.config);
  const rendered = render(config);
  for (const w of rendered.warnings) io.err(`warning: ${w}`);
  const { paths, runner, log } = openHost({ log: opts.log, dryRun: opts.dryRun }, io);
  const user = await invokingUser(runner);
  return createContext({
    config,
    rendered,
    runner,
    log,
    io,
    paths,
    dryRun: Boolean(opts.dryRun),
    yes: Boolean(opts.yes),
    interactive: Boolean(io.tty),
    signal,
    user,
  });
}

export interface ClusterSessionOptions {
  config?: string;
  kubeconfig?: string;
  mode?: string;
  /** Keep the run log (commands that change the cluster). */
  log?: boolean;
  /** Work without the API server (admission status): the version then comes from the manifest. */
  offline?: boolean;
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

/**
 * The session of the commands that work on a cluster that already runs (audit,
 * admission, policy bind/unbind/bindings/default): which kubeconfig, the cluster's own
 * version and pod security mode (from the API server, or from the static pod manifest
 * when the API server is away), and the config (`cluster.yaml` when present, for the
 * default level, the privileged namespaces and custom policies; the built-in defaults
 * otherwise).
 */
export async function openClusterSession(
  opts: ClusterSessionOptions,
  io: Io,
  signal: AbortSignal,
): Promise<ClusterSession> {
  if (opts.mode !== undefined && !['auto', 'psp', 'pss'].includes(opts.mode))
    throw new UserError(`--mode must be auto, psp or pss, not ${JSON.stringify(opts.mode)}`, undefined, '--mode');
  const loaded = loadClusterConfig(opts.config);
  const { paths, runner, log } = openHost({ log: opts.log, quietLog: true }, io);
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
    : defaultPrivilegedNamespaces(version.minor);
  const config: ClusterConfig = {
    ...loaded,
    version,
    mode,
    podSecurity: { ...loaded.podSecurity, privilegedNamespaces },
  };
  return {
    config,
    runner,
    log,
    io,
    paths,
    signal,
    kubectl: new Kubectl(runner, kubeconfig.file, version.minor, signal),
    version,
    mode,
    reachable: server !== undefined,
    deadline: (seconds) => deadlineIn(seconds ?? config.timeouts.waitSeconds),
  };
}
