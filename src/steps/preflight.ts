/**
 * Preflight: everything kubeadm init and a pod network need from the host,
 * checked before anything changes, each miss with a clear fix. Fixes are
 * offered (asked on a terminal, applied with --yes), never applied silently.
 */
import type { Context } from '../session/context.js';
import { confirm } from '../io.js';
import { SKEW, criSocketUri, hasKubeadmConfigValidate } from '../versions.js';
import {
  blocking,
  describeMisses,
  generationFindings,
  kernelFindings,
  runtimeFindings,
  swapFinding,
  toolFindings,
  type Finding,
} from '../host/findings.js';
import { StepFailed, type Step } from '../workflow/step.js';
import { readSwap } from '../host/swap.js';
import { kubeadmConfigPath, refuseLinks } from './files.js';
import { isKubeadmNode } from '../host/kubeadm-node.js';
import { installPlanFor } from './install.js';

/** Findings about what the install step installs or configures. */
const INSTALL_BRINGS = new Set([
  'kubeadm',
  'kubelet',
  'kubectl',
  'host-tools',
  'host-tools-recommended',
  'container-runtime',
  'cgroup-driver',
  'containerd-version',
  'kubelet-service',
]);

/** Ports of the control plane (kubeadm's preflight checks the same). */
export const CONTROL_PLANE_PORTS = [6443, 10250, 10257, 10259, 2379, 2380];

/** Minor of a `v1.24.17`-like version anywhere in text. */
function minorIn(text: string): number | undefined {
  const m = /v?1\.(\d+)\.\d+/.exec(text);
  return m ? Number(m[1]) : undefined;
}

async function toolMinor(
  ctx: Context,
  tool: string,
  args: string[],
  pick: (out: string) => string,
): Promise<{ found: boolean; minor?: number; raw: string }> {
  const r = await ctx.runner.run(tool, args, { allowFailure: true });
  if (r.exitCode === 127 || (/ENOENT|not found/i.test(r.stderr) && r.exitCode !== 0)) return { found: false, raw: '' };
  const text = r.exitCode === 0 ? pick(r.stdout) : '';
  return { found: true, minor: minorIn(text), raw: text.trim() };
}

