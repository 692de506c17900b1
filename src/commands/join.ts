/**
 * `kubestrap join-command` (on a control plane: a fresh, short-lived worker
 * join command; the token is printed for you, never logged) and
 * `kubestrap join` (on a worker: preflight, kubeadm join, then wait for the
 * node to turn Ready).
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import type { Io } from '../io.js';
import { UserError, CheckFailed } from '../errors.js';
import { CommandError } from '../exec/runner.js';
import { hostPaths } from '../host/paths.js';
import { checkWritablePath, readTextFile, removeQuietly, writeFileAtomic, writeTempFile } from '../host/files.js';
import { joinNodeName, parseJoinLine, validTtl } from '../join/join-line.js';
import { renderJoinConfig } from '../join/join-config.js';
import { workerPreflight } from '../join/worker-preflight.js';
import { acquireLock } from '../host/lock.js';
import { blocking, describeMisses } from '../host/findings.js';
import { offerFixes } from '../steps/preflight.js';
import { install } from '../steps/install.js';
import { DEFAULT_CONFIG_FILE, type ClusterConfig } from '../config/load.js';
import { loadClusterConfig } from '../session/config.js';
import { createContext, type Context } from '../session/context.js';
import { invokingUser, openHost } from '../session/open.js';
import { StepFailed } from '../workflow/step.js';

export async function joinCommandCommand(
  opts: { ttl?: string; output?: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  const ttl = opts.ttl ?? '1h';
  if (!validTtl(ttl)) throw new UserError(`"${ttl}" is not a duration such as 30m or 1h`, undefined, '--ttl');
  const toFile = opts.output !== undefined && opts.output !== '-';
  // Before a token exists: a path kubestrap will not write to must not leave a live token behind.
  if (toFile) checkWritablePath(opts.output!);
  const paths = hostPaths();
  if (!existsSync(paths.adminConf))
    throw new UserError(`${paths.adminConf} not found: run join-command on the control plane, after \`kubestrap up\``);
  const { runner } = openHost({ log: true }, io);
  const r = await runner
    .run('kubeadm', ['token', 'create', '--print-join-command', '--ttl', ttl, '--kubeconfig', paths.adminConf], {
      mutates: true,
      signal,
    })
    .catch((e) => {
      if (e instanceof CommandError) throw new CheckFailed(`could not create a join token:\n${e.result.stderr.trim()}`);
      throw e;
    });
  const line = r.stdout.trim();
  parseJoinLine(line, 'kubeadm token create'); // refuse to hand out something a worker would refuse
  if (toFile) {
    writeFileAtomic(opts.output!, `${line}\n`, { mode: 0o600 });
    io.err(`Wrote the join command to ${opts.output} (mode 0600; its token expires in ${ttl}).`);
  } else {
    io.out(line);
  }
  return 0;
}

/** A join command is one line of about 200 bytes. */
const MAX_JOIN_FILE_BYTES = 64 * 1024;

export interface JoinOptions {
  joinFile: string;
  /** The cluster config (the control plane's): its version is what the install step installs. */
  config?: string;
  nodeName?: string;
  /** The address the kubelet registers (not the NAT NIC's on a Vagrant VM). */
  nodeIp?: string;
  yes?: boolean;
  waitSeconds?: string;
}

