/**
 * A cluster that already runs, as the existing-cluster commands find it: a
 * simulated node initialised with plain `kubeadm init` (NodeRestriction only, no
 * pod security of kubestrap's), workloads applied as an admin would, then
 * kubestrap run against it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lab, type Lab } from './harness.js';
import type { SimNodeOptions } from '../sim/install.js';

export interface ExistingOptions extends SimNodeOptions {
  /** A cluster.yaml in the working directory; none when undefined. */
  config?: string;
  /** Extra API server flags for kubeadm init (e.g. enable-admission-plugins). */
  apiServerArgs?: Record<string, string>;
}

export interface Existing extends Lab {
  /** Until the API server answers again (after a hand-made manifest change). */
  apiServerUp(): Promise<void>;
  /** `kubectl --kubeconfig admin.conf ARGS` on the node (a fake call, recorded like the others). */
  kubectl(args: string[], input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  apply(yaml: string): Promise<void>;
  manifestPath: string;
}

function kubeadmConfig(version: string, args: Record<string, string>): string {
  const minor = Number(/^v1\.(\d+)/.exec(version)![1]);
  const api = minor >= 31 ? 'v1beta4' : 'v1beta3';
  const extra =
    api === 'v1beta4'
      ? `  extraArgs:\n${Object.entries(args)
          .map(([name, value]) => `    - name: ${name}\n      value: "${value}"\n`)
          .join('')}`
      : `  extraArgs:\n${Object.entries(args)
          .map(([k, v]) => `    ${k}: "${v}"\n`)
          .join('')}`;
  return `apiVersion: kubeadm.k8s.io/${api}
kind: InitConfiguration
nodeRegistration:
  name: cp
  criSocket: unix:///var/run/containerd/containerd.sock
---
apiVersion: kubeadm.k8s.io/${api}
kind: ClusterConfiguration
kubernetesVersion: ${version}
networking:
  podSubnet: 10.244.0.0/16
apiServer:
${extra}`;
}

export async function existingCluster(opts: ExistingOptions = {}): Promise<Existing> {
  const version = opts.kubernetesVersion ?? 'v1.24.17';
  const l = await lab(opts.config ?? '', { ...opts, kubernetesVersion: version });
  if (opts.config === undefined) rmSync(path.join(l.dir, 'cluster.yaml'));
  const cfg = path.join(l.dir, 'kubeadm.yaml');
  writeFileSync(cfg, kubeadmConfig(version, { 'enable-admission-plugins': 'NodeRestriction', ...opts.apiServerArgs }));
  const init = await l.node.exec('kubeadm', ['init', '--config', cfg]);
  if (init.exitCode !== 0) throw new Error(`kubeadm init failed: ${init.stderr}`);
  const kubeconfig = l.node.at('/etc/kubernetes/admin.conf');
  const kubectl = async (args: string[], input?: string) => {
    const r = await l.node.exec('kubectl', ['--kubeconfig', kubeconfig, ...args], { input });
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    ...l,
    kubectl,
    async apply(yaml) {
      const r = await kubectl(['apply', '-f', '-'], yaml);
      if (r.exitCode !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
    },
    manifestPath: l.node.at('/etc/kubernetes/manifests/kube-apiserver.yaml'),
    async apiServerUp() {
      const end = Date.now() + 20_000;
      while ((await kubectl(['get', '--raw', '/readyz'])).exitCode !== 0) {
        if (Date.now() > end) throw new Error('the API server did not come back');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** The seed 000 namespace: demo with the service account app, a privileged pod and a plain one. */
export const DEMO = `apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: demo}
`;

/** Calls that change the cluster or the host: what --dry-run and audit must never make. */
export function changesMade(calls: { tool: string; argv: string[] }[]): string[] {
  return calls
    .map((c) => [c.tool, ...c.argv].join(' '))
    .filter(
      (c) =>
        /^kubectl .*\b(apply|replace|delete|label|taint|patch)\b/.test(c) ||
        (/^kubectl .*\bcreate\b/.test(c) && !c.includes('--dry-run')) ||
        /^(tee|kubeadm (init|reset))/.test(c),
    );
}

/** The kube-system/kubeadm-config ClusterConfiguration as the cluster stores it. */
export function clusterConfiguration(l: Lab): string {
  const cm = Object.values(l.node.state().cluster!.objects).find(
    (o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'kubeadm-config',
  ) as any;
  return cm.data.ClusterConfiguration;
}

/** The objects of a kind in the simulated cluster. */
export function objectsOf(l: Lab, kind: string): any[] {
  return Object.values(l.node.state().cluster!.objects).filter((o: any) => o.kind === kind);
}

/** The pods `admission enable|disable` lists as refused (stderr lines `  Kind ns/name`). */
export function listedPods(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /^ {2}(Pod|Deployment|DaemonSet|StatefulSet|ReplicaSet|Job|CronJob) \S+\/\S+$/.test(l))
    .map((l) => l.trim());
}
