/**
 * `kubestrap up -i INVENTORY`: the whole cluster from this machine, over SSH.
 *
 *   1. every host, in parallel (bounded): log in, then install and preflight
 *   2. the first control plane: `up` from kubeadm init on, pod security before the CNI
 *   3. the other control planes, one at a time (etcd grows one member at a time):
 *      kubeadm join --control-plane with the key of the certificates the first uploaded
 *   4. the workers, in parallel: kubeadm join
 *   5. verify on the first control plane, and every host is a node
 *
 * Each host keeps its own state file, so a re-run continues each host where it stopped.
 * A host that fails is reported with its step and output; the others go on as far as
 * they can without it (a worker's failure stops nobody; the first control plane's stops
 * everything after step 1).
 */
import type { ClusterConfig } from '../config/load.js';
import { loadClusterConfig } from '../session/config.js';
import { type Inventory, type InventoryHost, loadInventory } from '../config/inventory.js';
import type { Context } from '../session/context.js';
import { HostError, UserError } from '../errors.js';
import { openLog } from '../host/log.js';
import type { Log } from '../exec/runner.js';
import { CommandError, Interrupted } from '../exec/runner.js';
import { SshConnections, SshError } from '../exec/ssh.js';
import { hostPaths } from '../host/paths.js';
import type { Io } from '../io.js';
import { parseJoinLine } from '../join/join-line.js';
import { kubeadmConfigPath } from '../steps/files.js';
import { runSteps, type StepOutcome } from '../workflow/engine.js';
import { PlainReporter } from '../workflow/progress.js';
import type { Step } from '../workflow/step.js';
import {
  checkClusterFits,
  hostContext,
  initSteps,
  joinSteps,
  prepSteps,
  roleOf,
  VERIFY_STEP,
  writeRenderTo,
} from './cluster.js';
import { checkSshOptions, connectHost, type ConnectedHost } from './hosts.js';
import type { JoinCredentials } from './join-steps.js';
import { eachLimited, HOST_PARALLELISM } from './pool.js';

export interface InventoryUpOptions {
  config?: string;
  inventory: string;
  yes?: boolean;
  /** `json`: one document on stdout at the end (progress stays on stderr). */
  output?: string;
}

/** Where a host stopped: the step (or `connect`) and what went wrong. */
export interface HostFailure {
  step: string;
  message: string;
  hint?: string;
}

export interface HostRun {
  spec: InventoryHost;
  conn?: ConnectedHost;
  ctx?: Context;
  failure?: HostFailure;
  /** Every step this host ran, in order, over all phases. */
  outcomes: StepOutcome[];
}

/** A reporter that remembers the last step it saw start: where a lost connection stopped the host. */
class TrackingReporter extends PlainReporter {
  current = 'connect';
  failure?: HostFailure;
  override start(step: Step) {
    this.current = step.id;
    super.start(step);
  }
  override fail(step: Step, message: string, hint?: string) {
    this.failure = { step: step.id, message, hint };
    super.fail(step, message, hint);
  }
}

export interface InventorySession {
  config: ClusterConfig;
  inventory: Inventory;
  log: Log;
  connections: SshConnections;
  runs: HostRun[];
}

/** Reads config and inventory (all input errors before any host is touched) and logs in to every host. */
export async function openInventory(
  opts: { config?: string; inventory: string; yes?: boolean },
  io: Io,
  signal: AbortSignal,
  keepLog: boolean,
): Promise<InventorySession> {
  const config = loadClusterConfig(opts.config);
  const inventory = loadInventory(opts.inventory);
  checkClusterFits(config, inventory);
  await checkSshOptions(inventory);
  const local = hostPaths();
  const log = keepLog ? openLog(local.logFile, io) : (await import('../exec/runner.js')).NO_LOG;
  const connections = new SshConnections();
  const runs: HostRun[] = inventory.hosts.map((spec) => ({ spec, outcomes: [] }));
  try {
    await eachLimited(runs, HOST_PARALLELISM, async (run) => {
      try {
        run.conn = await connectHost(run.spec, connections, log, signal);
        run.ctx = hostContext({
          config,
          host: run.spec,
          runner: run.conn.runner,
          paths: run.conn.paths,
          user: run.conn.user,
          log,
          io,
          dryRun: false,
          yes: Boolean(opts.yes),
          signal,
        });
      } catch (e) {
        if (e instanceof Interrupted) throw e;
        run.failure = failureOf(e, 'connect');
        io.err(
          `[${run.spec.name}] connect: FAILED\n  ${run.failure.message}${run.failure.hint ? `\n  → ${run.failure.hint}` : ''}`,
        );
      }
    });
  } catch (e) {
    // Interrupted (or a bug): no shared connection outlives the run.
    await connections.close();
    throw e;
  }
  return { config, inventory, log, connections, runs };
}