export async function preflightFindings(ctx: Context): Promise<Finding[]> {
  const cfg = ctx.config;
  const target = cfg.version.minor;
  const out: Finding[] = [];

  const uid = ctx.host.uid;
  out.push({
    name: 'root',
    ok: uid === 0,
    message: uid === 0 ? 'running as root' : 'kubestrap up changes the host: run it with sudo',
  });

  out.push(swapFinding(await readSwap(ctx.runner, ctx.host), ctx.paths));

  out.push(...(await kernelFindings(ctx.runner, ctx.paths)));

  const kubeadm = await toolMinor(ctx, 'kubeadm', ['version', '-o', 'short'], (s) => s);
  out.push(
    skewFinding(
      'kubeadm',
      kubeadm,
      target,
      (m) => m >= target && m <= target + SKEW.kubeadmMayBeNewerBy,
      `kubeadm v1.${target} (or v1.${target + 1})`,
    ),
  );
  const kubelet = await toolMinor(ctx, 'kubelet', ['--version'], (s) => s);
  const older = SKEW.kubeletOlder(target);
  out.push(skewFinding('kubelet', kubelet, target, (m) => m <= target && m >= target - older, `kubelet v1.${target}`));
  const kubectl = await toolMinor(ctx, 'kubectl', ['version', '--client', '-o', 'json'], (s) => {
    try {
      return (JSON.parse(s) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '';
    } catch {
      return '';
    }
  });
  out.push(
    skewFinding('kubectl', kubectl, target, (m) => Math.abs(m - target) <= SKEW.kubectl, `kubectl v1.${target}`),
  );

  out.push(...(await toolFindings(ctx.runner, target)));
  out.push(...(await runtimeFindings(ctx.runner, ctx.host, criSocketUri(target))));
  out.push(...(await generationFindings(ctx.runner, ctx.host, target)));

  const enabled = await ctx.runner.run('systemctl', ['is-enabled', 'kubelet'], { allowFailure: true });
  const kubeletEnabled = enabled.stdout.trim() === 'enabled';
  // No unit at all: the kubelet package is not installed (the kubelet finding says so); nothing to enable.
  const noUnit = !kubeletEnabled && /No such file or directory|not found/i.test(enabled.stderr);
  out.push({
    name: 'kubelet-service',
    ok: kubeletEnabled,
    message: kubeletEnabled
      ? 'the kubelet service is enabled'
      : noUnit
        ? 'there is no kubelet service: the kubelet package is not installed'
        : 'the kubelet service is not enabled: it would not come back after a reboot',
    ...(noUnit ? {} : { fix: [{ argv: ['systemctl', 'enable', 'kubelet'] }] }),
  });

  const ss = await ctx.runner.run('ss', ['-Htln'], { allowFailure: true });
  const earlierCluster = await isKubeadmNode(ctx.host);
  const busy = CONTROL_PLANE_PORTS.filter((p) => new RegExp(`[:.]${p}\\s`).test(`${ss.stdout}\n`));
  out.push({
    name: 'ports',
    ok: busy.length === 0,
    message:
      busy.length === 0
        ? 'control-plane ports are free'
        : `port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} in use: ${
            // Only a host that has (had) a cluster is reset's to clean: on a bare one, reset would only flush the firewall.
            earlierCluster
              ? 'an earlier cluster may still run (sudo kubestrap reset)'
              : `another program listens there (\`ss -ltnp 'sport = :${busy[0]}'\` shows which); stop it or use another host`
          }`,
  });

  const leftovers = ((await ctx.host.list(ctx.paths.manifestsDir)) ?? []).length > 0;
  out.push({
    name: 'leftovers',
    ok: !leftovers,
    message: leftovers
      ? `${ctx.paths.manifestsDir} is not empty: an earlier cluster's files remain (sudo kubestrap reset)`
      : 'no earlier cluster on this host',
  });

  if (kubeadm.found && kubeadm.minor !== undefined && hasKubeadmConfigValidate(kubeadm.minor) && !ctx.dryRun) {
    const v = await ctx.runner.run('kubeadm', ['config', 'validate', '--config', kubeadmConfigPath(ctx)], {
      allowFailure: true,
    });
    out.push({
      name: 'kubeadm-config',
      ok: v.exitCode === 0,
      message:
        v.exitCode === 0
          ? 'kubeadm accepts the rendered config'
          : `kubeadm rejects the rendered config: ${v.stderr.trim().split('\n')[0]}`,
    });
  }
  return out;
}

function skewFinding(
  tool: string,
  found: { found: boolean; minor?: number; raw: string },
  target: number,
  fits: (minor: number) => boolean,
  want: string,
): Finding {
  if (!found.found)
    return {
      name: tool,
      ok: false,
      message: `${tool} is not installed: install ${want} from pkgs.k8s.io (the v1.${target} repository)`,
    };
  if (found.minor === undefined)
    return { name: tool, ok: false, message: `could not read ${tool}'s version (${found.raw || 'no output'})` };
  const ok = fits(found.minor);
  return {
    name: tool,
    ok,
    message: ok
      ? `${tool} ${found.raw.replace(/^Kubernetes /, '')}`
      : `${tool} ${found.raw.replace(/^Kubernetes /, '')} is outside the supported skew for Kubernetes v1.${target}: install ${want}`,
  };
}

/**
 * What a dry run says about the host: the misses kubestrap would fix (asked first, or
 * with --yes) with their commands, and the ones a real run would stop at until someone
 * installs or fixes them. Undefined when the host is ready.
 */
export function describeDryRunFindings(findings: Finding[]): string | undefined {
  const fixable = findings.filter((f) => !f.ok && !f.warning && f.fix);
  const stops = findings.filter((f) => !f.ok && !f.warning && !f.fix);
  if (fixable.length === 0 && stops.length === 0) return undefined;
  const out = ['the host is not ready for kubeadm yet:'];
  if (fixable.length > 0) {
    out.push('  kubestrap would fix (after asking, or with --yes):');
    for (const f of fixable) {
      out.push(`    ✗ ${f.name}: ${f.message}`);
      out.push(`        would fix: ${f.fix!.map((x) => x.argv.join(' ')).join(' && ')}`);
    }
  }
  if (stops.length > 0) {
    out.push('  a real run stops here until these are installed or fixed:');
    for (const f of stops) out.push(`    ✗ ${f.name}: ${f.message}`);
  }
  return out.join('\n');
}

/**
 * Offers the fixes of what is wrong (asked on a terminal, applied with --yes, never in a
 * dry run), runs them through the runner, and returns the findings read again afterwards.
 */
export async function offerFixes(
  ctx: Pick<Context, 'io' | 'yes' | 'interactive' | 'dryRun' | 'runner' | 'signal' | 'host'>,
  findings: Finding[],
  again: () => Promise<Finding[]>,
): Promise<Finding[]> {
  const fixable = findings.filter((f) => !f.ok && f.fix);
  if (fixable.length === 0 || ctx.dryRun) return findings;
  ctx.io.err(`Preflight found what kubestrap can fix:\n${describeMisses(fixable)}`);
  const go = ctx.yes || (ctx.interactive && (await confirm(ctx.io, 'Apply these fixes now?')));
  if (!go) return findings;
  // tee writes through a link; the files it persists settings in must be real files.
  await refuseLinks(
    ctx.host,
    ...fixable.flatMap((f) => f.fix!.filter((c) => c.argv[0] === 'tee').map((c) => c.argv[c.argv.length - 1])),
  );
  for (const f of fixable)
    for (const c of f.fix!)
      await ctx.runner.run(c.argv[0], c.argv.slice(1), { mutates: true, input: c.input, signal: ctx.signal });
  return again();
}

export const preflight: Step = {
  id: 'preflight',
  title: 'Check the host',
  hostOnly: true,
  plan: () => [],
  async check(ctx) {
    // Once the control plane runs, its own ports are in use: preflight is for fresh hosts.
    return (await ctx.host.exists(ctx.paths.adminConf)) ? 'done' : 'pending';
  },
  async preview(ctx) {
    let findings = await preflightFindings(ctx);
    if (ctx.config.host.install && (await installPlanFor(ctx)).actions.length > 0) {
      // Nothing was installed in this dry run: what the install step brings cannot be checked yet.
      findings = findings.map((f) =>
        !f.ok && INSTALL_BRINGS.has(f.name)
          ? { ...f, warning: true, fix: undefined, message: `${f.message} (the install step would bring it first)` }
          : f,
      );
    }
    const commands = findings.filter((f) => !f.ok && f.fix).flatMap((f) => f.fix!.map((c) => c.argv));
    return { commands, findings: describeDryRunFindings(findings) };
  },
  async apply(ctx) {
    const findings = await offerFixes(ctx, await preflightFindings(ctx), () => preflightFindings(ctx));
    const warnings = findings.filter((f) => !f.ok && f.warning);
    if (warnings.length) ctx.io.err(`Preflight warnings:\n${describeMisses(warnings)}`);
    const misses = blocking(findings);
    if (misses.length > 0) {
      const canFix = misses.some((f) => f.fix);
      throw new StepFailed(
        `the host is not ready for kubeadm:\n${describeMisses(misses)}`,
        canFix
          ? 'run `sudo kubestrap up --yes` to apply the fixes shown, or apply them yourself'
          : 'fix the items above, then run `sudo kubestrap up` again',
      );
    }
  },
};
