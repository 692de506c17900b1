/**
 * The API server as the kubelet runs it from its static pod manifest: a changed
 * manifest restarts it (away meanwhile, with kubectl's real connection-refused
 * texts), it comes back with the admission plugins and PodSecurity configuration
 * of the new flags and its mirror pod goes through that admission again; a
 * manifest it cannot start with (or a fault) keeps it down. Plus the kubectl
 * calls the existing-cluster commands make: replace, label, get --ignore-not-found.
 */
import fs from 'node:fs';
import test from 'ava';
import yaml from 'js-yaml';
import { readyNode, initFromGolden, kubectl } from './harness.js';
import type { SimNode } from './install.js';

const MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function editManifest(node: SimNode, fn: (text: string) => string): string {
  const file = node.at(MANIFEST);
  const before = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, fn(before));
  return before;
}

async function backUp(node: SimNode): Promise<void> {
  await until('the API server', async () =>
    (await kubectl(node, ['get', '--raw', '/readyz'])).exitCode === 0 ? true : undefined,
  );
}

function mirror(node: SimNode): any {
  return Object.values(node.state().cluster!.objects).find(
    (o: any) => o.kind === 'Pod' && o.metadata.name.startsWith('kube-apiserver-'),
  );
}

test('a changed manifest restarts the API server: refused meanwhile, then back with the new plugins and a re-admitted mirror pod', async (t) => {
  const node = await readyNode({ timing: { apiServerRestartMs: 300 } });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, 'v1.24.17');
  t.true(node.state().cluster!.psp);
  t.is(node.state().cluster!.apiServer?.state, 'running');
  editManifest(node, (s) =>
    s.replace(
      '--enable-admission-plugins=NodeRestriction,PodSecurityPolicy',
      '--enable-admission-plugins=NodeRestriction',
    ),
  );
  const away = await kubectl(node, ['get', 'nodes']);
  t.is(away.exitCode, 1);
  t.regex(
    away.stderr,
    /^The connection to the server [\d.]+:6443 was refused - did you specify the right host or port\?\n$/,
  );
  t.is(node.state().cluster!.apiServer?.state, 'restarting');
  await backUp(node);
  const c = node.state().cluster!;
  t.false(c.psp);
  t.deepEqual(c.admissionPlugins, ['NodeRestriction']);
  // The kubelet created the new mirror pod through admission without PodSecurityPolicy (no kubernetes.io/psp).
  const m = mirror(node);
  t.truthy(m);
  t.true(m.spec.containers[0].command.includes('--enable-admission-plugins=NodeRestriction'));
  t.is(m.metadata.annotations['kubernetes.io/psp'], undefined);

  // And on again: with no policy at all, the kubelet's mirror pod is refused (no providers).
  editManifest(node, (s) =>
    s.replace(
      '--enable-admission-plugins=NodeRestriction',
      '--enable-admission-plugins=NodeRestriction,PodSecurityPolicy',
    ),
  );
  await backUp(node);
  t.true(node.state().cluster!.psp);
  t.is(mirror(node), undefined);
});

test('a manifest the API server cannot start with keeps it down until the manifest changes again', async (t) => {
  const node = await readyNode({ kubernetesVersion: 'v1.31.4', timing: { apiServerRestartMs: 100 } });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, 'v1.31.4');
  const before = editManifest(node, (s) =>
    s.replace(
      '--enable-admission-plugins=NodeRestriction',
      '--enable-admission-plugins=NodeRestriction,PodSecurityPolicy',
    ),
  );
  await new Promise((r) => setTimeout(r, 300));
  const down = await kubectl(node, ['get', '--raw', '/readyz']);
  t.is(down.exitCode, 1);
  t.regex(
    down.stderr,
    /memcache\.go:265\] "Unhandled Error" err="couldn't get current server API group list: .*connect: connection refused"\n/,
  );
  t.regex(
    down.stderr,
    /The connection to the server [\d.]+:6443 was refused - did you specify the right host or port\?\n$/,
  );
  t.like(node.state().cluster!.apiServer, {
    state: 'crashlooping',
    reason: 'Error: enable-admission-plugins plugin "PodSecurityPolicy" is unknown',
  });
  fs.writeFileSync(node.at(MANIFEST), before);
  await backUp(node);
  t.is(node.state().cluster!.apiServer?.state, 'running');

  // An admission configuration outside any mount: the API server cannot read it.
  editManifest(node, (s) =>
    s.replace(
      / {8}- mountPath: \/etc\/kubernetes\/pod-security\n {10}name: pod-security-config\n {10}readOnly: true\n/,
      '',
    ),
  );
  await new Promise((r) => setTimeout(r, 300));
  await kubectl(node, ['get', 'nodes']);
  t.regex(
    node.state().cluster!.apiServer?.reason ?? '',
    /unable to read admission control configuration from "\/etc\/kubernetes\/pod-security\/admission-config\.yaml"/,
  );
});

