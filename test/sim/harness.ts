/** Helpers for the simulated node's own tests (and for kubestrap tests that want a running cluster fast). */
import fs from 'node:fs';
import path from 'node:path';
import { createSimNode, REPO_ROOT, type SimNode, type SimNodeOptions, type ExecResult } from './install.js';

export const GOLDEN = path.join(REPO_ROOT, 'test/golden');

/** A golden render directory for the version: v1.24.17 (PSP), v1.31.4 (PSS), ... */
export function golden(version: string): string {
  return path.join(GOLDEN, version);
}

export function kc(node: SimNode): string[] {
  return ['--kubeconfig', node.at('/etc/kubernetes/admin.conf')];
}

/** Copies a render's host files (the PodSecurity admission config) under the node's root. */
export function installHostFiles(node: SimNode, renderDir: string): void {
  const host = path.join(renderDir, 'host');
  if (!fs.existsSync(host)) return;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const dest = node.at(path.relative(host, p));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.copyFileSync(p, dest);
      }
    }
  };
  walk(host);
}

/** A node ready for `kubeadm init` (br_netfilter loaded, forwarding on). */
export async function readyNode(opts: SimNodeOptions = {}): Promise<SimNode> {
  return createSimNode({ ...opts, host: { brNetfilter: true, ipForward: true, ...opts.host } });
}

/**
 * Reads the node (each kubectl call brings the model to "now") until `ok` holds for
 * the pods of a namespace, or fails after `timeoutMs`.
 */
export async function untilPods(
  node: SimNode,
  ns: string,
  ok: (pods: Record<string, any>[]) => boolean,
  timeoutMs = 10_000,
): Promise<Record<string, any>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await kubectl(node, ['get', 'pods', '-n', ns, '-o', 'name']);
    const pods = podsIn(node, ns);
    if (ok(pods)) return pods;
    if (Date.now() > deadline) throw new Error(`pods in ${ns} never got there: ${pods.map((p) => p.metadata.name)}`);
  }
}

/** kubeadm init with a golden render's config (and its host files); throws unless it succeeds. */
export async function initFromGolden(node: SimNode, version: string): Promise<ExecResult> {
  const dir = golden(version);
  installHostFiles(node, dir);
  const r = await node.exec('kubeadm', ['init', '--config', path.join(dir, 'kubeadm-config.yaml')]);
  if (r.exitCode !== 0) throw new Error(`kubeadm init failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

export async function kubectl(node: SimNode, args: string[], input?: string): Promise<ExecResult> {
  return node.exec('kubectl', [...kc(node), ...args], { input });
}

export function manifest(version: string, name: string): string {
  const dir = path.join(golden(version), 'manifests');
  const f = fs.readdirSync(dir).find((x) => x.endsWith(`-${name}.yaml`));
  if (!f) throw new Error(`no ${name} manifest in ${dir}`);
  return path.join(dir, f);
}

export const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: privileged
spec:
  containers:
    - name: c
      image: busybox
      securityContext:
        privileged: true
`;

export const RESTRICTED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: ok
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: c
      image: busybox
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
`;

export function podsIn(node: SimNode, ns: string): Record<string, any>[] {
  const c = node.state().cluster;
  if (!c) return [];
  return Object.values(c.objects).filter((o) => o.kind === 'Pod' && o.metadata.namespace === ns);
}

export function eventsFor(node: SimNode, name: string): Record<string, any>[] {
  const c = node.state().cluster;
  if (!c) return [];
  return Object.values(c.objects).filter((o) => o.kind === 'Event' && o.involvedObject?.name === name);
}
