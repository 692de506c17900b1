/**
 * `kubestrap admission enable|disable|status` on a running 1.24 kubeadm cluster
 * (the simulated node): PodSecurityPolicy turned on in place, safely.
 */
import test from 'ava';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  changesMade,
  clusterConfiguration,
  DEMO,
  existingCluster,
  listedPods,
  objectsOf,
  type Existing,
} from './existing.js';

const FIX = path.resolve('test/fixtures/pods');
/** Seed 000 without its own `privileged` policy: kubestrap brings its built-in one. */
const SEED_000 = readFileSync(`${FIX}/seed-000.yaml`, 'utf8')
  .split(/^---$/m)
  .filter((d) => !/kind: PodSecurityPolicy\nmetadata:\n  name: privileged\n/.test(d))
  .join('---');

async function seedCluster(opts: Parameters<typeof existingCluster>[0] = {}): Promise<Existing> {
  const c = await existingCluster({ timing: { apiServerRestartMs: 200 }, ...opts });
  await c.apply(DEMO);
  await c.apply(SEED_000);
  await c.apply(readFileSync(`${FIX}/privileged-pod.yaml`, 'utf8'));
  await c.apply(readFileSync(`${FIX}/plain-pod.yaml`, 'utf8'));
  return c;
}

test('enabling without a usable policy for a running pod is refused, naming exactly that pod; nothing changes', async (t) => {
  const c = await seedCluster();
  t.teardown(() => c.node.cleanup());
  const before = readFileSync(c.manifestPath, 'utf8');
  const cm = clusterConfiguration(c);
  const mark = c.mark();
  const r = await c.kubestrap(['admission', 'enable', '--yes']);
  t.is(r.exitCode, 1, r.stderr);
  t.regex(r.stderr, /^refusing: with PodSecurityPolicy admission on, 1 running pod or workload would be refused:$/m);
  t.deepEqual(listedPods(r.stderr), ['Pod demo/privileged']);
  t.regex(
    r.stderr,
    /^ {6}spec\.containers\[0\]\.securityContext\.privileged: Invalid value: true: Privileged containers are not allowed$/m,
  );
  t.regex(r.stderr, /kubestrap policy bind --namespace NS --all-serviceaccounts --policy P/);
  t.is(readFileSync(c.manifestPath, 'utf8'), before);
  t.is(clusterConfiguration(c), cm);
  t.deepEqual(changesMade(c.callsSince(mark)), []);
});

test('--dry-run prints the objects, the manifest diff and the ClusterConfiguration diff, and changes nothing', async (t) => {
  const c = await seedCluster();
  t.teardown(() => c.node.cleanup());
  await c.kubestrap(['policy', 'bind', '-n', 'demo', '--serviceaccount', 'app', '--policy', 'privileged', '--yes']);
  const before = readFileSync(c.manifestPath, 'utf8');
  const mark = c.mark();
  const r = await c.kubestrap(['admission', 'enable', '--dry-run']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^kubestrap admission enable would make these changes \(--dry-run: nothing was changed\):$/m);
  t.regex(r.stdout, /^ {2}apply podsecuritypolicy\/restricted: the default policy restricted$/m);
  t.regex(r.stdout, /^ {2}apply clusterrolebinding\/psp:restricted: /m);
  t.regex(r.stdout, /^ {2}apply rolebinding\/psp:privileged -n kube-system: the nodes \(mirror pods\)/m);
  t.regex(r.stdout, /^ {6}-\s+- '--enable-admission-plugins=NodeRestriction'$/m);
  t.regex(r.stdout, /^ {6}\+\s+- '--enable-admission-plugins=NodeRestriction,PodSecurityPolicy'$/m);
  t.regex(r.stdout, /^ {6}\+ {4}enable-admission-plugins: NodeRestriction,PodSecurityPolicy$/m);
  t.is(readFileSync(c.manifestPath, 'utf8'), before);
  t.deepEqual(changesMade(c.callsSince(mark)), []);
  t.false(existsSync(c.node.at('/var/lib/kubestrap/backups')));
});

