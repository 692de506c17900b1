import test from 'ava';
import { renderText } from '../helpers/render.js';

type Obj = Record<string, any>;

test('PSP mode: the API server keeps NodeRestriction and adds PodSecurityPolicy', (t) => {
  const r = renderText('kubernetesVersion: v1.24.17\n');
  const cluster = r.file('kubeadm-config.yaml').objects.find((o) => o.kind === 'ClusterConfiguration') as Obj;
  t.deepEqual(cluster.apiServer.extraArgs, { 'enable-admission-plugins': 'NodeRestriction,PodSecurityPolicy' });
});

test('PSP mode on 1.11: the seed article config, with NodeRestriction kept', (t) => {
  const r = renderText('kubernetesVersion: v1.11.3\npodSecurity: {privilegedNamespaces: [kube-system]}\n');
  const [master] = r.file('kubeadm-config.yaml').objects as Obj[];
  t.is(master.apiVersion, 'kubeadm.k8s.io/v1alpha2');
  t.is(master.kind, 'MasterConfiguration');
  t.is(master.kubernetesVersion, 'v1.11.3');
  t.deepEqual(master.apiServerExtraArgs, { 'enable-admission-plugins': 'NodeRestriction,PodSecurityPolicy' });
  t.is(master.networking.podSubnet, '10.244.0.0/16');
  t.is(master.kubeletConfiguration.baseConfig.cgroupDriver, 'systemd');
});

test('the privileged policy is granted by RoleBindings only: nodes and kube-system, and the CNI namespace', (t) => {
  const r = renderText('kubernetesVersion: v1.24.17\n');
  const crbs = r.all('ClusterRoleBinding') as Obj[];
  t.false(
    crbs.some((b) => b.roleRef.name === 'psp:privileged'),
    'no cluster-wide grant of privileged',
  );
  const ks = r.find('RoleBinding', 'psp:privileged', 'kube-system') as Obj;
  t.deepEqual(ks.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'psp:privileged' });
  t.deepEqual(
    ks.subjects.map((s: Obj) => `${s.kind}:${s.name}`),
    ['Group:system:nodes', 'Group:system:serviceaccounts:kube-system'],
  );
  const kf = r.find('RoleBinding', 'psp:privileged', 'kube-flannel') as Obj;
  t.deepEqual(
    kf.subjects.map((s: Obj) => s.name),
    ['system:serviceaccounts:kube-flannel'],
  );
  // The namespace exists before the RoleBinding in it is applied.
  const order = r.objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
  t.true(order.indexOf('Namespace//kube-flannel') < order.indexOf('RoleBinding/kube-flannel/psp:privileged'));
});

test('the default policy is bound to every authenticated user and service account', (t) => {
  const r = renderText('kubernetesVersion: v1.24.17\npodSecurity: {default: baseline}\n');
  const b = r.find('ClusterRoleBinding', 'psp:baseline') as Obj;
  t.deepEqual(
    b.subjects.map((s: Obj) => s.name),
    ['system:authenticated', 'system:serviceaccounts'],
  );
  t.truthy(r.find('PodSecurityPolicy', 'baseline'));
  t.falsy(r.find('PodSecurityPolicy', 'restricted'), 'only the policies in use are rendered');
});

test('policies are applied before the CNI', (t) => {
  const r = renderText('kubernetesVersion: v1.24.17\n');
  const paths = r.artifacts.filter((a) => a.kind === 'manifest').map((a) => a.path);
  t.deepEqual(paths, ['manifests/01-pod-security.yaml', 'manifests/02-cni.yaml']);
  t.is(r.file('01-pod-security.yaml').step, 'pod-security');
  t.is(r.file('02-cni.yaml').step, 'cni');
});

test('the restricted policy: no host, no privilege, non-root, no root group, all caps dropped, runtime/default profiles', (t) => {
  const psp = renderText('kubernetesVersion: v1.24.17\n').find('PodSecurityPolicy', 'restricted') as Obj;
  t.like(psp.spec, {
    privileged: false,
    allowPrivilegeEscalation: false,
    hostNetwork: false,
    hostIPC: false,
    hostPID: false,
    requiredDropCapabilities: ['ALL'],
    runAsUser: { rule: 'MustRunAsNonRoot' },
    supplementalGroups: { rule: 'MustRunAs', ranges: [{ min: 1, max: 65535 }] },
    fsGroup: { rule: 'MustRunAs', ranges: [{ min: 1, max: 65535 }] },
  });
  t.false('hostPorts' in psp.spec);
  t.deepEqual(psp.spec.volumes, [
    'configMap',
    'downwardAPI',
    'emptyDir',
    'persistentVolumeClaim',
    'projected',
    'secret',
    'csi',
    'ephemeral',
  ]);
  t.is(psp.metadata.annotations['seccomp.security.alpha.kubernetes.io/defaultProfileName'], 'runtime/default');
  t.is(psp.metadata.annotations['apparmor.security.beta.kubernetes.io/defaultProfileName'], 'runtime/default');
});

