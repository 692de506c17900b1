/**
 * The Pod Security Standards differential corpus: random pods at every level, across the
 * policy versions the release can enforce, each sent to the real API server (server-side dry
 * run, as the pod's service account) into a namespace enforcing that level:version, and
 * judged by `kubestrap policy check --level --pss-version`. Verdict and message must agree.
 */
import { serviceAccount } from '../lib/api.js';
import type { RealCluster } from '../lib/cluster.js';
import { randomPod } from '../lib/gen-pods.js';
import { ensureServiceAccount } from '../lib/kubelet.js';
import { mapLimit } from '../lib/pool.js';
import { policyCheck, pssMessage, pssRefusal, type PssCheck } from '../lib/policy-check.js';
import { Random } from '../lib/random.js';
import { writeDisagreements } from '../lib/report.js';
import { settle } from '../lib/settle.js';

export const LEVELS = ['privileged', 'baseline', 'restricted'] as const;

export interface CorpusResult {
  cases: number;
  agreed: number;
  invalid: number;
  /** Pods the API server refused as invalid (422): no admission verdict to compare. */
  invalidCases: unknown[];
  disagreements: unknown[];
  file?: string;
  byLevel: Record<string, { cases: number; admitted: number }>;
}

/** The policy versions with their own rules, up to the release's own minor, and latest. */
export function pssVersions(minor: number): string[] {
  return [...[0, 22, 23, 25, 27, 29, 31, 32, 34, 35, 37].filter((m) => m <= minor).map((m) => `v1.${m}`), 'latest'];
}

function nsName(level: string, version: string): string {
  return `corpus-${level}-${version.replace('.', '-')}`;
}

export async function setupPssNamespaces(cluster: RealCluster): Promise<void> {
  const api = cluster.api;
  for (const level of LEVELS) {
    for (const version of pssVersions(cluster.minor)) {
      const name = nsName(level, version);
      await api.mustCreate('/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          labels: {
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/enforce-version': version,
          },
        },
      });
      for (const sa of ['default', 'app']) await ensureServiceAccount(api, name, sa);
      await api.mustCreate(`/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'corpus-edit', namespace: name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `system:serviceaccounts:${name}` }],
      });
    }
  }
  await settle(cluster);
}

export async function runPssCorpus(cluster: RealCluster, seed: number, perLevel: number): Promise<CorpusResult> {
  const r = new Random(seed);
  const versions = pssVersions(cluster.minor);
  const cases: { level: string; version: string; pod: any }[] = [];
  for (const level of LEVELS) {
    for (let i = 0; i < perLevel; i++) {
      const version = r.pick(versions);
      const pod = randomPod(r, `p-${level.slice(0, 4)}-${i}`, {
        minor: cluster.minor,
        namespace: nsName(level, version),
        serviceAccounts: ['default', 'app'],
      });
      cases.push({ level, version, pod });
    }
  }
  const server = await mapLimit(cases, 6, (c) =>
    cluster.api.create(`/api/v1/namespaces/${c.pod.metadata.namespace}/pods`, c.pod, {
      as: serviceAccount(c.pod.metadata.namespace, c.pod.spec.serviceAccountName ?? 'default'),
      dryRun: true,
    }),
  );
  const offline = new Map<any, PssCheck>();
  const groups = new Map<string, typeof cases>();
  for (const c of cases) {
    const k = `${c.level} ${c.version}`;
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  for (const [k, group] of groups) {
    const [level, version] = k.split(' ');
    const results = await policyCheck<PssCheck>(
      cluster,
      group.map((c) => c.pod),
      ['--level', level, '--pss-version', version],
    );
    group.forEach((c, i) => offline.set(c, results[i]));
  }

  const result: CorpusResult = {
    cases: cases.length,
    agreed: 0,
    invalid: 0,
    invalidCases: [],
    disagreements: [],
    byLevel: {},
  };
  cases.forEach((c, i) => {
    const s = server[i];
    const o = offline.get(c)!;
    const lv = (result.byLevel[c.level] ??= { cases: 0, admitted: 0 });
    lv.cases++;
    if (s.admitted) lv.admitted++;
    if (!s.admitted && s.status === 422) {
      result.invalid++;
      result.invalidCases.push({
        kind: 'invalid (422)',
        level: c.level,
        version: c.version,
        server: s.message,
        pod: c.pod,
      });
      return;
    }
    const label = `${c.level}:${c.version}`;
    const expected = pssMessage(o, label);
    const refusal = pssRefusal(s.message);
    const same = s.admitted === o.admitted && (s.admitted || refusal === expected);
    if (same) {
      result.agreed++;
      return;
    }
    result.disagreements.push({
      kind: 'disagreement',
      level: c.level,
      version: c.version,
      server: s.admitted ? 'admitted' : s.message,
      policyCheck: o.admitted ? 'admitted' : expected,
      pod: c.pod,
    });
  });
  result.file = writeDisagreements(`${cluster.version}-pss-seed${seed}`, [
    ...result.disagreements,
    ...result.invalidCases,
  ]);
  return result;
}
