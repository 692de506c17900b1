/**
 * kubestrap's live-cluster commands against the real API server: verify (with the Node's
 * Ready condition set through the status subresource, as a kubelet would), policy
 * bind/unbind/bindings/default (and their effect on what the server admits), audit (whose
 * offline verdict for each running pod must name the policy the server recorded), and
 * join-command (a bootstrap token real kubeadm creates, and the CA hash a worker checks).
 */
import type { ExecutionContext } from 'ava';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serviceAccount } from '../lib/api.js';
import type { RealCluster } from '../lib/cluster.js';
import { NODE_NAME } from '../lib/configs.js';
import { ensureServiceAccount, setNodeReady, setPodRunning } from '../lib/kubelet.js';
import { settle } from '../lib/settle.js';

/** The kubelet's part: the node Ready and every pod bound to it running. */
export async function kubeletReports(cluster: RealCluster, ready: boolean): Promise<void> {
  await setNodeReady(cluster.api, NODE_NAME, ready);
  if (!ready) return;
  const pods = await cluster.api.get('/api/v1/pods');
  for (const p of pods.items) if (p.spec.nodeName === NODE_NAME) await setPodRunning(cluster.api, p, NODE_NAME);
  await controllersReport(cluster);
}

/**
 * What the deployment and daemon-set controllers would write once their pods run on the
 * one node (there is no controller-manager here): every system workload rolled out.
 */
async function controllersReport(cluster: RealCluster): Promise<void> {
  // kube-webhook-certgen's create job, once its pod has run, leaves the webhook's Secret.
  const secrets = '/api/v1/namespaces/ingress-nginx/secrets';
  if (!(await cluster.api.get(`${secrets}/ingress-nginx-admission`).catch(() => undefined)))
    await cluster.api.create(secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ingress-nginx-admission', namespace: 'ingress-nginx' },
      data: { ca: 'Y2E=', cert: 'Y2VydA==', key: 'a2V5' },
    });
  for (const kind of ['deployments', 'daemonsets'] as const) {
    const list = await cluster.api.get(`/apis/apps/v1/${kind}`);
    for (const w of list.items) {
      const path = `/apis/apps/v1/namespaces/${w.metadata.namespace}/${kind}/${w.metadata.name}`;
      const observedGeneration = w.metadata.generation;
      const n = kind === 'deployments' ? Number(w.spec.replicas ?? 1) : 1;
      const status =
        kind === 'deployments'
          ? { observedGeneration, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n }
          : {
              observedGeneration,
              currentNumberScheduled: n,
              desiredNumberScheduled: n,
              numberMisscheduled: 0,
              numberReady: n,
              updatedNumberScheduled: n,
              numberAvailable: n,
            };
      await cluster.api.patchStatus(path, { status });
    }
  }
}

export async function assertVerify(t: ExecutionContext, cluster: RealCluster): Promise<void> {
  await kubeletReports(cluster, false);
  const before = await cluster.kubestrap(['verify', '-c', cluster.configFile, '-o', 'json']);
  t.is(before.exitCode, 1, `verify fails while the node is NotReady:\n${before.stdout}${before.stderr}`);
  const nodeCheck = JSON.parse(before.stdout).checks.find((c: any) => c.name === 'node-ready');
  t.like(nodeCheck, { ok: false });
  t.regex(nodeCheck.detail, new RegExp(`^${NODE_NAME}: container runtime network not ready`));

  await kubeletReports(cluster, true);
  const after = await cluster.kubestrap(['verify', '-c', cluster.configFile, '-o', 'json']);
  const report = JSON.parse(after.stdout || '{}');
  const failed = (report.checks ?? []).filter((c: any) => !c.ok);
  t.deepEqual(failed, [], 'every verify check passes on the real cluster');
  t.is(after.exitCode, 0, after.stderr);
  t.true(report.checks.length >= 10, `${report.checks.length} checks`);
}

function bind(cluster: RealCluster, verb: 'bind' | 'unbind', ns: string, who: string[], policy: string) {
  return cluster.kubestrap(['policy', verb, '--namespace', ns, ...who, '--policy', policy, '--yes']);
}