export async function joinCommand(opts: JoinOptions, io: Io, signal: AbortSignal): Promise<number> {
  if (!opts.joinFile)
    throw new UserError(
      '--join-file is required (write one with `kubestrap join-command -o FILE` on the control plane)',
    );
  const line = parseJoinLine(
    readTextFile(opts.joinFile, { maxBytes: MAX_JOIN_FILE_BYTES, what: 'a join command' }),
    opts.joinFile,
  );
  const waitSeconds = Number(opts.waitSeconds ?? 600);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1)
    throw new UserError('must be a whole number of seconds', undefined, '--wait-seconds');
  const nodeName = joinNodeName(opts.nodeName, os.hostname());
  if (opts.nodeIp !== undefined && !isIP(opts.nodeIp))
    throw new UserError(`"${opts.nodeIp}" is not an IP address`, undefined, '--node-ip');
  const cluster = joinConfig(opts.config);
  const { paths, log, runner } = openHost({ log: true }, io);
  const kubeletConf = paths.at('/etc/kubernetes/kubelet.conf');
  const release = acquireLock(paths.stateDir);
  try {
    if (existsSync(kubeletConf)) {
      io.err(
        `This node already joined a cluster (${kubeletConf} exists); nothing to do. \`sudo kubestrap reset\` first to join again.`,
      );
    } else {
      const ctx = createContext({
        config: cluster ?? loadClusterConfig(),
        rendered: { artifacts: [], warnings: [] },
        runner,
        log,
        io,
        paths,
        dryRun: false,
        yes: Boolean(opts.yes),
        interactive: Boolean(io.tty),
        signal,
        user: await invokingUser(runner),
      });
      if (!cluster)
        io.err(
          "No cluster config (-c, or ./cluster.yaml): nothing is installed; preflight checks what is here. Give the control plane's cluster.yaml to install its version.",
        );
      else if (cluster.host.install) await installNode(ctx);
      const checked = await workerPreflight(runner, ctx.host);
      const findings = await offerFixes(
        ctx,
        checked.findings,
        async () => (await workerPreflight(runner, ctx.host)).findings,
      );
      const kubeadmMinor = checked.kubeadmMinor;
      const warnings = findings.filter((f) => !f.ok && f.warning);
      if (warnings.length) io.err(`Preflight warnings:\n${describeMisses(warnings)}`);
      const misses = blocking(findings);
      if (misses.length)
        throw new CheckFailed(
          `the host is not ready to join:\n${describeMisses(misses)}${misses.some((f) => f.fix) ? '\n  → run `sudo kubestrap join --yes ...` to apply the fixes shown, or apply them yourself' : ''}`,
        );
      io.err(`Joining ${line.endpoint} as ${nodeName}${opts.nodeIp ? ` (${opts.nodeIp})` : ''} ...`);
      // The token lives in this file only while kubeadm reads it: root's, 0600, removed after.
      // A fresh file created exclusively in the lock's directory: never through a link.
      const config = writeTempFile(
        paths.stateDir,
        'join-config.yaml',
        renderJoinConfig(kubeadmMinor!, { line, nodeName, nodeIp: opts.nodeIp }),
        { mode: 0o600 },
      );
      try {
        await runner.run('kubeadm', ['join', '--config', config], { mutates: true, signal });
      } catch (e) {
        if (e instanceof CommandError) {
          throw new CheckFailed(
            `kubeadm join failed:\n${e.result.stderr.trim()}\n  → an expired token is the usual cause: run \`kubestrap join-command\` on the control plane again; then \`sudo kubestrap reset --yes\` here and retry`,
          );
        }
        throw e;
      } finally {
        removeQuietly(config);
      }
    }
    const ready = await runner.run(
      'kubectl',
      ['--kubeconfig', kubeletConf, 'wait', '--for=condition=Ready', `node/${nodeName}`, `--timeout=${waitSeconds}s`],
      { allowFailure: true, signal },
    );
    if (ready.exitCode !== 0) throw new CheckFailed(`node ${nodeName} did not turn Ready: ${ready.stderr.trim()}`);
    io.err(`Node ${nodeName} is Ready.`);
    return 0;
  } finally {
    release();
  }
}

/** `-c FILE`, or ./cluster.yaml when there is one; undefined when there is neither. */
function joinConfig(file: string | undefined): ClusterConfig | undefined {
  if (file !== undefined) return loadClusterConfig(file);
  return existsSync(DEFAULT_CONFIG_FILE) ? loadClusterConfig() : undefined;
}

/** The install step, as in `up`: what the node lacks for the cluster's version, offered and installed. */
async function installNode(ctx: Context): Promise<void> {
  if ((await install.check(ctx)) === 'done') return;
  try {
    await install.apply(ctx);
    await install.verify?.(ctx);
  } catch (e) {
    if (e instanceof StepFailed)
      throw new CheckFailed(`${e.message}${e.hint ? `\n  → ${e.hint.replace('kubestrap up', 'kubestrap join')}` : ''}`);
    throw e;
  }
}