export function failureOf(e: unknown, step: string): HostFailure {
  if (e instanceof SshError) return { step, message: e.message, hint: e.hint };
  if (e instanceof HostError) return { step, message: e.message };
  if (e instanceof UserError) return { step, message: e.toString() };
  // What ssh said when it could not even start (a ControlPath it cannot bind, say).
  if (e instanceof CommandError) return { step, message: e.message };
  throw e;
}

/** Runs `steps` on one host; a host already failed runs nothing. Returns whether it got through. */
async function runOn(run: HostRun, steps: Step[], io: Io): Promise<boolean> {
  if (run.failure || !run.ctx) return false;
  const reporter = new TrackingReporter(run.ctx.io);
  try {
    const result = await runSteps(run.ctx, steps, {}, reporter);
    run.outcomes.push(...result.outcomes);
    if (result.interrupted) throw new Interrupted();
    if (!result.ok) {
      const failed = result.outcomes.find((o) => o.status === 'failed');
      run.failure = reporter.failure ?? { step: failed?.name ?? reporter.current, message: failed?.detail ?? 'failed' };
    }
  } catch (e) {
    if (e instanceof Interrupted) throw e;
    // The connection broke (or the host's files could not be read) mid-step: that host stops here.
    run.failure = failureOf(e, reporter.current);
    io.err(
      `[${run.spec.name}] ${reporter.current}: FAILED\n  ${run.failure.message}${run.failure.hint ? `\n  → ${run.failure.hint}` : ''}`,
    );
  }
  return !run.failure;
}

export async function upInventory(opts: InventoryUpOptions, io: Io, signal: AbortSignal): Promise<number> {
  const session = await openInventory(opts, io, signal, true);
  try {
    const code = await build(session, io);
    if (opts.output === 'json') io.out(JSON.stringify(jsonReport(session.runs)));
    return code;
  } finally {
    await session.connections.close();
  }
}

async function build(session: InventorySession, io: Io): Promise<number> {
  const { inventory, runs } = session;
  const first = runs.find((r) => r.spec === inventory.controlPlanes[0])!;
  const joiningControlPlanes = runs.filter((r) => r.spec.role === 'control-plane' && r !== first);
  const workers = runs.filter((r) => r.spec.role === 'worker');

  // 1. Every control plane gets its rendered files (preflight validates the kubeadm config
  //    there); then every host prepares, in parallel.
  await eachLimited(runs, HOST_PARALLELISM, async (run) => {
    if (run.spec.role === 'control-plane' && run.ctx && !run.failure) {
      try {
        await writeRenderTo(run.ctx);
      } catch (e) {
        if (e instanceof Interrupted) throw e;
        run.failure = failureOf(e, 'render');
        return;
      }
    }
    await runOn(run, prepSteps(roleOf(inventory, run.spec)), io);
  });

  // 2. The first control plane: the cluster, its pod security before its network.
  if (await runOn(first, initSteps(), io)) {
    const credentials = memo(() => joinCredentials(first.ctx!, joiningControlPlanes.length > 0));
    // 3. Control planes one at a time; 4. workers together.
    for (const run of joiningControlPlanes) await runOn(run, joinSteps(run.spec, credentials), io);
    await eachLimited(workers, HOST_PARALLELISM, (run) => runOn(run, joinSteps(run.spec, credentials), io));
    // 5. The cluster as a whole, from the first control plane.
    await runOn(first, [VERIFY_STEP], io);
    if (!first.failure) await checkMembers(first, runs);
  }
  for (const run of runs)
    if (run !== first && !run.failure && !run.ctx) run.failure = { step: 'connect', message: 'not reached' };
  return summarize(runs, first, io);
}