/** PSP: bind lets one account use a policy (the real authorizer and admission agree), unbind takes it back. */
export async function assertPspBindings(t: ExecutionContext, cluster: RealCluster): Promise<void> {
  const api = cluster.api;
  await ensureServiceAccount(api, 'team-a', 'worker');
  // Runs as root: restricted (team-a's policy) refuses it, baseline admits it.
  const rootPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'root', namespace: 'team-a' },
    spec: {
      serviceAccountName: 'worker',
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', securityContext: { runAsUser: 0 } }],
    },
  };
  const asWorker = serviceAccount('team-a', 'worker');
  const tryRoot = () => api.create('/api/v1/namespaces/team-a/pods', rootPod, { as: asWorker, dryRun: true });
  const canUse = async () =>
    (
      await cluster.kubectl([
        'auth',
        'can-i',
        'use',
        'podsecuritypolicy/baseline',
        '--as',
        asWorker.user,
        '-n',
        'team-a',
      ])
    ).stdout.trim();
  // worker has no create right of its own in team-a (app has edit): grant it as a tenant admin would.
  await api.mustCreate('/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'worker:edit', namespace: 'team-a' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'ServiceAccount', name: 'worker', namespace: 'team-a' }],
  });
  await settle(cluster);
  t.is(await canUse(), 'no');
  const refused = await tryRoot();
  t.false(refused.admitted, 'restricted refuses a root pod');

  const b = await bind(cluster, 'bind', 'team-a', ['--serviceaccount', 'worker'], 'baseline');
  t.is(b.exitCode, 0, b.stderr);
  t.regex(b.stdout, /^Done: serviceaccount team-a\/worker may use the policy baseline in team-a\.$/m);
  t.is((await bind(cluster, 'bind', 'team-a', ['--serviceaccount', 'worker'], 'baseline')).exitCode, 0);
  await settle(cluster);
  t.is(await canUse(), 'yes', 'the real authorizer agrees with bind');
  const admitted = await tryRoot();
  t.true(admitted.admitted, admitted.message);
  t.is(admitted.object?.metadata.annotations?.['kubernetes.io/psp'], 'baseline');

  const list = JSON.parse((await cluster.kubestrap(['policy', 'bindings', '-o', 'json'])).stdout);
  const entry = list.bindings.find((x: any) => x.namespace === 'team-a' && x.policy === 'baseline');
  t.truthy(entry, 'bindings lists the new grant');
  t.true(entry.subjects.some((s: any) => s.kind === 'ServiceAccount' && s.name === 'worker'));

  const u = await bind(cluster, 'unbind', 'team-a', ['--serviceaccount', 'worker'], 'baseline');
  t.is(u.exitCode, 0, u.stderr);
  await settle(cluster);
  t.is(await canUse(), 'no', 'the real authorizer agrees with unbind');
  t.false((await tryRoot()).admitted);

  // The default policy's cluster-wide binding: away (every running pod keeps a policy), then back.
  const off = await cluster.kubestrap(['policy', 'default', '--disassociate', '--yes']);
  t.is(off.exitCode, 0, `${off.stdout}\n${off.stderr}`);
  await settle(cluster);
  const defaultCanUse = async () =>
    (
      await cluster.kubectl([
        'auth',
        'can-i',
        'use',
        'podsecuritypolicy/restricted',
        '--as',
        'system:serviceaccount:default:default',
        '-n',
        'default',
      ])
    ).stdout.trim();
  t.is(await defaultCanUse(), 'no');
  const on = await cluster.kubestrap(['policy', 'default', '--associate', '--yes']);
  t.is(on.exitCode, 0, on.stderr);
  await settle(cluster);
  t.is(await defaultCanUse(), 'yes');
}

