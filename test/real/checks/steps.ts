/**
 * kubestrap's own steps against the real API server: the apply code of pod-security, cni,
 * ingress and tenants (the release's kubectl, the release's server-side validation), each
 * step's check before (pending) and after (done). The steps' post-conditions that wait for a
 * kubelet (mirror pods admitted, the DaemonSet rolled out) are the business of the admission
 * tests, which create those pods themselves.
 */
import type { ExecutionContext } from 'ava';
import { createContext, type Context } from '../../../src/session/context.js';
import { loadClusterConfig } from '../../../src/session/config.js';
import { NO_LOG } from '../../../src/exec/runner.js';
import { ExecaRunner } from '../../../src/exec/runner.js';
import { hostPaths } from '../../../src/host/paths.js';
import { render } from '../../../src/render/index.js';
import { UP_STEPS } from '../../../src/steps/index.js';
import type { RealCluster } from '../lib/cluster.js';

export const APPLIED_STEPS = ['pod-security', 'cni', 'ingress', 'tenants'];

export function stepContext(cluster: RealCluster, io: { out(l: string): void; err(l: string): void }): Context {
  const config = loadClusterConfig(cluster.configFile);
  return createContext({
    config,
    rendered: render(config),
    runner: new ExecaRunner(NO_LOG, cluster.env()),
    log: NO_LOG,
    io,
    paths: hostPaths(cluster.root),
    dryRun: false,
    yes: true,
    interactive: false,
    signal: new AbortController().signal,
    user: { name: 'root', uid: 0, gid: 0, home: '/root' },
  });
}

export async function applySteps(t: ExecutionContext, cluster: RealCluster): Promise<void> {
  const lines: string[] = [];
  const ctx = stepContext(cluster, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  for (const id of APPLIED_STEPS) {
    const step = UP_STEPS.find((s) => s.id === id)!;
    t.true(step.enabled?.(ctx) ?? true, `${id} is enabled by the config`);
    t.is(await step.check(ctx), 'pending', `${id}: pending before apply`);
    await step.apply(ctx);
    t.is(await step.check(ctx), 'done', `${id}: done after apply (every object exists)`);
  }
}
