/**
 * The steps of a host that joins the cluster `up -i` builds: a worker's preflight (the
 * subset of the control plane's that a node without API server needs) and `kubeadm
 * join`, as a worker or as another control plane. The join token and the certificate
 * key reach the host only inside the join config, written over stdin (0600, root's)
 * and removed once kubeadm read it: never in a command line.
 */
import path from 'node:path';
import type { Context } from '../session/context.js';
import { CommandError } from '../exec/runner.js';
import { renderJoinConfig } from '../join/join-config.js';
import type { JoinLine } from '../join/join-line.js';
import { workerPreflight } from '../join/worker-preflight.js';
import { hostFiles, installArgs, refuseLinks, renderedPath } from '../steps/files.js';
import { blocking, describeMisses } from '../host/findings.js';
import { offerFixes } from '../steps/preflight.js';
import { StepFailed, type Step } from '../workflow/step.js';
import { secondsLeft } from '../exec/wait.js';

export interface JoinCredentials {
  line: JoinLine;
  /** Set when control planes join: the key of the uploaded certificates. */
  certificateKey?: string;
}

/** What one host joins as, and how it gets the cluster's credentials when it does. */
export interface JoinPlan {
  role: 'control-plane' | 'worker';
  nodeName: string;
  /** The address the kubelet registers (and a control plane's API server advertises). */
  nodeIp?: string;
  credentials(): Promise<JoinCredentials>;
}

const kubeletConf = (ctx: Context) => ctx.paths.at('/etc/kubernetes/kubelet.conf');
const joinConfigFile = (ctx: Context) => path.posix.join(ctx.paths.stateDir, 'join-config.yaml');

/** A host that joined has the kubelet's kubeconfig: it is a node of a cluster already. */
async function joined(ctx: Context): Promise<'done' | 'pending'> {
  return (await ctx.host.exists(kubeletConf(ctx))) ? 'done' : 'pending';
}

export const joinPreflight: Step = {
  id: 'join-preflight',
  title: 'Check the host before it joins',
  hostOnly: true,
  plan: () => [],
  check: joined,
  async apply(ctx) {
    const again = async () => (await workerPreflight(ctx.runner, ctx.host)).findings;
    // The same fixes `up` and `join` offer (swap, br_netfilter, forwarding), with --yes.
    const findings = await offerFixes(ctx, await again(), again);
    const warnings = findings.filter((f) => !f.ok && f.warning);
    if (warnings.length) ctx.io.err(`Preflight warnings:\n${describeMisses(warnings)}`);
    const misses = blocking(findings);
    if (misses.length)
      throw new StepFailed(
        `the host is not ready to join:\n${describeMisses(misses)}`,
        misses.some((f) => f.fix)
          ? 'run `kubestrap up -i --yes` to apply the fixes shown, or apply them on that host yourself'
          : 'fix the items above on that host, then run `kubestrap up -i` again',
      );
  },
};

function joinCommands(ctx: Context, plan: JoinPlan): string[][] {
  // A control plane's API server reads the PodSecurity admission config from its own disk.
  const installs =
    plan.role === 'control-plane'
      ? hostFiles(ctx).map((a) => installArgs(renderedPath(ctx, a.path), ctx.paths.at(a.hostPath!)))
      : [];
  return [...installs, ['kubeadm', 'join', '--config', joinConfigFile(ctx)]];
}

export function kubeadmJoin(plan: JoinPlan): Step {
  return {
    id: 'kubeadm-join',
    title: plan.role === 'control-plane' ? 'Join as another control plane' : 'Join as a worker',
    plan: (ctx) => joinCommands(ctx, plan),
    check: joined,
    async apply(ctx) {
      const minor = await kubeadmMinor(ctx);
      const creds = await plan.credentials();
      if (plan.role === 'control-plane' && !creds.certificateKey)
        throw new Error('bug: a control plane joins without the certificate key');
      const text = renderJoinConfig(minor, {
        line: creds.line,
        nodeName: plan.nodeName,
        nodeIp: plan.nodeIp,
        ...(plan.role === 'control-plane'
          ? { controlPlane: { certificateKey: creds.certificateKey!, advertiseAddress: plan.nodeIp } }
          : {}),
      });
      const all = joinCommands(ctx, plan);
      for (const a of hostFiles(ctx)) {
        if (plan.role !== 'control-plane') break;
        const dst = ctx.paths.at(a.hostPath!);
        await refuseLinks(ctx.host, path.dirname(dst), dst);
      }
      for (const argv of all.slice(0, -1))
        await ctx.runner.run(argv[0], argv.slice(1), { mutates: true, signal: ctx.signal });
      const file = joinConfigFile(ctx);
      await ctx.host.write(file, text, { mode: 0o600, dirMode: 0o700 });
      const [cmd, ...args] = all[all.length - 1];
      try {
        await ctx.runner.run(cmd, args, { mutates: true, signal: ctx.signal });
      } catch (e) {
        if (e instanceof CommandError)
          throw new StepFailed(
            `kubeadm join failed:\n${(e.result.stderr || e.result.stdout).trimEnd().split('\n').slice(-15).join('\n')}`,
            'fix the cause above; `kubestrap reset -i` tears the hosts down if the cluster must start over, else run `kubestrap up -i` again',
          );
        throw e;
      } finally {
        await ctx.runner.run('rm', ['-f', '--', file], { mutates: true, allowFailure: true }).catch(() => {});
      }
    },
    async verify(ctx) {
      if (ctx.dryRun) return;
      // The node is Ready once the CNI runs on it; waited for here so a host that joined
      // but never comes up is reported as this host's failure, with its step.
      const r = await ctx.runner.run(
        'kubectl',
        [
          '--kubeconfig',
          kubeletConf(ctx),
          'wait',
          '--for=condition=Ready',
          `node/${plan.nodeName}`,
          `--timeout=${secondsLeft(ctx.deadline())}s`,
        ],
        { allowFailure: true, signal: ctx.signal },
      );
      if (r.exitCode !== 0)
        throw new StepFailed(
          `node ${plan.nodeName} joined but did not turn Ready: ${r.stderr.trim()}`,
          'look at the kubelet and the CNI pod on that host',
        );
    },
  };
}

async function kubeadmMinor(ctx: Context): Promise<number> {
  const r = await ctx.runner.run('kubeadm', ['version', '-o', 'short'], { allowFailure: true, signal: ctx.signal });
  const m = /v?1\.(\d+)\.\d+/.exec(r.stdout);
  if (r.exitCode !== 0 || !m) throw new StepFailed(`cannot read kubeadm's version on this host: ${r.stderr.trim()}`);
  return Number(m[1]);
}
