/**
 * kubestrap's flannel is upstream's manifest (test/fixtures/upstream, v0.28.9) except
 * where kubestrap must differ: the pod network and backend (kubeadm's podSubnet and
 * cni.backend), --iface, the namespace (kube-system before 1.17), the OS label (beta
 * before 1.14), the Namespace's pod-security labels (kubestrap's own), and the CNI
 * plugin image, pinned in versions.ts to the release manifest's tag. Anything else
 * that drifts (a probe, the install command, a label, a selector) fails here.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { FLANNEL } from '../../src/versions.js';
import { REPO_ROOT } from '../sim/install.js';
import { renderText } from '../helpers/render.js';

type Obj = Record<string, any>;

const UPSTREAM = path.join(REPO_ROOT, 'test/fixtures/upstream/kube-flannel-v0.28.9.yml');

function upstream(): Obj[] {
  return parseAllDocuments(readFileSync(UPSTREAM, 'utf8'))
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
}

const key = (o: Obj) => `${o.kind}/${o.metadata.name}`;

/** Sets the places kubestrap may differ in to what upstream has, and reports each one it changed. */
function normalise(o: Obj, like: Obj | undefined): string[] {
  const seen: string[] = [];
  const set = (what: string, get: () => unknown, put: (v: unknown) => void, to: unknown) => {
    if (JSON.stringify(get()) !== JSON.stringify(to)) seen.push(what);
    put(to);
  };
  if (!like) return seen;
  if (o.metadata.namespace !== undefined)
    set(
      'namespace',
      () => o.metadata.namespace,
      (v) => (o.metadata.namespace = v),
      like.metadata.namespace,
    );
  if (o.kind === 'Namespace') {
    set(
      'Namespace name',
      () => o.metadata.name,
      (v) => (o.metadata.name = v),
      like.metadata.name,
    );
    set(
      'Namespace labels',
      () => o.metadata.labels,
      (v) => (o.metadata.labels = v),
      like.metadata.labels,
    );
  }
  if (o.kind === 'ClusterRoleBinding')
    set(
      'subject namespace',
      () => o.subjects[0].namespace,
      (v) => (o.subjects[0].namespace = v),
      like.subjects[0].namespace,
    );
  if (o.kind === 'ConfigMap') {
    const net = JSON.parse(o.data['net-conf.json']);
    const want = JSON.parse(like.data['net-conf.json']);
    set(
      'Network',
      () => net.Network,
      (v) => (net.Network = v),
      want.Network,
    );
    set(
      'Backend',
      () => net.Backend.Type,
      (v) => (net.Backend.Type = v),
      want.Backend.Type,
    );
    // Both are JSON: compared as data, not as text.
    o.data['net-conf.json'] = net;
    like.data['net-conf.json'] = want;
    o.data['cni-conf.json'] = JSON.parse(o.data['cni-conf.json']);
    like.data['cni-conf.json'] = JSON.parse(like.data['cni-conf.json']);
  }
  if (o.kind === 'DaemonSet') {
    const spec = o.spec.template.spec;
    const want = like.spec.template.spec;
    const args: string[] = spec.containers[0].args;
    set(
      '--iface',
      () => args.filter((a) => a.startsWith('--iface')),
      () => {},
      [],
    );
    spec.containers[0].args = args.filter((a) => !a.startsWith('--iface'));
    const term = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0];
    const wantTerm = want.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0];
    set(
      'OS label',
      () => term.matchExpressions[0].key,
      (v) => (term.matchExpressions[0].key = v),
      wantTerm.matchExpressions[0].key,
    );
    set(
      'CNI plugin image',
      () => spec.initContainers[0].image,
      (v) => (spec.initContainers[0].image = v),
      want.initContainers[0].image,
    );
  }
  return seen;
}

function compare(t: import('ava').ExecutionContext, config: string, allowed: string[]) {
  const theirs = new Map(upstream().map((o) => [key(o), o]));
  const ours = renderText(config).file('02-cni.yaml').objects as Obj[];
  const differences = new Set<string>();
  for (const o of ours) {
    const mine = structuredClone(o);
    const like =
      theirs.get(key(mine)) ?? (mine.kind === 'Namespace' ? theirs.get('Namespace/kube-flannel') : undefined);
    t.truthy(like, `${key(mine)} is one of upstream's objects`);
    for (const d of normalise(mine, like)) differences.add(d);
    t.deepEqual(mine, like, `${key(mine)} matches upstream apart from the allowed differences`);
  }
  const names = ours.map(key).map((k) => (k.startsWith('Namespace/') ? 'Namespace/kube-flannel' : k));
  // In kube-system (before 1.17) there is no Namespace to create.
  if (!names.includes('Namespace/kube-flannel')) differences.add('no Namespace object');
  t.deepEqual(
    [...theirs.keys()].filter((k) => names.includes(k) || k !== 'Namespace/kube-flannel').sort(),
    names.sort(),
    'the same objects as upstream',
  );
  t.deepEqual([...differences].sort(), [...allowed].sort(), 'exactly the differences this config calls for');
}

test('flannel on 1.31 is upstream v0.28.9 with kubestrap network, backend and iface', (t) => {
  compare(
    t,
    'kubernetesVersion: v1.31.4\nnetworking: {podSubnet: 10.32.0.0/16}\ncni: {backend: host-gw, iface: eth1}\n',
    ['Namespace labels', 'Network', 'Backend', '--iface', 'CNI plugin image'],
  );
});

test('flannel on 1.24 (PSP) and 1.13: the same manifest, in kube-system and with the beta OS label where the minor needs it', (t) => {
  compare(t, 'kubernetesVersion: v1.24.17\n', ['Namespace labels', 'CNI plugin image']);
  compare(t, 'kubernetesVersion: v1.13.12\npodSecurity: {privilegedNamespaces: [kube-system]}\n', [
    'namespace',
    'subject namespace',
    'no Namespace object',
    'OS label',
    'CNI plugin image',
  ]);
});

test("the pod selector is upstream's alone, so applying over an upstream flannel is not an immutable-selector error", (t) => {
  const ds = renderText('kubernetesVersion: v1.31.4\n').find('DaemonSet', 'kube-flannel-ds') as Obj;
  const theirs = upstream().find((o) => o.kind === 'DaemonSet')!;
  t.deepEqual(ds.spec.selector, theirs.spec.selector);
  t.deepEqual(ds.spec.template.metadata.labels, theirs.spec.template.metadata.labels);
});

test("the CNI config is installed with upstream's atomic install-conf, and flanneld's health port has upstream's probes", (t) => {
  const spec = (renderText('').find('DaemonSet', 'kube-flannel-ds') as Obj).spec.template.spec;
  t.deepEqual(spec.initContainers[1].command, ['/opt/bin/install-conf']);
  t.is(spec.containers[0].readinessProbe.httpGet.path, '/readyz');
  t.is(spec.containers[0].livenessProbe.httpGet.path, '/healthz');
  t.true(spec.containers[0].args.includes('--healthz-port=8081'));
  t.is(spec.initContainers[0].image, FLANNEL.cniPluginImage);
});