/** PSS: bind sets a namespace's level, and the real PodSecurity plugin enforces it. */
export async function assertPssBindings(t: ExecutionContext, cluster: RealCluster): Promise<void> {
  const api = cluster.api;
  const rootPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'root', namespace: 'team-a' },
    spec: {
      serviceAccountName: 'app',
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', securityContext: { runAsUser: 0 } }],
    },
  };
  const tryRoot = () =>
    api.create('/api/v1/namespaces/team-a/pods', rootPod, { as: serviceAccount('team-a', 'app'), dryRun: true });
  t.false((await tryRoot()).admitted, 'team-a enforces restricted');
  const b = await bind(cluster, 'bind', 'team-a', ['--all-serviceaccounts'], 'baseline');
  t.is(b.exitCode, 0, `${b.stdout}\n${b.stderr}`);
  await settle(cluster);
  const ns = await api.get('/api/v1/namespaces/team-a');
  t.is(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'baseline');
  t.true((await tryRoot()).admitted, 'the real PodSecurity plugin enforces the level bind set');
  const list = JSON.parse((await cluster.kubestrap(['policy', 'bindings', '-o', 'json'])).stdout);
  t.truthy(JSON.stringify(list).includes('team-a'), 'bindings lists team-a');
  const u = await bind(cluster, 'unbind', 'team-a', ['--all-serviceaccounts'], 'baseline');
  t.is(u.exitCode, 0, `${u.stdout}\n${u.stderr}`);
  await settle(cluster);
  t.false((await tryRoot()).admitted, 'after unbind the admission config default (restricted) applies again');
}

/** audit's offline verdict for every pod matches what the real server recorded when it admitted it. */
export async function assertAudit(t: ExecutionContext, cluster: RealCluster, mode: 'psp' | 'pss'): Promise<void> {
  const r = await cluster.kubestrap(['audit', '-o', 'json']);
  t.is(r.exitCode, 0, `${r.stdout.slice(0, 2000)}\n${r.stderr}`);
  const report = JSON.parse(r.stdout);
  t.is(report.kubernetesVersion, cluster.version);
  t.is(report.mode, mode);
  const pods = (await cluster.api.get('/api/v1/pods')).items;
  const entries = report.entries.filter((e: any) => e.kind === 'Pod');
  t.is(entries.length, pods.length, 'audit judges every pod');
  for (const p of pods) {
    const e = entries.find((x: any) => x.namespace === p.metadata.namespace && x.name === p.metadata.name);
    t.truthy(e, `${p.metadata.namespace}/${p.metadata.name} audited`);
    if (!e) continue;
    t.true(e.now.admitted, `${p.metadata.namespace}/${p.metadata.name}: audit says it would be admitted now`);
    if (mode === 'psp') {
      t.is(
        e.now.policy,
        p.metadata.annotations['kubernetes.io/psp'],
        `${p.metadata.name}: audit names the policy the server chose`,
      );
    }
  }
}

/** join-command: a real bootstrap token in kube-system, and the hash of this cluster's CA. */
export async function assertJoinCommand(t: ExecutionContext, cluster: RealCluster): Promise<void> {
  const r = await cluster.kubestrap(['join-command', '--ttl', '30m']);
  t.is(r.exitCode, 0, r.stderr);
  const m = r.stdout
    .trim()
    .match(
      /^kubeadm join (\S+) --token ([a-z0-9]{6})\.([a-z0-9]{16}) --discovery-token-ca-cert-hash sha256:([0-9a-f]{64})\s*$/,
    );
  t.truthy(m, r.stdout);
  if (!m) return;
  t.is(m[1], cluster.cp!.server.replace('https://', ''), 'the endpoint of the API server the kubeconfig names');
  const secret = await cluster.api.get(`/api/v1/namespaces/kube-system/secrets/bootstrap-token-${m[2]}`);
  const field = (k: string) => Buffer.from(secret.data[k], 'base64').toString();
  t.is(secret.type, 'bootstrap.kubernetes.io/token');
  t.is(field('token-secret'), m[3]);
  t.is(field('usage-bootstrap-authentication'), 'true');
  t.is(field('usage-bootstrap-signing'), 'true');
  const ttl = Date.parse(field('expiration')) - Date.now();
  t.true(ttl > 25 * 60_000 && ttl <= 30 * 60_000, `expires in ${Math.round(ttl / 60_000)} min`);
  const ca = new X509Certificate(readFileSync(path.join(cluster.etcKubernetes, 'pki', 'ca.crt')));
  const spki = ca.publicKey.export({ type: 'spki', format: 'der' });
  t.is(m[4], createHash('sha256').update(spki).digest('hex'), 'the hash kubeadm join checks the CA against');
  t.false(r.stderr.includes(m[3]), 'the token secret is not printed to stderr');
}
