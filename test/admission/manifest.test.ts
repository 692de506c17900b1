/**
 * The API server's static pod manifest and the kubeadm ClusterConfiguration,
 * edited structurally: only the changed lines differ, every other plugin
 * (NodeRestriction included) stays, and broken input names the file and line.
 */
import test from 'ava';
import { ApiServerManifest } from '../../src/admission/manifest.js';
import { ClusterConfiguration } from '../../src/admission/kubeadm-config.js';
import { UserError } from '../../src/errors.js';
import { unifiedDiff } from '../../src/changes/text-diff.js';

/** kubeadm's own layout (Go yaml: `- ` at the key's indentation, plain scalars). */
const KUBEADM = `apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: 10.0.2.15:6443
  creationTimestamp: null
  labels:
    component: kube-apiserver
    tier: control-plane
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=10.0.2.15
    - --allow-privileged=true
    - --authorization-mode=Node,RBAC
    - --enable-admission-plugins=NodeRestriction,EventRateLimit
    - --etcd-servers=https://127.0.0.1:2379
    image: registry.k8s.io/kube-apiserver:v1.24.17
    name: kube-apiserver
    volumeMounts:
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true
  hostNetwork: true
  # the control plane's own pod
  priorityClassName: system-node-critical
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki
      type: DirectoryOrCreate
    name: k8s-certs
status: {}
`;

function plugins(m: ApiServerManifest): string | undefined {
  return m.flag('enable-admission-plugins');
}

test('an unchanged manifest is written back byte for byte (kubeadm layout, comments kept)', (t) => {
  const m = ApiServerManifest.parse(KUBEADM, 'kube-apiserver.yaml');
  t.is(m.toString(), KUBEADM);
  t.is(m.imageVersion(), 'v1.24.17');
  t.deepEqual(m.argv().slice(0, 2), ['kube-apiserver', '--advertise-address=10.0.2.15']);
});

test('adding PodSecurityPolicy keeps every other plugin and changes exactly one line', (t) => {
  const m = ApiServerManifest.parse(KUBEADM, 'kube-apiserver.yaml');
  m.setFlag('enable-admission-plugins', `${plugins(m)},PodSecurityPolicy`);
  const out = m.toString();
  t.is(plugins(ApiServerManifest.parse(out, 'x')), 'NodeRestriction,EventRateLimit,PodSecurityPolicy');
  const diff = unifiedDiff(KUBEADM, out, 'a', 'b');
  t.deepEqual(
    diff.split('\n').filter((l) => /^[-+][^-+]/.test(l)),
    [
      '-    - --enable-admission-plugins=NodeRestriction,EventRateLimit',
      '+    - --enable-admission-plugins=NodeRestriction,EventRateLimit,PodSecurityPolicy',
    ],
  );
});

test('a new flag goes in name order, a removed one leaves no trace, and the `--name value` form is understood', (t) => {
  const m = ApiServerManifest.parse(KUBEADM, 'x');
  m.setFlag('admission-control-config-file', '/etc/kubernetes/pod-security/admission-config.yaml');
  t.is(m.argv()[1], '--admission-control-config-file=/etc/kubernetes/pod-security/admission-config.yaml');
  m.setFlag('admission-control-config-file', undefined);
  t.is(m.toString(), KUBEADM);

  const split = KUBEADM.replace(
    '    - --enable-admission-plugins=NodeRestriction,EventRateLimit\n',
    '    - --enable-admission-plugins\n    - NodeRestriction\n',
  );
  const s = ApiServerManifest.parse(split, 'x');
  t.is(plugins(s), 'NodeRestriction');
  s.setFlag('enable-admission-plugins', 'NodeRestriction,PodSecurityPolicy');
  t.true(s.argv().includes('--enable-admission-plugins=NodeRestriction,PodSecurityPolicy'));
  t.false(s.argv().includes('NodeRestriction'));
});

test('a hostPath volume and its mount are added in name order and removed again', (t) => {
  const m = ApiServerManifest.parse(KUBEADM, 'x');
  m.setVolume({
    name: 'pod-security-config',
    hostPath: '/etc/kubernetes/pod-security',
    mountPath: '/etc/kubernetes/pod-security',
    readOnly: true,
    type: 'DirectoryOrCreate',
  });
  t.deepEqual(
    m.volumes().map((v) => v.name),
    ['k8s-certs', 'pod-security-config'],
  );
  const js = m.toJS() as any;
  t.deepEqual(js.spec.containers[0].volumeMounts[1], {
    mountPath: '/etc/kubernetes/pod-security',
    name: 'pod-security-config',
    readOnly: true,
  });
  t.deepEqual(js.spec.volumes[1], {
    hostPath: { path: '/etc/kubernetes/pod-security', type: 'DirectoryOrCreate' },
    name: 'pod-security-config',
  });
  m.removeVolume('pod-security-config');
  t.is(m.toString(), KUBEADM);
});

test('annotations of the static pod are set and removed', (t) => {
  const m = ApiServerManifest.parse(KUBEADM, 'x');
  m.setAnnotation('kubestrap.io/pod-security-config-sha256', 'abc');
  t.is(m.annotations()['kubestrap.io/pod-security-config-sha256'], 'abc');
  m.setAnnotation('kubestrap.io/pod-security-config-sha256', undefined);
  t.is(m.toString(), KUBEADM);
});

