/**
 * `kubestrap verify -i`: the checks of `verify`, run on the first control plane that
 * answers, and two more for the whole inventory: every host is reachable, and every host
 * is a node of the cluster.
 */
import type { Io } from '../io.js';
import { runChecks, type Check, type VerifyReport } from '../verify/checks.js';
import { waitForSystemWorkloads } from '../verify/system-workloads.js';
import { openInventory } from './up.js';

export async function verifyInventory(
  opts: { config?: string; inventory: string; wait?: boolean },
  io: Io,
  signal: AbortSignal,
): Promise<VerifyReport> {
  const session = await openInventory(opts, io, signal, false);
  try {
    const checks: Check[] = [];
    for (const r of session.runs)
      checks.push({
        name: `ssh ${r.spec.name}`,
        ok: !r.failure,
        detail: r.failure ? r.failure.message : `${r.spec.address}: logged in`,
      });
    const cp = session.runs.find((r) => r.spec.role === 'control-plane' && r.ctx && !r.failure);
    if (!cp) {
      checks.push({ name: 'api-server', ok: false, detail: 'no control plane of the inventory could be reached' });
      return { ok: false, checks };
    }
    const ctx = cp.ctx!;
    if (!(await ctx.host.exists(ctx.kubeconfig))) {
      checks.push({
        name: 'kubeconfig',
        ok: false,
        detail: `no kubeconfig at ${ctx.kubeconfig} on ${cp.spec.name}: run \`kubestrap up -i\` first`,
      });
      return { ok: false, checks };
    }
    checks.push({ name: 'kubeconfig', ok: true, detail: `${cp.spec.name}:${ctx.kubeconfig}` });
    if (opts.wait) await waitForSystemWorkloads(ctx, ctx.deadline());
    checks.push(...(await runChecks(ctx)).checks);
    const nodes = await ctx.kubectl.tryGetJson('nodes');
    const names = new Set((nodes?.items ?? []).map((n) => n.metadata.name));
    const missing = session.inventory.hosts.filter((h) => !names.has(h.name)).map((h) => h.name);
    checks.push({
      name: 'inventory-nodes',
      ok: nodes !== undefined && missing.length === 0,
      detail: missing.length
        ? `not nodes of the cluster: ${missing.join(', ')}`
        : `every host of ${session.inventory.source} is a node`,
    });
    return { ok: checks.every((c) => c.ok), checks };
  } finally {
    await session.connections.close();
  }
}
