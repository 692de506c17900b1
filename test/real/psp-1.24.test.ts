/**
 * The last release with PodSecurityPolicy, as real kubeadm, etcd and kube-apiserver: the
 * rendered config, kubestrap's policies and RBAC, admission of the pods a cluster receives,
 * the differential corpus against the offline engine, and the live-cluster commands.
 */
import { existsSync } from 'node:fs';
import test from 'ava';
import { judgePsp, runKubeadmApiPhases, subjects } from './checks/admission.js';
import { assertKubeadmRan, assertPspPlugins, assertRunsKubeadmFlags } from './checks/kubeadm.js';
import { assertAudit, assertJoinCommand, assertPspBindings, assertVerify } from './checks/live.js';
import { runPspCorpus } from './checks/psp-corpus.js';
import { applySteps } from './checks/steps.js';
import { minorOf, realVersions } from './lib/cache.js';
import { RealCluster } from './lib/cluster.js';
import { tierConfig } from './lib/configs.js';
import { corpusSeed, corpusSize } from './lib/random.js';
import { realSuite } from './lib/tier.js';

const version = realVersions()
  .filter((v) => minorOf(v) <= 24)
  .at(-1)!;
const suite = realSuite(version);
let cluster: RealCluster | undefined;
const hostHadEtcKubernetes = existsSync('/etc/kubernetes');

test.after.always(async () => {
  await cluster?.stop();
});

function need(): RealCluster {
  if (!cluster?.cp) throw new Error('the control plane did not start (see the earlier failure)');
  return cluster;
}

suite.test(
  'kubeadm reads the rendered config: the API server runs NodeRestriction,PodSecurityPolicy',
  async (t, ready) => {
    t.timeout(300_000);
    cluster = new RealCluster(ready, tierConfig(version));
    await assertKubeadmRan(t, cluster, hostHadEtcKubernetes);
    t.false(await cluster.hasConfigValidate(), `kubeadm ${version} has no config validate (1.28+)`);
    assertPspPlugins(t, cluster);
  },
);

suite.test('etcd and kube-apiserver run with kubeadm’s flags on 127.0.0.1 and turn ready', async (t) => {
  t.timeout(300_000);
  if (!cluster) throw new Error('kubeadm did not run');
  await cluster.start();
  assertRunsKubeadmFlags(t, cluster);
  t.is((await cluster.api.get('/version')).gitVersion, version);
});

suite.test('pod-security, cni, ingress and tenants steps apply with the release’s kubectl', async (t) => {
  t.timeout(300_000);
  await applySteps(t, need());
});

suite.test(
  'control-plane, CNI, CoreDNS, ingress and tenant pods: the admitting policy equals policy check’s',
  async (t) => {
    t.timeout(300_000);
    const c = need();
    await runKubeadmApiPhases(c);
    const outcomes = await judgePsp(c, await subjects(c));
    for (const o of outcomes) t.deepEqual(o.disagreements, [], o.subject.label);
    const verdict = (label: string) => outcomes.find((o) => o.subject.label === label)!;
    for (const o of outcomes.filter((x) => x.subject.persist && x.subject.pod.metadata.namespace !== 'ingress-nginx')) {
      t.is(o.serverPolicy, 'privileged', `${o.subject.label} admitted by privileged`);
    }
    t.true(verdict('restricted pod as team-a:app').server.admitted);
    t.false(verdict('privileged pod as team-a:app').server.admitted);
    t.false(verdict('privileged pod as team-b:app').server.admitted);
    // The rendered ingress-nginx (v1.3.0 on 1.24): the controller and both certgen jobs' pods.
    for (const label of [
      'ingress-nginx controller pod',
      'ingress-nginx certgen create pod',
      'ingress-nginx certgen patch pod',
    ])
      t.is(verdict(label).serverPolicy, 'ingress-nginx', label);
    // The node may use privileged only in kube-system: a static pod elsewhere is on its own.
    t.false(verdict('privileged mirror pod in team-c').server.admitted);
  },
);

suite.test('differential corpus: the offline PodSecurityPolicy engine agrees with the API server', async (t) => {
  t.timeout(600_000);
  const seed = corpusSeed();
  const r = await runPspCorpus(need(), seed, corpusSize());
  const line = `PSP corpus (seed ${seed}): ${r.agreed}/${r.cases - r.invalid} agree; ${r.admitted} admitted (${Object.entries(
    r.byPolicy,
  )
    .map(([p, n]) => `${p} ${n}`)
    .join(', ')}); ${r.invalid} invalid`;
  console.error(`real › ${version} › ${line}`);
  t.true(r.cases >= 500);
  t.true(r.admitted > r.cases / 10 && r.admitted < r.cases * 0.9, 'the corpus has both verdicts in numbers');
  t.is(r.disagreements.length, 0, `disagreements written to ${r.file}`);
  t.true(r.invalid <= r.cases / 100, `${r.invalid} pods the API server found invalid (see ${r.file})`);
});

suite.test('verify passes once the node reports Ready through the status subresource', async (t) => {
  t.timeout(300_000);
  await assertVerify(t, need());
});

suite.test('policy bind, unbind, bindings and default change what the real server admits', async (t) => {
  t.timeout(300_000);
  await assertPspBindings(t, need());
});

suite.test('audit names, for every running pod, the policy the server admitted it with', async (t) => {
  t.timeout(300_000);
  await assertAudit(t, need(), 'psp');
});

suite.test('join-command prints a join line with a real bootstrap token and the CA hash', async (t) => {
  t.timeout(300_000);
  await assertJoinCommand(t, need());
});
