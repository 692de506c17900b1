/**
 * `kubestrap admission` in Pod Security Standards mode on a running 1.31 kubeadm
 * cluster: the PodSecurity admission configuration (file, flag, mount, kubeadm
 * ClusterConfiguration), or namespace labels only.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { changesMade, clusterConfiguration, DEMO, existingCluster, listedPods, objectsOf } from './existing.js';

const FIX = path.resolve('test/fixtures/pods');
const CONFIG = '/etc/kubernetes/pod-security/admission-config.yaml';

test('PSS on 1.31: refused while a pod would violate the default; then the configuration file, flag and mount, verified; disable reverses', async (t) => {
  const c = await existingCluster({ kubernetesVersion: 'v1.31.4', timing: { apiServerRestartMs: 200 } });
  t.teardown(() => c.node.cleanup());
  await c.apply(DEMO);
  await c.apply(readFileSync(`${FIX}/privileged-pod.yaml`, 'utf8'));
  const original = readFileSync(c.manifestPath, 'utf8');

  const audit = await c.kubestrap(['audit', '--if', 'enable']);
  t.is(audit.exitCode, 1);
  t.regex(
    audit.stdout,
    /^ {2}demo: enforce privileged:latest \(default\), its pod meets privileged; after: enforce restricted:v1\.31 \(default\)$/m,
  );
  t.regex(audit.stdout, /^Pod demo\/privileged \(sa app\): now meets privileged:latest; after: REFUSED$/m);

  const refused = await c.kubestrap(['admission', 'enable', '--yes']);
  t.is(refused.exitCode, 1);
  t.deepEqual(listedPods(refused.stderr), ['Pod demo/privileged']);
  t.false(existsSync(c.node.at(CONFIG)));

  // The namespace gets the level its pods meet (a label), then the cluster default can be restricted.
  const bind = await c.kubestrap([
    'policy',
    'bind',
    '-n',
    'demo',
    '--all-serviceaccounts',
    '--policy',
    'privileged',
    '--yes',
  ]);
  t.is(bind.exitCode, 0, bind.stderr);
  const r = await c.kubestrap(['admission', 'enable', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /→ verified: a privileged pod in default is refused \(violates PodSecurity "restricted:v1\.31"\)/);
  const conf = load(readFileSync(c.node.at(CONFIG), 'utf8')) as any;
  t.like(conf.plugins[0].configuration.defaults, { enforce: 'restricted', 'enforce-version': 'v1.31' });
  t.deepEqual(conf.plugins[0].configuration.exemptions.namespaces, ['kube-system', 'kube-flannel']);
  const manifest = load(readFileSync(c.manifestPath, 'utf8')) as any;
  t.true(manifest.spec.containers[0].command.includes(`--admission-control-config-file=${CONFIG}`));
  t.deepEqual(
    manifest.spec.volumes.find((v: any) => v.name === 'pod-security-config'),
    { hostPath: { path: '/etc/kubernetes/pod-security', type: 'DirectoryOrCreate' }, name: 'pod-security-config' },
  );
  t.regex(manifest.metadata.annotations['kubestrap.io/pod-security-config-sha256'], /^[0-9a-f]{64}$/);
  const cc = load(clusterConfiguration(c)) as any;
  t.deepEqual(cc.apiServer.extraArgs, [
    { name: 'enable-admission-plugins', value: 'NodeRestriction' },
    { name: 'admission-control-config-file', value: CONFIG },
  ]);
  t.like(cc.apiServer.extraVolumes[0], {
    name: 'pod-security-config',
    hostPath: '/etc/kubernetes/pod-security',
    readOnly: true,
  });
  t.is(c.node.state().cluster!.pss?.defaults.enforce, 'restricted');

  const status = await c.kubestrap(['admission', 'status']);
  t.is(status.exitCode, 0, status.stdout);
  t.regex(
    status.stdout,
    /^Kubernetes v1\.31\.4: Pod Security admission configuration is on \(\/etc\/kubernetes\/pod-security\/admission-config\.yaml\)$/m,
  );
  t.regex(status.stdout, /^ {2}cluster default: enforce restricted:v1\.31 .*; exempt: kube-system, kube-flannel$/m);
  t.regex(status.stdout, /^ {2}namespace demo: enforce privileged:v1\.31 \(label\)$/m);

  // A new level rewrites the file and restarts the API server (its manifest annotation changes with the file).
  const baseline = await c.kubestrap(['admission', 'enable', '--level', 'baseline', '--yes']);
  t.is(baseline.exitCode, 0, baseline.stderr);
  t.is(c.node.state().cluster!.pss?.defaults.enforce, 'baseline');
  t.regex(baseline.stderr, /→ backed up \/etc\/kubernetes\/pod-security\/admission-config\.yaml to /);

  const off = await c.kubestrap(['admission', 'disable', '--yes']);
  t.is(off.exitCode, 0, off.stderr);
  t.is(readFileSync(c.manifestPath, 'utf8'), original);
  t.is(c.node.state().cluster!.pss, null);
  t.notRegex(clusterConfiguration(c), /admission-control-config-file|pod-security-config/);
});

test('PSS with --scope namespaces: labels each unlabelled namespace, no restart; disable takes only those labels away', async (t) => {
  const c = await existingCluster({ kubernetesVersion: 'v1.31.4' });
  t.teardown(() => c.node.cleanup());
  await c.apply(DEMO);
  await c.apply(
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n  labels: {pod-security.kubernetes.io/enforce: privileged}\n',
  );
  const before = readFileSync(c.manifestPath, 'utf8');
  const dry = await c.kubestrap(['admission', 'enable', '--scope', 'namespaces', '--level', 'baseline', '--dry-run']);
  t.is(dry.exitCode, 0, dry.stderr);
  t.regex(
    dry.stdout,
    /^ {2}label namespace\/demo pod-security\.kubernetes\.io\/enforce=baseline pod-security\.kubernetes\.io\/enforce-version=v1\.31 .* kubestrap\.io\/pod-security=admission: no enforce level yet: baseline$/m,
  );
  t.notRegex(dry.stdout, /namespace\/(legacy|kube-system)/);
  const mark = c.mark();
  const r = await c.kubestrap(['admission', 'enable', '--scope', 'namespaces', '--level', 'baseline', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /Pod Security levels set to baseline on 4 namespaces\./);
  t.is(readFileSync(c.manifestPath, 'utf8'), before);
  t.true(changesMade(c.callsSince(mark)).every((x) => / label --overwrite namespace /.test(x)));
  const level = (n: string) =>
    objectsOf(c, 'Namespace').find((o) => o.metadata.name === n).metadata.labels['pod-security.kubernetes.io/enforce'];
  t.is(level('demo'), 'baseline');
  t.is(level('legacy'), 'privileged');
  t.is(level('kube-system'), undefined);
  const off = await c.kubestrap(['admission', 'disable', '--scope', 'namespaces', '--yes']);
  t.is(off.exitCode, 0, off.stderr);
  t.is(level('demo'), undefined);
  t.is(level('legacy'), 'privileged');
});