function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= fn().catch((e) => {
      p = undefined; // a later host may try again
      throw e;
    });
    return p;
  };
}

/**
 * A fresh join token (and, when control planes join, the certificates uploaded again
 * with a fresh key: they expire after two hours), made on the first control plane only
 * when some host still has to join.
 */
export function joinCredentialCommands(ctx: Context, controlPlanes: boolean): string[][] {
  return [
    ['kubeadm', 'token', 'create', '--print-join-command', '--ttl', '1h', '--kubeconfig', ctx.paths.adminConf],
    ...(controlPlanes
      ? [['kubeadm', 'init', 'phase', 'upload-certs', '--upload-certs', '--config', kubeadmConfigPath(ctx)]]
      : []),
  ];
}

async function joinCredentials(ctx: Context, controlPlanes: boolean): Promise<JoinCredentials> {
  const [token, upload] = joinCredentialCommands(ctx, controlPlanes);
  const r = await ctx.runner.run(token[0], token.slice(1), { mutates: true, signal: ctx.signal });
  const line = parseJoinLine(r.stdout.trim(), `kubeadm token create on ${ctx.host.hostname}`);
  if (!upload) return { line };
  const up = await ctx.runner.run(upload[0], upload.slice(1), { mutates: true, signal: ctx.signal });
  const key = /^([a-f0-9]{64})\s*$/m.exec(up.stdout)?.[1];
  if (!key) throw new HostError(ctx.host.hostname, 'kubeadm init phase upload-certs printed no certificate key');
  return { line, certificateKey: key };
}

/** Every host that got through is a node of the cluster (by its inventory name). */
async function checkMembers(first: HostRun, runs: HostRun[]): Promise<void> {
  const nodes = await first.ctx!.kubectl.tryGetJson('nodes');
  const names = new Set((nodes?.items ?? []).map((n) => n.metadata.name));
  const missing = runs.filter((r) => !r.failure && !names.has(r.spec.name)).map((r) => r.spec.name);
  if (missing.length)
    first.failure = {
      step: 'verify',
      message: `the cluster has no node for ${missing.join(', ')} although ${missing.length > 1 ? 'they' : 'it'} joined`,
    };
}

function summarize(runs: HostRun[], first: HostRun, io: Io): number {
  const failed = runs.filter((r) => r.failure);
  if (failed.length === 0) {
    io.err(`Cluster is up: ${runs.length} host(s), every node Ready and verified.`);
    return 0;
  }
  io.err('Not every host got through:');
  for (const r of failed) {
    io.err(`  ✗ ${r.spec.name} (${r.spec.role}): ${r.failure!.step}: ${r.failure!.message.split('\n')[0]}`);
    if (r.failure!.hint) io.err(`      → ${r.failure!.hint}`);
  }
  const waiting = runs.filter((r) => !r.failure && first.failure && r !== first);
  if (waiting.length && first.failure && first.failure.step !== 'verify')
    io.err(`  (${waiting.map((r) => r.spec.name).join(', ')} waited for the first control plane, ${first.spec.name})`);
  io.err('Run `kubestrap up -i` again once fixed: every host continues where it stopped.');
  return 1;
}

/** `up -i -o json`: each host with its role, its steps' outcomes and where it stopped. */
function jsonReport(runs: HostRun[]) {
  return {
    ok: runs.every((r) => !r.failure),
    hosts: runs.map((r) => ({
      name: r.spec.name,
      role: r.spec.role,
      ok: !r.failure,
      steps: r.outcomes.map(({ name, status, durationMs, detail }) => ({
        name,
        status,
        durationMs,
        ...(detail ? { detail } : {}),
      })),
      ...(r.failure ? { failure: r.failure } : {}),
    })),
  };
}
