/**
 * Typed kubectl calls on a Runner. Every argv kubestrap sends to kubectl is
 * built here, so the set is small, reviewable, and checked in the tests
 * against real kubectl binaries (which reject unknown flags before they
 * connect). All calls name the kubeconfig explicitly, except when KUBECONFIG lists several
 * files for kubectl to merge.
 */
import type { Runner, RunResult } from '../exec/runner.js';
import { CommandError } from '../exec/runner.js';
import { serverDryRunArgs } from '../versions.js';
import { waitFor, type Deadline } from '../workflow/wait.js';

/** Errors of an API server that is starting or briefly away: worth retrying within the deadline. */
const TRANSIENT = [
  /connection refused/,
  // kubectl's own wording when the API server's port is closed (test/sim/REAL-OUTPUTS.md §4).
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
    /** Passed as --kubeconfig; undefined: kubectl merges KUBECONFIG's files itself (kubeconfig.ts). */
    readonly kubeconfig: string | undefined,
    /** The cluster's minor: decides flags that changed over time. */
    readonly minor: number,
    private readonly signal?: AbortSignal,
  ) {}

  argv(args: string[]): string[] {
    return this.kubeconfig === undefined ? args : ['--kubeconfig', this.kubeconfig, ...args];
  }

  private run(
    args: string[],
    opts: { mutates?: boolean; input?: string; allowFailure?: boolean } = {},
  ): Promise<RunResult> {
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

  // --- existing clusters (audit, admission, policy bind/default) -----------------

  versionArgs(): string[] {
    return ['version', '-o', 'json'];
  }

  /** The API server's version (`v1.24.17`), or undefined when it cannot be reached. */
  async serverVersion(): Promise<string | undefined> {
    const r = await this.run(this.versionArgs(), { allowFailure: true });
    try {
      const v = (JSON.parse(r.stdout) as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion;
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }

  getAllArgs(types: readonly string[]): string[] {
    return ['get', types.join(','), '--all-namespaces', '-o', 'json'];
  }

  /** Several resource types in one call, in every namespace (cluster-scoped ones as they are). */
  async getAll<T = KubeObjectJson>(types: readonly string[]): Promise<ListJson<T>> {
    const r = await this.run(this.getAllArgs(types));
    return JSON.parse(r.stdout) as ListJson<T>;
  }

  getObjectArgs(kind: string, name: string, namespace?: string): string[] {
    return ['get', kind, name, '-o', 'json', ...(namespace ? ['-n', namespace] : []), '--ignore-not-found'];
  }

  /** One object, or undefined when it does not exist (`--ignore-not-found` prints nothing then). */
  async getObject<T = KubeObjectJson>(kind: string, name: string, namespace?: string): Promise<T | undefined> {
    const r = await this.run(this.getObjectArgs(kind, name, namespace));
    return r.stdout.trim() === '' ? undefined : (JSON.parse(r.stdout) as T);
  }

  applyStdinArgs(): string[] {
    return ['apply', '-f', '-'];
  }

  /** `kubectl apply -f -` of a YAML text, retried like apply() while the API server is briefly away. */
  async applyText(text: string, deadline: Deadline): Promise<RunResult> {
    let last: RunResult | undefined;
    return waitFor(
      async () => {
        const r = await this.run(this.applyStdinArgs(), { mutates: true, input: text, allowFailure: true });
        last = r;
        if (r.exitCode === 0) return r;
        if (isTransient(r.stderr)) return undefined;
        throw new CommandError(r);
      },
      deadline,
      { what: 'kubectl apply -f -', signal: this.signal },
    ).catch((e) => {
      if (last && last.exitCode !== 0 && !(e instanceof CommandError)) throw new CommandError(last);
      throw e;
    });
  }

  replaceStdinArgs(): string[] {
    return ['replace', '-f', '-'];
  }

  /** `kubectl replace -f -`: the object's resourceVersion makes it fail (Conflict) if someone changed it meanwhile. */
  async replaceText(text: string): Promise<RunResult> {
    return this.run(this.replaceStdinArgs(), { mutates: true, input: text });
  }

  patchArgs(kind: string, name: string, namespace: string, mergePatch: object): string[] {
    return ['patch', kind, name, '-n', namespace, '--type', 'merge', '-p', JSON.stringify(mergePatch)];
  }

  /** A JSON merge patch (RFC 7386): the one patch type every kubectl from 1.11 on reads the same way. */
  async patch(kind: string, name: string, namespace: string, mergePatch: object): Promise<RunResult> {
    return this.run(this.patchArgs(kind, name, namespace, mergePatch), { mutates: true });
  }

  deleteArgs(kind: string, name: string, namespace?: string): string[] {
    return ['delete', kind, name, ...(namespace ? ['-n', namespace] : []), '--ignore-not-found'];
  }

  async deleteObject(kind: string, name: string, namespace?: string): Promise<RunResult> {
    return this.run(this.deleteArgs(kind, name, namespace), { mutates: true });
  }

  /** `kubectl label --overwrite KIND NAME k=v k-`: `null` removes a label. */
  labelArgs(kind: string, name: string, labels: Record<string, string | null>): string[] {
    const changes = Object.entries(labels).map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`));
    return ['label', '--overwrite', kind, name, ...changes];
  }

  async label(kind: string, name: string, labels: Record<string, string | null>): Promise<RunResult> {
    return this.run(this.labelArgs(kind, name, labels), { mutates: true });
  }

  probeCreateArgs(namespace: string): string[] | undefined {
    const dry = serverDryRunArgs(this.minor);
    if (!dry) return undefined;
    return ['create', ...dry, '-f', '-', '-n', namespace, '-o', 'name'];
  }

  /** A server-side dry-run create as the kubeconfig's own user: admission runs, nothing is stored. */
  async probeCreate(manifest: string, namespace: string): Promise<RunResult | undefined> {
    const args = this.probeCreateArgs(namespace);
    if (!args) return undefined;
    return this.run(args, { input: manifest, allowFailure: true });
  }

  readyzArgs(): string[] {
    return ['get', '--raw', '/readyz'];
  }

  /** The API server answers its readiness endpoint with `ok`. */
  async readyz(): Promise<boolean> {
    const r = await this.run(this.readyzArgs(), { allowFailure: true });
    return r.exitCode === 0 && r.stdout.trim() === 'ok';
  }
}
