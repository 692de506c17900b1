/**
 * The newest Kubernetes release that builds with the installed Go: Pod Security Admission
 * and ValidatingAdmissionPolicy, real kubeadm, etcd and kube-apiserver.
 */
import { existsSync } from 'node:fs';
import test from 'ava';
import { assertKubeadmRan, assertPssAdmissionConfig, assertRunsKubeadmFlags } from './checks/kubeadm.js';
import { judgePss, runKubeadmApiPhases, subjects } from './checks/admission.js';
import { assertAudit, assertJoinCommand, assertPssBindings, assertVerify } from './checks/live.js';
import { LEVELS, runPssCorpus, setupPssNamespaces } from './checks/pss-corpus.js';
import { applySteps } from './checks/steps.js';
import { applyMigratedPolicies, runVapCorpus } from './checks/vap.js';
import { realVersions } from './lib/cache.js';
import { RealCluster } from './lib/cluster.js';
import { tierConfig } from './lib/configs.js';
import { corpusSeed, corpusSize } from './lib/random.js';
import { realSuite } from './lib/tier.js';

const version = realVersions().at(-1)!;
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
  'kubeadm validates the rendered config and mounts kubestrap’s admission config read-only',
  async (t, ready) => {
    t.timeout(300_000);
    cluster = new RealCluster(ready, tierConfig(version));
    await assertKubeadmRan(t, cluster, hostHadEtcKubernetes);
    t.true(await cluster.hasConfigValidate(), `kubeadm ${version} has config validate`);
    assertPssAdmissionConfig(t, cluster);
  },
);

suite.test('etcd and kube-apiserver run with kubeadm’s flags on 127.0.0.1 and turn ready', async (t) => {
  t.timeout(300_000);
  if (!cluster) throw new Error('kubeadm did not run');
  await cluster.start();
  assertRunsKubeadmFlags(t, cluster);
  const v = await cluster.api.get('/version');
  t.is(v.gitVersion, version);
});

suite.test('pod-security, cni, ingress and tenants steps apply with the release’s kubectl', async (t) => {
  t.timeout(300_000);
  await applySteps(t, need());
});

suite.test('system, ingress and tenant pods: the namespace enforce verdict equals policy check --level', async (t) => {
  t.timeout(300_000);
  const c = need();
  await runKubeadmApiPhases(c);
  const outcomes = await judgePss(c, await subjects(c));
  for (const o of outcomes) t.deepEqual(o.disagreements, [], o.subject.label);
  const verdict = (label: string) => outcomes.find((o) => o.subject.label === label)!;
  for (const o of outcomes.filter((x) => x.subject.persist)) t.true(o.server.admitted, `${o.subject.label} admitted`);
  t.true(verdict('restricted pod as team-a:app').server.admitted);
  t.false(verdict('privileged pod as team-a:app').server.admitted);
  t.false(verdict('privileged pod as team-b:app').server.admitted);
  // The rendered ingress-nginx (v1.14.5 from 1.25): admitted under the namespace's level.
  for (const label of [
    'ingress-nginx controller pod',
    'ingress-nginx certgen create pod',
    'ingress-nginx certgen patch pod',
  ]) {
    t.true(verdict(label).server.admitted, label);
    t.regex(verdict(label).serverPolicy ?? '', /^restricted:/, label);
  }
});

suite.test('differential corpus: policy check --level agrees with the PodSecurity plugin at every level', async (t) => {
  t.timeout(600_000);
  const c = need();
  const seed = corpusSeed();
  await setupPssNamespaces(c);
  const r = await runPssCorpus(c, seed, corpusSize());
  const levels = Object.entries(r.byLevel)
    .map(([l, x]) => `${l} ${x.admitted}/${x.cases} admitted`)
    .join(', ');
  const line = `PSS corpus (seed ${seed}): ${r.agreed}/${r.cases - r.invalid} agree; ${levels}; ${r.invalid} invalid`;
  console.error(`real › ${version} › ${line}`);
  for (const l of LEVELS) t.true(r.byLevel[l].cases >= corpusSize());
  t.is(r.disagreements.length, 0, `disagreements written to ${r.file}`);
  t.true(r.invalid <= r.cases / 100, `${r.invalid} pods the API server found invalid (see ${r.file})`);
});

suite.test(
  'ValidatingAdmissionPolicies from policy migrate --to vap: the real CEL gives the PSP verdicts',
  async (t) => {
    t.timeout(600_000);
    const c = need();
    const seed = corpusSeed();
    await applyMigratedPolicies(c);
    const r = await runVapCorpus(c, seed, corpusSize());
    const line = `VAP corpus (seed ${seed}): ${r.agreed}/${r.cases - r.invalid} agree (${r.gaps} in the documented empty-supplementalGroups gap); ${r.admitted} admitted; ${r.invalid} invalid`;
    console.error(`real › ${version} › ${line}`);
    t.true(r.cases >= corpusSize());
    t.is(r.disagreements.length, 0, `disagreements written to ${r.file}`);
    t.true(r.invalid <= r.cases / 100, `${r.invalid} pods the API server found invalid (see ${r.file})`);
  },
);

suite.test('verify passes once the node reports Ready through the status subresource', async (t) => {
  t.timeout(300_000);
  await assertVerify(t, need());
});

suite.test('policy bind and unbind set the namespace level the real PodSecurity plugin enforces', async (t) => {
  t.timeout(300_000);
  await assertPssBindings(t, need());
});

suite.test('audit judges every running pod as the real server admitted it', async (t) => {
  t.timeout(300_000);
  await assertAudit(t, need(), 'pss');
});

suite.test('join-command prints a join line with a real bootstrap token and the CA hash', async (t) => {
  t.timeout(300_000);
  await assertJoinCommand(t, need());
});
