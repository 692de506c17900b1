/**
 * What a command works with, passed explicitly: the config, the one runner every
 * program goes through, the log, kubectl, where things are on the host, and the
 * deadline of a wait. A Session is the common part; `up`'s steps get a Context (the
 * render, dry run, the invoking user), the commands for running clusters a
 * ClusterSession (the cluster's own version and pod security mode). session/open.ts
 * builds them.
 *
 * A step or feature never reaches past these for the host: its paths come from
 * `paths`, its programs run through `runner`. A runner for another host (SSH) with that
 * host's paths is all a step needs to work there.
 */
import path from 'node:path';
import type { ClusterConfig } from '../config/load.js';
import type { Log, Runner } from '../exec/runner.js';
import { deadlineIn, type Deadline } from '../exec/wait.js';
import { LocalHost, type HostAccess } from '../host/access.js';
import type { HostPaths } from '../host/paths.js';
import type { Io } from '../io.js';
import { Kubectl } from '../kube/kubectl.js';
import type { RenderResult } from '../render/index.js';
import type { KubeVersion, PodSecurityMode } from '../versions.js';

export interface Session {
  config: ClusterConfig;
  runner: Runner;
  log: Log;
  io: Io;
  paths: HostPaths;
  signal: AbortSignal;
  kubectl: Kubectl;
  /** A fresh deadline for one wait: `seconds`, or the config's timeouts.waitSeconds. */
  deadline(seconds?: number): Deadline;
}

export interface InvokingUser {
  name: string;
  uid: number;
  gid: number;
  /** Home directory as the host knows it (not prefixed with the root). */
  home: string;
}

/** What a command decides before `up`'s steps run. */
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

/** What every step of `up` receives. */
export interface Context extends ContextInputs, Session {
  host: HostAccess;
  /** The kubeconfig later steps use: the one installed for the invoking user. */
  kubeconfig: string;
}

/** A cluster that already runs (audit, admission, policy bind/unbind/bindings/default). */
export interface ClusterSession extends Session {
  version: KubeVersion;
  mode: PodSecurityMode;
  /** The API server answered (`kubectl version`). */
  reachable: boolean;
}

export function createContext(inputs: ContextInputs): Context {
  const kubeconfig = inputs.paths.at(path.posix.join(inputs.user.home, '.kube', 'config'));
  return {
    ...inputs,
    host: inputs.host ?? new LocalHost(inputs.paths),
    kubeconfig,
    kubectl: new Kubectl(inputs.runner, kubeconfig, inputs.config.version.minor, inputs.signal),
    deadline: (seconds) => deadlineIn(seconds ?? inputs.config.timeouts.waitSeconds),
  };
}