test('with usable policies: enable turns PodSecurityPolicy on, verifies it, records it in kubeadm-config; disable reverses it', async (t) => {
  const c = await seedCluster();
  t.teardown(() => c.node.cleanup());
  const original = readFileSync(c.manifestPath, 'utf8');
  const bind = await c.kubestrap([
    'policy',
    'bind',
    '-n',
    'demo',
    '--serviceaccount',
    'app',
    '--policy',
    'privileged',
    '--yes',
  ]);
  t.is(bind.exitCode, 0, bind.stderr);
  const r = await c.kubestrap(['admission', 'enable', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout.trim().split('\n').at(-1), 'PodSecurityPolicy admission is on (verified on kube-apiserver-cp).');
  t.regex(
    r.stderr,
    /→ backed up \/etc\/kubernetes\/manifests\/kube-apiserver\.yaml to \/var\/lib\/kubestrap\/backups\/kube-apiserver\.yaml\.\d{8}T\d{6}\.\d{3}Z/,
  );
  t.regex(r.stderr, /→ verified: the API server's mirror pod was admitted by the policy privileged/);
  t.regex(r.stderr, /→ updated the ClusterConfiguration in kube-system\/kubeadm-config/);
  // The cluster runs with the plugin; the backup is the old manifest, outside the kubelet's directory.
  const s = c.node.state().cluster!;
  t.true(s.psp);
  t.deepEqual(s.admissionPlugins, ['NodeRestriction', 'PodSecurityPolicy']);
  const backups = readdirSync(c.node.at('/var/lib/kubestrap/backups'));
  t.is(
    readFileSync(
      c.node.at(`/var/lib/kubestrap/backups/${backups.find((b) => b.startsWith('kube-apiserver.yaml.'))}`),
      'utf8',
    ),
    original,
  );
  t.deepEqual(readdirSync(c.node.at('/etc/kubernetes/manifests')).sort(), [
    'etcd.yaml',
    'kube-apiserver.yaml',
    'kube-controller-manager.yaml',
    'kube-scheduler.yaml',
  ]);
  t.regex(clusterConfiguration(c), /enable-admission-plugins: NodeRestriction,PodSecurityPolicy\n/);
  t.is(
    objectsOf(c, 'Pod').find((p) => p.metadata.name === 'kube-apiserver-cp').metadata.annotations['kubernetes.io/psp'],
    'privileged',
  );

  const status = await c.kubestrap(['admission', 'status']);
  t.is(status.exitCode, 0, status.stdout);
  t.regex(status.stdout, /^Kubernetes v1\.24\.17: PodSecurityPolicy admission is on$/m);
  t.regex(status.stdout, /^The manifest, the running API server and the kubeadm ConfigMap agree\.$/m);
  const again = await c.kubestrap(['admission', 'enable', '--yes']);
  t.is(again.exitCode, 0);
  t.regex(
    again.stdout,
    /PodSecurityPolicy admission is already on here, and the kubeadm ConfigMap agrees: nothing to change\./,
  );

  const off = await c.kubestrap(['admission', 'disable', '--yes']);
  t.is(off.exitCode, 0, off.stderr);
  t.regex(off.stdout, /PodSecurityPolicy admission is off \(verified on kube-apiserver-cp\)\./);
  t.is(readFileSync(c.manifestPath, 'utf8'), original);
  t.false(c.node.state().cluster!.psp);
  t.regex(clusterConfiguration(c), /enable-admission-plugins: NodeRestriction\n/);
  // The policies stay, unused.
  t.true(objectsOf(c, 'PodSecurityPolicy').some((p) => p.metadata.name === 'restricted'));
  const json = JSON.parse((await c.kubestrap(['admission', 'status', '-o', 'json'])).stdout);
  t.like(json, { kubernetesVersion: 'v1.24.17', mode: 'psp', on: false, agree: true, disagreements: [] });
  t.is(json.sources.length, 3);
});

test('--force enables it anyway, keeping every plugin the manifest already lists', async (t) => {
  const c = await seedCluster({ apiServerArgs: { 'enable-admission-plugins': 'NodeRestriction,AlwaysPullImages' } });
  t.teardown(() => c.node.cleanup());
  const r = await c.kubestrap(['admission', 'enable', '--yes', '--force']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /^warning: with PodSecurityPolicy admission on, 1 running pod or workload would be refused:$/m);
  t.deepEqual(listedPods(r.stderr), ['Pod demo/privileged']);
  t.true(
    readFileSync(c.manifestPath, 'utf8').includes(
      "'--enable-admission-plugins=NodeRestriction,AlwaysPullImages,PodSecurityPolicy'",
    ),
  );
  t.deepEqual(c.node.state().cluster!.admissionPlugins, ['NodeRestriction', 'AlwaysPullImages', 'PodSecurityPolicy']);
  t.regex(clusterConfiguration(c), /enable-admission-plugins: NodeRestriction,AlwaysPullImages,PodSecurityPolicy\n/);
  // The running pod keeps running; only a re-created one would be refused.
  t.true(objectsOf(c, 'Pod').some((p) => p.metadata.name === 'privileged'));
});

test('an API server that does not come back is rolled back to the backup, and says so', async (t) => {
  const c = await seedCluster({ faults: [{ action: 'apiServerCrash', count: 1, reason: 'Error: simulated crash' }] });
  t.teardown(() => c.node.cleanup());
  await c.kubestrap(['policy', 'bind', '-n', 'demo', '--serviceaccount', 'app', '--policy', 'privileged', '--yes']);
  const before = readFileSync(c.manifestPath, 'utf8');
  const cm = clusterConfiguration(c);
  // Generous: the crashed API server never comes back, so the first wait runs out whatever
  // its length; the restored one must come back within the second, even on a loaded machine.
  const r = await c.kubestrap(['admission', 'enable', '--yes', '--wait-seconds', '20']);
  t.is(r.exitCode, 1, r.stderr);
  t.regex(
    r.stderr,
    /→ the API server did not come back within 20s: restoring \/var\/lib\/kubestrap\/backups\/kube-apiserver\.yaml\./,
  );
  t.regex(
    r.stderr,
    /^the API server did not come back healthy within 20s with the new configuration; kubestrap restored the backup \/var\/lib\/kubestrap\/backups\/kube-apiserver\.yaml\.\S+ to \/etc\/kubernetes\/manifests\/kube-apiserver\.yaml and the API server runs the previous configuration again; the kubeadm ConfigMap was not changed\./m,
  );
  t.is(readFileSync(c.manifestPath, 'utf8'), before);
  t.is(clusterConfiguration(c), cm);
  t.false(c.node.state().cluster!.psp);
  t.is(c.node.state().cluster!.apiServer?.state, 'running');
  const status = await c.kubestrap(['admission', 'status']);
  t.is(status.exitCode, 0);
  t.regex(status.stdout, /PodSecurityPolicy admission is off/);
});

test('status finds the manifest and the kubeadm ConfigMap disagreeing; enable brings the ConfigMap in line without a restart', async (t) => {
  const c = await seedCluster();
  t.teardown(() => c.node.cleanup());
  await c.kubestrap(['policy', 'bind', '-n', 'demo', '--serviceaccount', 'app', '--policy', 'privileged', '--yes']);
  // Someone edited the manifest by hand, as the seed article does.
  writeFileSync(
    c.manifestPath,
    readFileSync(c.manifestPath, 'utf8').replace(
      "'--enable-admission-plugins=NodeRestriction'",
      "'--enable-admission-plugins=NodeRestriction,PodSecurityPolicy'",
    ),
  );
  const away = await c.kubestrap(['admission', 'status']);
  t.is(away.exitCode, 1);
  t.regex(away.stdout, /Cannot compare: the API server does not answer/);
  await c.apiServerUp();
  const status = await c.kubestrap(['admission', 'status']);
  t.is(status.exitCode, 1, status.stdout + status.stderr);
  t.regex(status.stdout, /^They disagree:$/m);
  t.regex(
    status.stdout,
    /--enable-admission-plugins: \/etc\/kubernetes\/manifests\/kube-apiserver\.yaml has NodeRestriction,PodSecurityPolicy, kube-system\/kubeadm-config ClusterConfiguration has NodeRestriction/,
  );
  const json = JSON.parse((await c.kubestrap(['admission', 'status', '-o', 'json'])).stdout);
  t.false(json.agree);

  const fix = await c.kubestrap(['admission', 'enable', '--yes']);
  t.is(fix.exitCode, 0, fix.stderr);
  t.notRegex(fix.stderr, /backed up \/etc\/kubernetes\/manifests/);
  t.regex(clusterConfiguration(c), /enable-admission-plugins: NodeRestriction,PodSecurityPolicy\n/);
  const after = await c.kubestrap(['admission', 'status']);
  t.is(after.exitCode, 0, after.stdout);
});

test('input errors exit 2 and name the flag; no terminal and no --yes is exit 2 too', async (t) => {
  const c = await seedCluster();
  t.teardown(() => c.node.cleanup());
  await c.kubestrap(['policy', 'bind', '-n', 'demo', '--serviceaccount', 'app', '--policy', 'privileged', '--yes']);
  const bad = await c.kubestrap(['admission', 'enable', '--level', 'strict']);
  t.is(bad.exitCode, 2);
  t.is(bad.stderr, 'error: --level: must be restricted, baseline or privileged, not "strict"');
  const wait = await c.kubestrap(['admission', 'enable', '--wait-seconds', 'soon']);
  t.is(wait.exitCode, 2);
  t.regex(wait.stderr, /^error: --wait-seconds: /);
  const action = await c.kubestrap(['admission', 'toggle']);
  t.is(action.exitCode, 2);
  const ask = await c.kubestrap(['admission', 'enable']);
  t.is(ask.exitCode, 2, ask.stderr);
  t.regex(
    ask.stderr,
    /error: Turn on PodSecurityPolicy admission and restart the API server: pass --yes to confirm when not on a terminal \(or --dry-run to only see the changes\)/,
  );
  t.false(c.node.state().cluster!.psp);
  // Pod Security admission is beta on 1.24: --mode pss audits against restricted, and the demo pods fail it.
  const pss = await c.kubestrap(['admission', 'enable', '--mode', 'pss', '--dry-run']);
  t.is(pss.exitCode, 1, pss.stderr);
  t.deepEqual(listedPods(pss.stderr), ['Pod demo/plain', 'Pod demo/privileged']);
  t.regex(pss.stdout, /apiVersion: "pod-security\.admission\.config\.k8s\.io\/v1beta1"/);
  const gone = await c.kubestrap(['audit', '--mode', 'psp', '--kubeconfig', '/nope']);
  t.is(gone.exitCode, 2);
  t.is(gone.stderr, 'error: /nope: --kubeconfig: no such kubeconfig');
});