test('the apiServerCrash fault: the next restart never comes up; the one after it does', async (t) => {
  const node = await readyNode({
    timing: { apiServerRestartMs: 100 },
    faults: [{ action: 'apiServerCrash', count: 1, reason: 'Error: boom' }],
  });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, 'v1.24.17');
  const before = editManifest(node, (s) =>
    s.replace(
      '--enable-admission-plugins=NodeRestriction,PodSecurityPolicy',
      '--enable-admission-plugins=NodeRestriction',
    ),
  );
  await new Promise((r) => setTimeout(r, 300));
  t.is((await kubectl(node, ['get', 'nodes'])).exitCode, 1);
  t.like(node.state().cluster!.apiServer, { state: 'crashlooping', reason: 'Error: boom' });
  fs.writeFileSync(node.at(MANIFEST), before);
  await backUp(node);
  t.true(node.state().cluster!.psp);
});

test('the PodSecurity configuration comes from the flag and mount of the manifest', async (t) => {
  const node = await readyNode({ kubernetesVersion: 'v1.31.4', timing: { apiServerRestartMs: 100 } });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, 'v1.31.4');
  t.is(node.state().cluster!.pss?.defaults.enforce, 'restricted');
  const conf = node.at('/etc/kubernetes/pod-security/admission-config.yaml');
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/enforce: "?restricted"?/, 'enforce: baseline'));
  // The file alone changes nothing: the API server reads it when it starts.
  await kubectl(node, ['get', 'nodes']);
  t.is(node.state().cluster!.pss?.defaults.enforce, 'restricted');
  editManifest(node, (s) => {
    const pod = yaml.load(s) as any;
    pod.metadata.annotations['kubestrap.io/pod-security-config-sha256'] = 'x';
    return yaml.dump(pod);
  });
  await backUp(node);
  t.is(node.state().cluster!.pss?.defaults.enforce, 'baseline');
  t.is(mirror(node).metadata.annotations['kubestrap.io/pod-security-config-sha256'], 'x');
});

test("kubeadm-config holds the ClusterConfiguration in kubeadm's API version; replace checks the resourceVersion", async (t) => {
  const node = await readyNode({ kubernetesVersion: 'v1.31.4' });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, 'v1.31.4');
  const get = await kubectl(node, [
    'get',
    'configmap',
    'kubeadm-config',
    '-n',
    'kube-system',
    '-o',
    'json',
    '--ignore-not-found',
  ]);
  const cm = JSON.parse(get.stdout);
  const cc = yaml.load(cm.data.ClusterConfiguration) as any;
  t.is(cc.apiVersion, 'kubeadm.k8s.io/v1beta4');
  t.is(cc.kind, 'ClusterConfiguration');
  t.deepEqual(cc.apiServer.extraArgs, [
    { name: 'admission-control-config-file', value: '/etc/kubernetes/pod-security/admission-config.yaml' },
  ]);
  t.is(cc.apiServer.extraVolumes[0].name, 'pod-security-config');

  cm.data.ClusterConfiguration = cm.data.ClusterConfiguration.replace('clusterName: kubernetes', 'clusterName: lab');
  const ok = await kubectl(node, ['replace', '-f', '-'], JSON.stringify(cm));
  t.is(ok.exitCode, 0, ok.stderr);
  t.is(ok.stdout, 'configmap/kubeadm-config replaced\n');
  const stale = await kubectl(node, ['replace', '-f', '-'], JSON.stringify(cm));
  t.is(stale.exitCode, 1);
  t.is(
    stale.stderr,
    'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "kubeadm-config": the object has been modified; please apply your changes to the latest version and try again\n',
  );
  const missing = await kubectl(
    node,
    ['replace', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope', namespace: 'kube-system' } }),
  );
  t.is(missing.stderr, 'Error from server (NotFound): error when replacing "STDIN": configmaps "nope" not found\n');
  // --ignore-not-found on a named object that does not exist prints nothing at all.
  const none = await kubectl(node, [
    'get',
    'configmap',
    'nope',
    '-n',
    'kube-system',
    '-o',
    'json',
    '--ignore-not-found',
  ]);
  t.deepEqual([none.exitCode, none.stdout, none.stderr], [0, '', '']);
});

test('label takes keys with a prefix, removes with a trailing dash, and overwrites only with --overwrite', async (t) => {
  const node = await readyNode({ kubernetesVersion: 'v1.31.4' });
  t.teardown(() => node.cleanup());
  await initFromGolden(node, 'v1.31.4');
  const set = await kubectl(node, [
    'label',
    '--overwrite',
    'namespace',
    'default',
    'pod-security.kubernetes.io/enforce=baseline',
    'kubestrap.io/x=y',
  ]);
  t.is(set.stdout, 'namespace/default labeled\n', set.stderr);
  const labels = () =>
    (
      Object.values(node.state().cluster!.objects).find(
        (o: any) => o.kind === 'Namespace' && o.metadata.name === 'default',
      ) as any
    ).metadata.labels;
  t.like(labels(), { 'pod-security.kubernetes.io/enforce': 'baseline', 'kubestrap.io/x': 'y' });
  const clash = await kubectl(node, ['label', 'namespace', 'default', 'kubestrap.io/x=z']);
  t.is(clash.stderr, "error: 'kubestrap.io/x' already has a value (y), and --overwrite is false\n");
  await kubectl(node, ['label', 'namespace', 'default', 'kubestrap.io/x-']);
  t.is(labels()['kubestrap.io/x'], undefined);
});
