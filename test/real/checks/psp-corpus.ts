/**
 * The PodSecurityPolicy differential corpus (1.24): random "worlds" (a namespace, a few
 * random policies, RBAC granting each to some of its service accounts or to a user), and
 * random pods created in them by one of those identities. Each pod goes to the real API
 * server (server-side dry run, as the requester) and to `kubestrap policy check` with every
 * policy and RBAC object read back from the server and `--as` the requester: admitted or
 * not, the policy that admitted it, the pod as that policy changed it, and the reasons of a
 * refusal must agree.
 */
import { validatePspSpec } from '../../../src/policy/psp/validate.js';
import { type Identity, serviceAccount } from '../lib/api.js';
import type { RealCluster } from '../lib/cluster.js';
import { randomPod } from '../lib/gen-pods.js';
import { randomPsp } from '../lib/gen-psp.js';
import { ensureServiceAccount } from '../lib/kubelet.js';
import { mapLimit } from '../lib/pool.js';
import { policyCheck, pspReasons, pspState, type PspCheck } from '../lib/policy-check.js';
import { differences, pspView, seccompVersionSkew } from '../lib/projection.js';
import { Random } from '../lib/random.js';
import { writeDisagreements } from '../lib/report.js';
import { settle } from '../lib/settle.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const RBAC_V = 'rbac.authorization.k8s.io/v1';
export const RUNTIME_CLASSES = ['rc-a', 'rc-b'];
const PODS_PER_WORLD = 25;

interface World {
  ns: string;
  policies: string[];
  requesters: Identity[];
}

export interface PspCorpusResult {
  cases: number;
  agreed: number;
  invalid: number;
  /** Pods the API server refused as invalid (422): no admission verdict to compare. */
  invalidCases: unknown[];
  admitted: number;
  byPolicy: Record<string, number>;
  disagreements: unknown[];
  file?: string;
}

async function createRuntimeClasses(cluster: RealCluster): Promise<void> {
  for (const name of RUNTIME_CLASSES) {
    await cluster.api.mustCreate('/apis/node.k8s.io/v1/runtimeclasses', {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name },
      handler: name.replace('-', ''),
    });
  }
}

function useRole(ns: string, name: string, policies: string[], group: string) {
  return {
    apiVersion: RBAC_V,
    kind: 'Role',
    metadata: { name, namespace: ns },
    rules: policies.length
      ? [{ apiGroups: [group], resources: ['podsecuritypolicies'], verbs: ['use'], resourceNames: policies }]
      : [],
  };
}

function binding(ns: string, name: string, role: { kind: string; name: string }, subjects: any[]) {
  return {
    apiVersion: RBAC_V,
    kind: 'RoleBinding',
    metadata: { name, namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...role },
    subjects,
  };
}

async function createWorld(
  cluster: RealCluster,
  r: Random,
  index: number,
  seed: number,
  invalidPolicies: unknown[],
): Promise<World> {
  const api = cluster.api;
  const ns = `psp-${seed % 10000}-w${index}`;
  await api.mustCreate('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const sa of ['default', 'a', 'b']) await ensureServiceAccount(api, ns, sa);
  const policies: string[] = [];
  const count = r.int(1, 3);
  for (let j = 0; policies.length < count && j < 20; j++) {
    // Names on both sides of kubestrap's cluster-wide `restricted`: policies are tried by name.
    const prefix = r.pick(['a', 'q', 'z']);
    const psp = randomPsp(
      r,
      `${prefix}-w${index}${String.fromCharCode(97 + policies.length)}-${seed % 10000}`,
      RUNTIME_CLASSES,
    );
    if (validatePspSpec(psp.spec, 24, psp.metadata.annotations ?? {}).length > 0) continue;
    const v = await api.create('/apis/policy/v1beta1/podsecuritypolicies', psp);
    if (!v.admitted) {
      // kubestrap's validation accepted a policy the API server refuses: a disagreement of its own.
      invalidPolicies.push({ policy: psp, server: v.message });
      continue;
    }
    policies.push(psp.metadata.name);
  }
  const pick = () => r.some(policies, 0.5);
  const objects = [
    useRole(ns, 'use-a', pick(), 'policy'),
    useRole(ns, 'use-b', pick(), r.chance(0.3) ? 'extensions' : 'policy'),
    useRole(ns, 'use-alice', pick(), 'policy'),
    binding(ns, 'use-a', { kind: 'Role', name: 'use-a' }, [{ kind: 'ServiceAccount', name: 'a', namespace: ns }]),
    binding(ns, 'use-b', { kind: 'Role', name: 'use-b' }, [{ kind: 'ServiceAccount', name: 'b', namespace: ns }]),
    binding(ns, 'use-alice', { kind: 'Role', name: 'use-alice' }, [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `alice-${ns}` },
    ]),
    binding(ns, 'edit', { kind: 'ClusterRole', name: 'edit' }, [
      { kind: 'ServiceAccount', name: 'a', namespace: ns },
      { kind: 'ServiceAccount', name: 'b', namespace: ns },
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `alice-${ns}` },
    ]),
  ];
  for (const o of objects) {
    await api.mustCreate(`${RBAC}/namespaces/${ns}/${o.kind === 'Role' ? 'roles' : 'rolebindings'}`, o);
  }
  return { ns, policies, requesters: [serviceAccount(ns, 'a'), serviceAccount(ns, 'b'), { user: `alice-${ns}` }] };
}

