import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { render } from '../../src/render/index.js';
import { UserError, UserErrors } from '../../src/errors.js';
import { renderText } from '../helpers/render.js';
import { scratchDir } from '../helpers/scratch.js';

type Obj = Record<string, any>;

function netConf(r: ReturnType<typeof renderText>): Obj {
  const cm = r.all('ConfigMap').find((o) => o.metadata?.name === 'kube-flannel-cfg') as Obj;
  return JSON.parse(cm.data['net-conf.json']);
}

test("flannel's Network is always kubeadm's podSubnet", (t) => {
  const r = renderText('networking: {podSubnet: 10.32.0.0/12, serviceSubnet: 10.96.0.0/16}\n');
  t.is(netConf(r).Network, '10.32.0.0/12');
  const cluster = r.file('kubeadm-config.yaml').objects.find((o) => o.kind === 'ClusterConfiguration') as Obj;
  t.is(cluster.networking.podSubnet, netConf(r).Network);
});

test('the backend is always written (flannel falls back to udp without one)', (t) => {
  t.deepEqual(netConf(renderText('')).Backend, { Type: 'vxlan' });
  t.deepEqual(netConf(renderText('cni: {backend: host-gw}\n')).Backend, { Type: 'host-gw' });
});

test('cni.iface becomes --iface for flanneld (Vagrant private network)', (t) => {
  const ds = renderText('cni: {iface: eth1}\n').find('DaemonSet', 'kube-flannel-ds') as Obj;
  t.deepEqual(ds.spec.template.spec.containers[0].args, [
    '--ip-masq',
    '--kube-subnet-mgr',
    '--healthz-port=8081',
    '--iface=eth1',
  ]);
});

test('images are pinned to the flannel release', (t) => {
  const spec = (renderText('').find('DaemonSet', 'kube-flannel-ds') as Obj).spec.template.spec;
  t.is(spec.containers[0].image, 'ghcr.io/flannel-io/flannel:v0.28.9');
  t.is(spec.initContainers[0].image, 'ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3');
});

test('flannel runs in kube-system before 1.17 (system-node-critical outside kube-system is refused there)', (t) => {
  const old = renderText('kubernetesVersion: v1.16.15\npodSecurity: {privilegedNamespaces: [kube-system]}\n');
  t.is((old.find('DaemonSet', 'kube-flannel-ds') as Obj).metadata.namespace, 'kube-system');
  t.falsy(old.find('Namespace', 'kube-flannel'));
  const cur = renderText('kubernetesVersion: v1.17.17\n');
  t.is((cur.find('DaemonSet', 'kube-flannel-ds') as Obj).metadata.namespace, 'kube-flannel');
});

test('the node OS label flannel selects on exists on the minor (beta label before 1.14)', (t) => {
  const key = (v: string) =>
    (renderText(`kubernetesVersion: ${v}\n`).find('DaemonSet', 'kube-flannel-ds') as Obj).spec.template.spec.affinity
      .nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key;
  t.is(key('v1.13.12'), 'beta.kubernetes.io/os');
  t.is(key('v1.14.10'), 'kubernetes.io/os');
});

function withManifest(manifest: string, podSubnet = '10.244.0.0/16') {
  const dir = scratchDir('ks-cni');
  writeFileSync(path.join(dir, 'flannel.yaml'), manifest);
  return render(
    parseConfig(`networking: {podSubnet: ${podSubnet}}\ncni: {manifest: flannel.yaml}\n`, 'cluster.yaml', dir),
  );
}

const CUSTOM = (network: string, ns = 'kube-flannel') => `apiVersion: v1
kind: ConfigMap
metadata: {name: kube-flannel-cfg, namespace: ${ns}}
data:
  net-conf.json: |
    {"Network": "${network}", "Backend": {"Type": "vxlan"}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-flannel-ds, namespace: ${ns}}
spec: {}
`;

test('a local manifest is used as is, with a warning when its Network differs from podSubnet', (t) => {
  const same = withManifest(CUSTOM('10.244.0.0/16'));
  t.deepEqual(same.warnings, []);
  t.is(same.artifacts.find((a) => a.step === 'cni')!.text, CUSTOM('10.244.0.0/16'));
  const diff = withManifest(CUSTOM('10.1.0.0/16'));
  t.is(diff.warnings.length, 1);
  t.regex(
    diff.warnings[0],
    /net-conf\.json Network is "10\.1\.0\.0\/16" but networking\.podSubnet is 10\.244\.0\.0\/16/,
  );
});

test('a local manifest whose DaemonSet runs outside the privileged namespaces is flagged', (t) => {
  const r = withManifest(CUSTOM('10.244.0.0/16', 'cni'));
  t.true(
    r.warnings.some((w) =>
      /DaemonSet kube-flannel-ds runs in namespace cni, which is not in podSecurity.privilegedNamespaces/.test(w),
    ),
  );
});

test('a missing local manifest is an error naming the field', (t) => {
  const dir = scratchDir('ks-cni', t);
  const cfg = parseConfig('cni: {manifest: nope.yaml}\n', 'cluster.yaml', dir);
  const err = t.throws(() => render(cfg), { instanceOf: UserError });
  t.regex(err!.toString(), /^cluster\.yaml: cni\.manifest: file not found: .*nope\.yaml$/);
});

test('a malformed local manifest names its file and line', (t) => {
  const err = t.throws(
    () => withManifest('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nmetadata: {name: b}\n'),
    { instanceOf: UserErrors },
  );
  t.regex(err!.errors[0].toString(), /^flannel\.yaml:4:1: duplicate key/);
});