test('volume types follow the minor: no csi before 1.14, no ephemeral before 1.21', (t) => {
  const vols = (v: string) =>
    (renderText(`kubernetesVersion: ${v}\n`).find('PodSecurityPolicy', 'restricted') as Obj).spec.volumes;
  t.false(vols('v1.13.12').includes('csi'));
  t.true(vols('v1.14.10').includes('csi'));
  t.false(vols('v1.20.15').includes('ephemeral'));
  t.true(vols('v1.21.14').includes('ephemeral'));
});

test('use is granted in the extensions group too while the minor serves PSP there (up to 1.15)', (t) => {
  const groups = (v: string) =>
    (renderText(`kubernetesVersion: ${v}\n`).find('ClusterRole', 'psp:restricted') as Obj).rules[0].apiGroups;
  t.deepEqual(groups('v1.15.12'), ['policy', 'extensions']);
  t.deepEqual(groups('v1.16.15'), ['policy']);
});

test('PSS mode: admission config exempts the privileged namespaces and is mounted read-only', (t) => {
  const r = renderText('kubernetesVersion: v1.31.4\npodSecurity: {default: baseline}\n');
  const host = r.file('admission-config.yaml');
  t.is(host.path, 'host/etc/kubernetes/pod-security/admission-config.yaml');
  t.is(host.hostPath, '/etc/kubernetes/pod-security/admission-config.yaml');
  const conf = (host.objects[0] as Obj).plugins[0].configuration;
  t.is(conf.apiVersion, 'pod-security.admission.config.k8s.io/v1');
  t.deepEqual(conf.defaults, {
    enforce: 'baseline',
    'enforce-version': 'v1.31',
    audit: 'baseline',
    'audit-version': 'v1.31',
    warn: 'baseline',
    'warn-version': 'v1.31',
  });
  t.deepEqual(conf.exemptions.namespaces, ['kube-system', 'kube-flannel']);
  const cluster = r.file('kubeadm-config.yaml').objects.find((o) => o.kind === 'ClusterConfiguration') as Obj;
  t.deepEqual(cluster.apiServer.extraArgs, [
    { name: 'admission-control-config-file', value: '/etc/kubernetes/pod-security/admission-config.yaml' },
  ]);
  t.deepEqual(cluster.apiServer.extraVolumes, [
    {
      name: 'pod-security-config',
      hostPath: '/etc/kubernetes/pod-security',
      mountPath: '/etc/kubernetes/pod-security',
      readOnly: true,
      pathType: 'DirectoryOrCreate',
    },
  ]);
  t.is(r.all('PodSecurityPolicy').length, 0);
});

test('PSS mode on 1.23 uses the v1beta1 PodSecurity configuration and no PodSecurityPolicy plugin', (t) => {
  const r = renderText('kubernetesVersion: v1.23.17\npodSecurity: {mode: pss}\n');
  t.is(
    (r.file('admission-config.yaml').objects[0] as Obj).plugins[0].configuration.apiVersion,
    'pod-security.admission.config.k8s.io/v1beta1',
  );
  const cluster = r.file('kubeadm-config.yaml').objects.find((o) => o.kind === 'ClusterConfiguration') as Obj;
  t.false(JSON.stringify(cluster).includes('PodSecurityPolicy'));
});

test('PSS mode: privileged namespaces are labelled privileged with the version pinned', (t) => {
  const r = renderText('kubernetesVersion: v1.30.14\n');
  const ks = r.find('Namespace', 'kube-system') as Obj;
  t.is(ks.metadata.labels['pod-security.kubernetes.io/enforce'], 'privileged');
  t.is(ks.metadata.labels['pod-security.kubernetes.io/enforce-version'], 'v1.30');
  t.false('app.kubernetes.io/managed-by' in ks.metadata.labels, 'kube-system is not claimed by kubestrap');
});

test('the flannel namespace is rendered identically by the pod-security and the CNI manifests', (t) => {
  for (const v of ['v1.24.17', 'v1.31.4']) {
    const r = renderText(`kubernetesVersion: ${v}\n`);
    const a = r
      .file('01-pod-security.yaml')
      .objects.find((o) => o.kind === 'Namespace' && o.metadata?.name === 'kube-flannel');
    const b = r.file('02-cni.yaml').objects.find((o) => o.kind === 'Namespace' && o.metadata?.name === 'kube-flannel');
    t.deepEqual(a, b, v);
  }
});