/** What one list has more of than the other, each entry once per extra occurrence. */
function multisetDiff(server: string[], offline: string[]): string[] {
  const count = new Map<string, number>();
  for (const x of server) count.set(x, (count.get(x) ?? 0) + 1);
  for (const x of offline) count.set(x, (count.get(x) ?? 0) - 1);
  return [...count]
    .filter(([, n]) => n !== 0)
    .map(([x, n]) => `${n > 0 ? 'server only' : 'policy check only'} (x${Math.abs(n)}): ${x}`);
}

export async function runPspCorpus(cluster: RealCluster, seed: number, size: number): Promise<PspCorpusResult> {
  const r = new Random(seed);
  await createRuntimeClasses(cluster);
  const worlds: World[] = [];
  const invalidPolicies: unknown[] = [];
  const count = Math.ceil(size / PODS_PER_WORLD);
  for (let i = 0; i < count; i++) worlds.push(await createWorld(cluster, r, i, seed, invalidPolicies));
  await settle(cluster);
  const state = await pspState(cluster.api);

  const cases = worlds.flatMap((w) =>
    Array.from({ length: PODS_PER_WORLD }, (_, i) => ({
      world: w,
      as: r.pick(w.requesters),
      pod: randomPod(r, `p${i}`, {
        minor: cluster.minor,
        namespace: w.ns,
        serviceAccounts: ['default', 'a', 'b'],
        runtimeClasses: RUNTIME_CLASSES,
      }),
    })),
  );
  const server = await mapLimit(cases, 6, (c) =>
    cluster.api.create(`/api/v1/namespaces/${c.world.ns}/pods`, c.pod, { as: c.as, dryRun: true }),
  );
  const offline = new Map<object, PspCheck>();
  const groups = new Map<string, typeof cases>();
  for (const c of cases) groups.set(c.as.user, [...(groups.get(c.as.user) ?? []), c]);
  for (const [user, group] of groups) {
    const results = await policyCheck<PspCheck>(cluster, [...state, ...group.map((c) => c.pod)], ['--as', user]);
    group.forEach((c, i) => offline.set(c, results[i]));
  }

  const result: PspCorpusResult = {
    cases: cases.length,
    agreed: 0,
    invalid: 0,
    invalidCases: [],
    admitted: 0,
    byPolicy: {},
    disagreements: [...invalidPolicies.map((p) => ({ kind: 'policy refused by the server', ...(p as object) }))],
  };
  cases.forEach((c, i) => {
    const s = server[i];
    const o = offline.get(c)!;
    if (!s.admitted && s.status === 422) {
      result.invalid++;
      // PodSecurityPolicy's own defaulting can make a pod invalid (a privileged container
      // given allowPrivilegeEscalation=false): the engine says which policy admitted it.
      result.invalidCases.push({
        kind: 'invalid (422)',
        server: s.message,
        policyCheck: o.admitted ? `admitted by ${o.policy}` : 'refused',
        as: c.as.user,
        pod: c.pod,
      });
      return;
    }
    const policy = s.object?.metadata?.annotations?.['kubernetes.io/psp'];
    if (s.admitted) {
      result.admitted++;
      result.byPolicy[policy] = (result.byPolicy[policy] ?? 0) + 1;
    }
    const d: string[] = [];
    if (s.admitted !== o.admitted) {
      d.push(
        `server ${s.admitted ? `admitted by ${policy}` : 'refused'}, policy check ${o.admitted ? `admitted by ${o.policy}` : 'refused'}`,
      );
    } else if (s.admitted) {
      if (policy !== o.policy) d.push(`policy: server ${policy}, policy check ${o.policy}`);
      else d.push(...differences(pspView(s.object), pspView(seccompVersionSkew(o.pod))).map((x) => `mutation ${x}`));
    } else {
      const reasons = pspReasons(s.message);
      if (!reasons) d.push('the server refused it for another reason');
      else if (JSON.stringify(reasons) !== JSON.stringify([...o.reasons].sort())) {
        d.push('reasons differ');
        d.push(...multisetDiff(reasons, o.reasons).map((x) => `  ${x}`));
      }
    }
    if (d.length === 0) {
      result.agreed++;
      return;
    }
    result.disagreements.push({
      kind: 'disagreement',
      what: d,
      as: c.as.user,
      usable: c.world.policies,
      server: s.admitted
        ? { admitted: true, policy, view: pspView(s.object) }
        : { admitted: false, message: s.message },
      policyCheck: o.admitted
        ? { admitted: true, policy: o.policy, view: pspView(seccompVersionSkew(o.pod)) }
        : { admitted: false, reasons: o.reasons },
      pod: c.pod,
    });
  });
  result.file = writeDisagreements(`${cluster.version}-psp-seed${seed}`, [
    ...result.disagreements,
    ...result.invalidCases,
  ]);
  return result;
}
