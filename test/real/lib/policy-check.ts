/**
 * `kubestrap policy check -o json` over objects the test holds in memory, and the cluster
 * state the PodSecurityPolicy admission controller decides with (policies and RBAC), read
 * back from the real API server so the offline engine sees exactly what the server has.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Api } from './api.js';
import type { RealCluster } from './cluster.js';

export interface PspCheck {
  kind: string;
  namespace: string;
  name: string;
  admitted: boolean;
  policy: string | null;
  pod: any;
  reasons: string[];
}

export interface PssCheck {
  kind: string;
  namespace: string;
  name: string;
  admitted: boolean;
  level: string;
  version: string;
  violations: { check: string; message: string }[];
}

let seq = 0;

export async function policyCheck<T = PspCheck>(
  cluster: RealCluster,
  objects: unknown[],
  args: string[],
): Promise<T[]> {
  const file = path.join(cluster.dir, `policy-check-${process.pid}-${seq++}.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  const r = await cluster.kubestrap(['policy', 'check', '-f', file, '-o', 'json', ...args]);
  if (r.exitCode !== 0 && r.exitCode !== 1)
    throw new Error(`kubestrap policy check exited ${r.exitCode}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T[];
}

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** PodSecurityPolicies and every RBAC object, as kubectl get -o json lists them (with kind). */
export async function pspState(api: Api): Promise<any[]> {
  const out: any[] = [];
  const lists: [string, string, string][] = [
    ['/apis/policy/v1beta1/podsecuritypolicies', 'policy/v1beta1', 'PodSecurityPolicy'],
    [`${RBAC}/clusterroles`, 'rbac.authorization.k8s.io/v1', 'ClusterRole'],
    [`${RBAC}/clusterrolebindings`, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
    [`${RBAC}/roles`, 'rbac.authorization.k8s.io/v1', 'Role'],
    [`${RBAC}/rolebindings`, 'rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ];
  for (const [url, apiVersion, kind] of lists) {
    const list = await api.get(url);
    for (const item of list.items) out.push({ apiVersion, kind, ...item });
  }
  return out;
}

/** The text after `violates PodSecurity` in a refusal, or undefined. */
export function pssRefusal(message: string | undefined): string | undefined {
  const m = message?.match(/violates PodSecurity (.*)$/s);
  return m?.[1];
}

/** How the PodSecurity plugin words policy check's violations. */
export function pssMessage(c: PssCheck, levelVersion: string): string {
  return `"${levelVersion}": ${c.violations.map((v) => v.message).join(', ')}`;
}

/** The reasons inside `PodSecurityPolicy: unable to admit pod: [...]`, as a sorted list. */
export function pspReasons(message: string | undefined): string[] | undefined {
  const m = message?.match(/PodSecurityPolicy: unable to admit pod: \[(.*)\]$/s);
  if (!m) return undefined;
  return splitReasons(m[1]).sort();
}

/**
 * The field errors of a refusal: Go prints the error list as `[e1 e2 ...]`, space-separated,
 * and a message may itself contain spaces, so a new error is where a field path starts.
 */
export function splitReasons(text: string): string[] {
  if (text.trim() === '') return [];
  return text.split(/ (?=(?:pod\.)?(?:metadata|spec)[.[][^ ]*: )/);
}
