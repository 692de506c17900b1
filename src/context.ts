/**
 * Context: what every step receives, passed explicitly. Built once per
 * command by cli.ts from the config and the flags.
 */
import os from 'node:os';
import path from 'node:path';
import type { ClusterConfig } from './config/load.js';
import type { Io } from './io.js';
import type { Log } from './exec/log.js';
import type { Runner } from './exec/runner.js';
import type { HostPaths } from './host/paths.js';
import { LocalHost, type HostAccess } from './host/access.js';
import { Kubectl } from './kube/kubectl.js';
import type { RenderResult } from './render/index.js';
import { deadlineIn, type Deadline } from './workflow/wait.js';

export interface InvokingUser {
  name: string;
  uid: number;
  gid: number;
  /** Home directory as the host knows it (not prefixed with the root). */
  home: string;
}

/** What a command decides before the steps run. */
export interface ContextInputs {
  config: ClusterConfig;
  rendered: RenderResult;
  runner: Runner;
  log: Log;
  io: Io;
  paths: HostPaths;
  dryRun: boolean;
  /** Answer yes to the offers kubestrap makes (preflight fixes, reset confirmation). */
  yes: boolean;
  interactive: boolean;
  signal: AbortSignal;
  user: InvokingUser;
  /** The host's files and identity; this machine's unless a host over SSH is given. */
  host?: HostAccess;
}

export interface Context extends ContextInputs {
  host: HostAccess;
  /** The kubeconfig later steps use: the one installed for the invoking user. */
  kubeconfig: string;
  kubectl: Kubectl;
  /** A fresh deadline for one wait, from the config's timeouts.waitSeconds. */
  deadline(): Deadline;
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

export function createContext(inputs: ContextInputs): Context {
  const kubeconfig = inputs.paths.at(path.posix.join(inputs.user.home, '.kube', 'config'));
  return {
    ...inputs,
    host: inputs.host ?? new LocalHost(inputs.paths),
    kubeconfig,
    kubectl: new Kubectl(inputs.runner, kubeconfig, inputs.config.version.minor, inputs.signal),
    deadline: () => deadlineIn(inputs.config.timeouts.waitSeconds),
  };
}
