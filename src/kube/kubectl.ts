/**
 * Typed kubectl calls on a Runner. Every argv kubestrap sends to kubectl is
 * built here, so the set is small, reviewable, and checked in the tests
 * against real kubectl binaries (which reject unknown flags before they
 * connect). All calls name the kubeconfig explicitly.
 */
import type { Runner, RunResult } from '../exec/runner.js';
import { CommandError } from '../exec/runner.js';
import { serverDryRunArgs } from '../versions.js';
import { waitFor, type Deadline } from '../workflow/wait.js';

/** Errors of an API server that is starting or briefly away: worth retrying within the deadline. */
const TRANSIENT = [
  /connection refused/,
  // kubectl's own wording when the API server's port is closed (REAL-OUTPUTS.md §4).
  /was refused - did you specify the right host or port/,
  /connection reset by peer/,
  /the server is currently unable to handle the request/,
  /Unable to connect to the server/,
  /TLS handshake timeout/,
  /i\/o timeout/,
  /etcdserver: (request timed out|leader changed)/,
  /failed to download openapi/,
  /the server was unable to return a response in the time allotted/,
  /EOF$/m,
  /Internal error occurred: resource quota evaluation timed out/,
];

export function isTransient(stderr: string): boolean {
  return TRANSIENT.some((re) => re.test(stderr));
}

export interface KubeObjectJson {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, any>;
  status?: Record<string, any>;
}

export interface ListJson<T = KubeObjectJson> {
  items: T[];
}

export class Kubectl {
  constructor(
    private readonly runner: Runner,
    readonly kubeconfig: string,
    /** The cluster's minor: decides flags that changed over time. */
    readonly minor: number,
    private readonly signal?: AbortSignal,
  ) {}

  argv(args: string[]): string[] {
    return ['--kubeconfig', this.kubeconfig, ...args];
  }

  private run(args: string[], opts: { mutates?: boolean; input?: string; allowFailure?: boolean } = {}): Promise<RunResult> {
    return this.runner.run('kubectl', this.argv(args), { ...opts, signal: this.signal });
  }

  /** The argv of `apply -f FILE`, for plans. */
  applyArgs(file: string): string[] {
    return ['kubectl', ...this.argv(['apply', '-f', file])];
  }

  /**
   * kubectl apply, retried with backoff while the API server is starting or
   * briefly unreachable; any other failure (Forbidden, Invalid) stops at once.
   */
  async apply(file: string, deadline: Deadline): Promise<RunResult> {
    let last: RunResult | undefined;
    const result = await waitFor(
      async () => {
        const r = await this.run(['apply', '-f', file], { mutates: true, allowFailure: true });
        last = r;
        if (r.exitCode === 0) return r;
        if (isTransient(r.stderr)) return undefined;
        throw new CommandError(r);
      },
      deadline,
      { what: `kubectl apply -f ${file}`, signal: this.signal },
    ).catch((e) => {
      // Out of time while still transient: report kubectl's own last words.
      if (last && last.exitCode !== 0 && !(e instanceof CommandError)) throw new CommandError(last);
      throw e;
    });
    return result;
  }

  /** True when every object of the file exists (`kubectl get -f` fails on the first missing one). */
  async allExist(file: string): Promise<boolean> {
    const r = await this.run(['get', '-f', file, '-o', 'name'], { allowFailure: true });
    return r.exitCode === 0;
  }

  async getJson<T = KubeObjectJson>(resource: string, namespace?: string): Promise<ListJson<T>> {
    const args = ['get', resource, '-o', 'json'];
    if (namespace) args.push('-n', namespace);
    const r = await this.run(args);
    return JSON.parse(r.stdout) as ListJson<T>;
  }

  /** Like getJson, but a failure (API server down, no such resource) is undefined. */
  async tryGetJson<T = KubeObjectJson>(resource: string, namespace?: string): Promise<ListJson<T> | undefined> {
    const args = ['get', resource, '-o', 'json'];
    if (namespace) args.push('-n', namespace);
    const r = await this.run(args, { allowFailure: true });
    if (r.exitCode !== 0) return undefined;
    try {
      return JSON.parse(r.stdout) as ListJson<T>;
    } catch {
      return undefined;
    }
  }

  waitNodesReadyArgs(timeoutSeconds: number): string[] {
    return ['wait', '--for=condition=Ready', 'nodes', '--all', `--timeout=${timeoutSeconds}s`];
  }

  /** Blocks in kubectl (a watch) until every node is Ready or the timeout passes. */
  async waitNodesReady(timeoutSeconds: number): Promise<RunResult> {
    return this.run(this.waitNodesReadyArgs(timeoutSeconds), { allowFailure: true });
  }

  rolloutStatusArgs(kind: string, name: string, namespace: string, timeoutSeconds: number): string[] {
    return ['rollout', 'status', `${kind}/${name}`, '-n', namespace, `--timeout=${timeoutSeconds}s`];
  }

  async rolloutStatus(kind: string, name: string, namespace: string, timeoutSeconds: number): Promise<RunResult> {
    return this.run(this.rolloutStatusArgs(kind, name, namespace, timeoutSeconds), { allowFailure: true });
  }

  taintRemoveArgs(node: string, keys: string[]): string[] {
    return ['taint', 'nodes', node, ...keys.map((k) => `${k}-`)];
  }

  async removeTaints(node: string, keys: string[]): Promise<RunResult> {
    return this.run(this.taintRemoveArgs(node, keys), { mutates: true });
  }

  canIArgs(verb: string, resource: string, as: string, namespace: string): string[] {
    return ['auth', 'can-i', verb, resource, `--as=${as}`, '-n', namespace];
  }

  /** kubectl auth can-i: `yes` exits 0, `no` exits 1. */
  async canI(verb: string, resource: string, as: string, namespace: string): Promise<boolean> {
    const r = await this.run(this.canIArgs(verb, resource, as, namespace), { allowFailure: true });
    if (r.exitCode !== 0 && r.exitCode !== 1) throw new CommandError(r);
    return r.stdout.trim().startsWith('yes');
  }

  /**
   * Creates an object as `as` without persisting it (server-side dry run), so
   * admission runs for real. undefined when this minor's kubectl has no
   * server dry run.
   */
  serverDryRunCreateArgs(as: string, namespace: string): string[] | undefined {
    const dry = serverDryRunArgs(this.minor);
    if (!dry) return undefined;
    return ['create', ...dry, '-f', '-', `--as=${as}`, '-n', namespace, '-o', 'name'];
  }

  async serverDryRunCreate(manifest: string, as: string, namespace: string): Promise<RunResult | undefined> {
    const args = this.serverDryRunCreateArgs(as, namespace);
    if (!args) return undefined;
    return this.run(args, { input: manifest, allowFailure: true });
  }
}
