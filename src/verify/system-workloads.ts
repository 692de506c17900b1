/**
 * The Deployments and DaemonSets the cluster itself runs on (CoreDNS, kube-proxy,
 * the CNI): whether each is available, and a wait for them that watches through
 * `kubectl rollout status` instead of polling. CoreDNS is scheduled only once the
 * node is Ready and needs seconds more to pass its readiness probe, so checking
 * the moment the node turns Ready reports a cluster that is still starting.
 */
import type { Context } from '../context.js';
import type { KubeObjectJson } from '../kube/kubectl.js';
import { flannelNamespace } from '../versions.js';
import { secondsLeft, type Deadline } from '../workflow/wait.js';

export interface SystemWorkload {
  kind: 'deployment' | 'daemonset';
  name: string;
  namespace: string;
  /** Every wanted pod is up to date and available. */
  available: boolean;
  /** `2/2 available`, or what is missing. */
  detail: string;
}

/** kube-system, and flannel's namespace when kubestrap installs flannel. */
export function systemNamespaces(ctx: Context): string[] {
  const cfg = ctx.config;
  return [...new Set(['kube-system', ...(cfg.cni.manifest === '' ? [flannelNamespace(cfg.version.minor)] : [])])];
}

export function deploymentState(d: KubeObjectJson): { available: boolean; detail: string } {
  const want = Number(d.spec?.replicas ?? 1);
  const st = d.status ?? {};
  const updated = Number(st.updatedReplicas ?? 0);
  const available = Number(st.availableReplicas ?? 0);
  const observed =
    Number(st.observedGeneration ?? 0) >= Number((d.metadata as { generation?: number }).generation ?? 0);
  const ok = observed && updated >= want && available >= want && Number(st.replicas ?? 0) <= want;
  return { available: ok, detail: `${available}/${want} available` };
}

function daemonSetState(ds: KubeObjectJson): { available: boolean; detail: string } {
  const st = ds.status ?? {};
  const want = Number(st.desiredNumberScheduled ?? 0);
  const updated = Number(st.updatedNumberScheduled ?? 0);
  const available = Number(st.numberAvailable ?? 0);
  const observed =
    Number(st.observedGeneration ?? 0) >= Number((ds.metadata as { generation?: number }).generation ?? 0);
  return { available: observed && updated >= want && available >= want, detail: `${available}/${want} available` };
}

/** The system workloads as they are now; undefined when the API server does not answer. */
export async function systemWorkloads(ctx: Context): Promise<SystemWorkload[] | undefined> {
  const out: SystemWorkload[] = [];
  for (const namespace of systemNamespaces(ctx)) {
    const deployments = await ctx.kubectl.tryGetJson('deployments', namespace);
    const daemonSets = await ctx.kubectl.tryGetJson('daemonsets', namespace);
    if (!deployments || !daemonSets) return undefined;
    for (const d of deployments.items)
      out.push({ kind: 'deployment', name: d.metadata.name, namespace, ...deploymentState(d) });
    for (const ds of daemonSets.items)
      out.push({ kind: 'daemonset', name: ds.metadata.name, namespace, ...daemonSetState(ds) });
  }
  return out;
}

/**
 * Waits, within the deadline, until every system Deployment and DaemonSet has rolled
 * out. Returns the ones that did not, with kubectl's last word on each.
 */
export async function waitForSystemWorkloads(ctx: Context, deadline: Deadline): Promise<SystemWorkload[]> {
  const all = await systemWorkloads(ctx);
  if (!all) return [];
  const late: SystemWorkload[] = [];
  for (const w of all.filter((x) => !x.available)) {
    const r = await ctx.kubectl.rolloutStatus(w.kind, w.name, w.namespace, secondsLeft(deadline));
    if (r.exitCode !== 0) {
      const last = r.stdout.trim().split('\n').pop() ?? '';
      late.push({ ...w, detail: `${last || r.stderr.trim()}` });
    }
  }
  return late;
}
