/**
 * Single-node labs: remove the control-plane taint (and the older `master`
 * one) so workloads can run. Only taints a node actually has are removed:
 * kubectl fails on a taint that is absent, which breaks naive re-runs.
 */
import os from 'node:os';
import type { Context } from '../session/context.js';
import { controlPlaneTaints } from '../versions.js';
import type { Step } from '../workflow/step.js';

interface NodeJson {
  metadata: { name: string };
  spec?: { taints?: { key: string; effect: string }[] };
}

/** The node name kubeadm registers: the configured one, else the hostname in lower case. */
export function expectedNodeName(ctx: Context): string {
  return ctx.config.controlPlane.nodeName || os.hostname().toLowerCase();
}

async function taintedNodes(ctx: Context): Promise<{ node: string; keys: string[] }[] | undefined> {
  const nodes = await ctx.kubectl.tryGetJson<NodeJson>('nodes');
  if (!nodes) return undefined;
  const keys = controlPlaneTaints(ctx.config.version.minor);
  return nodes.items
    .map((n) => ({ node: n.metadata.name, keys: keys.filter((k) => (n.spec?.taints ?? []).some((t) => t.key === k)) }))
    .filter((n) => n.keys.length > 0);
}

export const controlPlaneTaint: Step = {
  id: 'control-plane-taint',
  title: 'Allow workloads on the control plane',
  enabled: (ctx) => ctx.config.controlPlane.allowWorkloads,
  plan: (ctx) => [
    [
      'kubectl',
      ...ctx.kubectl.argv(
        ctx.kubectl.taintRemoveArgs(expectedNodeName(ctx), controlPlaneTaints(ctx.config.version.minor)),
      ),
    ],
  ],
  async check(ctx) {
    const tainted = await taintedNodes(ctx);
    return tainted !== undefined && tainted.length === 0 ? 'done' : 'pending';
  },
  async apply(ctx) {
    for (const t of (await taintedNodes(ctx)) ?? []) await ctx.kubectl.removeTaints(t.node, t.keys);
  },
};