test('a manifest with indented sequences (other tools, the simulated node) also round-trips', (t) => {
  const indented = `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
spec:
  containers:
    - command:
        - kube-apiserver
        - '--enable-admission-plugins=NodeRestriction'
      name: kube-apiserver
`;
  const m = ApiServerManifest.parse(indented, 'x');
  t.is(m.toString(), indented);
  m.setFlag('enable-admission-plugins', 'NodeRestriction,PodSecurityPolicy');
  t.true(m.toString().includes("        - '--enable-admission-plugins=NodeRestriction,PodSecurityPolicy'\n"));
});

test('broken input names the file, line and field', (t) => {
  const bad = t.throws(
    () =>
      ApiServerManifest.parse(
        'apiVersion: v1\nspec:\n  containers: [\n',
        '/etc/kubernetes/manifests/kube-apiserver.yaml',
      ),
    { instanceOf: UserError },
  );
  t.regex(bad.toString(), /^\/etc\/kubernetes\/manifests\/kube-apiserver\.yaml:\d+:\d+: invalid YAML/);
  const dup = t.throws(() => ApiServerManifest.parse('a: 1\na: 2\n', 'm.yaml'), { instanceOf: UserError });
  t.regex(dup.toString(), /^m\.yaml:2:1: /);
  const none = t.throws(() => ApiServerManifest.parse('apiVersion: v1\nkind: Pod\nspec: {}\n', 'm.yaml'), {
    instanceOf: UserError,
  });
  t.is(none.toString(), 'm.yaml: spec.containers: no kube-apiserver container in spec.containers');
});

// ------------------------------------------------------------------ ClusterConfiguration

const V1BETA3 = `apiServer:
  extraArgs:
    enable-admission-plugins: NodeRestriction
  timeoutForControlPlane: 4m0s
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: v1.24.17
`;

const V1BETA4 = `apiServer:
  extraArgs:
  - name: enable-admission-plugins
    value: NodeRestriction
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.4
`;

test('ClusterConfiguration v1beta3: extraArgs is a map', (t) => {
  const c = ClusterConfiguration.parse(V1BETA3, 'cm');
  t.is(c.apiVersion(), 'v1beta3');
  t.deepEqual(c.extraArgs(), { 'enable-admission-plugins': 'NodeRestriction' });
  c.setExtraArg('enable-admission-plugins', 'NodeRestriction,PodSecurityPolicy');
  t.is(c.toString(), V1BETA3.replace('NodeRestriction\n', 'NodeRestriction,PodSecurityPolicy\n'));
  c.setExtraArg('enable-admission-plugins', 'NodeRestriction');
  t.is(c.toString(), V1BETA3);
});

test('ClusterConfiguration v1beta4: extraArgs is a list of name/value pairs; volumes come and go', (t) => {
  const c = ClusterConfiguration.parse(V1BETA4, 'cm');
  c.setExtraArg('admission-control-config-file', '/etc/kubernetes/pod-security/admission-config.yaml');
  c.setExtraVolume({
    name: 'pod-security-config',
    hostPath: '/etc/kubernetes/pod-security',
    mountPath: '/etc/kubernetes/pod-security',
    readOnly: true,
    type: 'DirectoryOrCreate',
  });
  const again = ClusterConfiguration.parse(c.toString(), 'cm');
  t.deepEqual(again.extraArgs(), {
    'enable-admission-plugins': 'NodeRestriction',
    'admission-control-config-file': '/etc/kubernetes/pod-security/admission-config.yaml',
  });
  t.deepEqual(again.extraVolumes(), [
    {
      name: 'pod-security-config',
      hostPath: '/etc/kubernetes/pod-security',
      mountPath: '/etc/kubernetes/pod-security',
      readOnly: true,
      type: 'DirectoryOrCreate',
    },
  ]);
  t.regex(
    c.toString(),
    /  - name: admission-control-config-file\n    value: \/etc\/kubernetes\/pod-security\/admission-config.yaml\n/,
  );
  c.setExtraArg('admission-control-config-file', undefined);
  c.setExtraVolume({ name: 'pod-security-config', remove: true });
  t.is(c.toString(), V1BETA4);
});

test('ClusterConfiguration of 1.11-1.12 (v1alpha2/3) keeps API server settings at the top level', (t) => {
  const c = ClusterConfiguration.parse(
    'apiServerExtraArgs:\n  enable-admission-plugins: NodeRestriction\napiVersion: kubeadm.k8s.io/v1alpha2\nkind: MasterConfiguration\n',
    'cm',
  );
  c.setExtraArg('enable-admission-plugins', 'NodeRestriction,PodSecurityPolicy');
  c.setExtraVolume({ name: 'v', hostPath: '/a', mountPath: '/a', readOnly: true });
  const js = ClusterConfiguration.parse(c.toString(), 'cm');
  t.deepEqual(js.extraArgs(), { 'enable-admission-plugins': 'NodeRestriction,PodSecurityPolicy' });
  t.true(c.toString().includes('writable: false'));
});

test('values written into the ClusterConfiguration stay strings for Go (YAML 1.1 words, 0b and 1_000 numbers quoted)', (t) => {
  const c = ClusterConfiguration.parse(V1BETA3, 'cm');
  const values = { a: '1e5', b: 'on', c: '0b101', d: '1_000', e: 'NodeRestriction,PodSecurityPolicy' };
  for (const [k, v] of Object.entries(values)) c.setExtraArg(k, v);
  const text = c.toString();
  for (const k of ['a', 'b', 'c', 'd']) t.regex(text, new RegExp(`\\n    ${k}: "`), k);
  t.regex(text, /\n    e: NodeRestriction,PodSecurityPolicy\n/, 'a plain flag list keeps its look');
});
