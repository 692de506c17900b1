/** The simulated kubeadm: preflight, init output, config validate, token, reset and what it leaves behind. */
import fs from 'node:fs';
import test from 'ava';
import { createSimNode } from './install.js';
import { readyNode, initFromGolden, kubectl, manifest, golden } from './harness.js';

const V = 'v1.24.17';

test('preflight: the real [ERROR ...] block (1.24 form), exit 1', async (t) => {
  const node = await createSimNode({ host: { portsInUse: [6443] } });
  t.teardown(() => node.cleanup());
  const r = await node.exec('kubeadm', ['init', '--config', `${golden(V)}/kubeadm-config.yaml`]);
  t.is(r.exitCode, 1);
  t.is(r.stdout, '[init] Using Kubernetes version: v1.24.17\n[preflight] Running pre-flight checks\n');
  t.is(
    r.stderr,
    'error execution phase preflight: [preflight] Some fatal errors occurred:\n' +
      '\t[ERROR Port-6443]: Port 6443 is in use\n' +
      '\t[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables does not exist\n' +
      '\t[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1\n' +
      '[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\n' +
      'To see the stack trace of this error execute with --v=5 or higher\n',
  );
  t.false(fs.existsSync(node.at('/etc/kubernetes/admin.conf')));
});

test('preflight: the 1.34+ form, and swap is a warning that fails later at wait-control-plane', async (t) => {
  const node = await createSimNode({ kubernetesVersion: 'v1.35.3', host: { brNetfilter: true } });
  t.teardown(() => node.cleanup());
  const r = await node.exec('kubeadm', [
    'init',
    '--config',
    `${golden('v1.37.1')}/kubeadm-config.yaml`,
    '--ignore-preflight-errors=KubernetesVersion',
  ]);
  t.is(
    r.stderr.split('\n').slice(-5).join('\n'),
    '\t[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\nerror: error execution phase preflight: preflight checks failed\nTo see the stack trace of this error execute with --v=5 or higher\n',
  );
  const swap = await readyNode({ host: { swap: true } });
  t.teardown(() => swap.cleanup());
  const s = await swap.exec('kubeadm', ['init', '--config', `${golden(V)}/kubeadm-config.yaml`]);
  t.is(s.exitCode, 1);
  t.true(
    s.stderr.startsWith(
      '\t[WARNING Swap]: swap is enabled; production deployments should disable swap unless testing the NodeSwap feature gate of the kubelet\n',
    ),
  );
  t.true(s.stdout.includes("[kubelet-check] It seems like the kubelet isn't running or healthy.\n"));
  t.true(
    s.stderr.endsWith(
      "error execution phase wait-control-plane: couldn't initialize a Kubernetes cluster\nTo see the stack trace of this error execute with --v=5 or higher\n",
    ),
  );
});

test('init prints the §1a tail with a real-looking token and hash; token create prints one line with a trailing space', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  const r = await initFromGolden(node, V);
  t.regex(r.stdout, /\[bootstrap-token\] Using token: [a-z0-9]{6}\.[a-z0-9]{16}\n/);
  t.regex(
    r.stdout,
    /\n\nYour Kubernetes control-plane has initialized successfully!\n\nTo start using your cluster, you need to run the following as a regular user:\n\n {2}mkdir -p \$HOME\/\.kube\n {2}sudo cp -i \/etc\/kubernetes\/admin\.conf \$HOME\/\.kube\/config\n {2}sudo chown \$\(id -u\):\$\(id -g\) \$HOME\/\.kube\/config\n\nAlternatively, if you are the root user, you can run:\n\n {2}export KUBECONFIG=\/etc\/kubernetes\/admin\.conf\n\nYou should now deploy a pod network to the cluster\.\nRun "kubectl apply -f \[podnetwork\]\.yaml" with one of the options listed at:\n {2}https:\/\/kubernetes\.io\/docs\/concepts\/cluster-administration\/addons\/\n\nThen you can join any number of worker nodes by running the following on each as root:\n\nkubeadm join 192\.168\.56\.10:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} \\\n\t--discovery-token-ca-cert-hash sha256:[a-f0-9]{64} \n$/,
  );
  t.true(
    r.stdout.includes(
      '[mark-control-plane] Marking the node cp as control-plane by adding the taints [node-role.kubernetes.io/master:NoSchedule node-role.kubernetes.io/control-plane:NoSchedule]\n',
    ),
  );
  const tok = await node.exec('kubeadm', ['token', 'create', '--print-join-command']);
  t.regex(
    tok.stdout,
    /^kubeadm join 192\.168\.56\.10:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[a-f0-9]{64} \n$/,
  );
  for (const f of ['admin.conf', 'kubelet.conf', 'manifests/kube-apiserver.yaml', 'manifests/etcd.yaml'])
    t.true(fs.existsSync(node.at(`/etc/kubernetes/${f}`)), f);
  t.true(
    fs
      .readFileSync(node.at('/etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8')
      .includes('--enable-admission-plugins=NodeRestriction,PodSecurityPolicy'),
  );
});

test('config validate: ok on 1.28+, strict errors, unknown flag on older kubeadm', async (t) => {
  const n31 = await createSimNode({ kubernetesVersion: 'v1.31.4' });
  t.teardown(() => n31.cleanup());
  const ok = await n31.exec('kubeadm', ['config', 'validate', '--config', `${golden('v1.31.4')}/kubeadm-config.yaml`]);
  t.is(ok.exitCode, 0, ok.stderr);
  t.is(ok.stdout, 'ok\n');
  const bad = `${n31.root}/bad.yaml`;
  fs.writeFileSync(
    bad,
    'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  timeoutForControlPlane: 4m0s\n',
  );
  const strict = await n31.exec('kubeadm', ['config', 'validate', '--config', bad]);
  t.is(strict.exitCode, 1);
  t.is(
    strict.stderr,
    'error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"ClusterConfiguration"}: strict decoding error: unknown field "apiServer.timeoutForControlPlane"\nTo see the stack trace of this error execute with --v=5 or higher\n',
  );
  const n24 = await createSimNode({ kubernetesVersion: V });
  t.teardown(() => n24.cleanup());
  const old = await n24.exec('kubeadm', ['config', 'validate', '--config', `${golden(V)}/kubeadm-config.yaml`]);
  t.is(old.exitCode, 1);
  t.is(old.stderr, 'unknown flag: --config\nTo see the stack trace of this error execute with --v=5 or higher\n');
  const v4on24 = await n24.exec('kubeadm', ['init', '--config', `${golden('v1.31.4')}/kubeadm-config.yaml`]);
  t.is(v4on24.exitCode, 1);
  t.regex(v4on24.stderr, /^no kind "InitConfiguration" is registered for version "kubeadm\.k8s\.io\/v1beta4"/);
});

test('reset -f: the 1.24 text (§2) and what it leaves (CNI config, links, iptables, ~/.kube/config)', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, V);
  await kubectl(node, ['apply', '-f', manifest(V, 'pod-security')]);
  await kubectl(node, ['apply', '-f', manifest(V, 'cni')]);
  t.is((await kubectl(node, ['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=10s'])).exitCode, 0);
  t.is(
    (await kubectl(node, ['rollout', 'status', 'deployment/coredns', '-n', 'kube-system', '--timeout=10s'])).exitCode,
    0,
  );
  fs.mkdirSync(node.at('/root/.kube'), { recursive: true });
  fs.copyFileSync(node.at('/etc/kubernetes/admin.conf'), node.at('/root/.kube/config'));
  const r = await node.exec('kubeadm', ['reset', '-f']);
  t.is(r.exitCode, 0);
  t.is(
    r.stdout,
    `[reset] Reading configuration from the cluster...
[reset] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'
[preflight] Running pre-flight checks
[reset] Stopping the kubelet service
[reset] Unmounting mounted directories in "/var/lib/kubelet"
[reset] Deleting contents of directories: [/etc/kubernetes/manifests /etc/kubernetes/pki]
[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf]
[reset] Deleting contents of stateful directories: [/var/lib/etcd /var/lib/kubelet /var/lib/dockershim /var/run/kubernetes /var/lib/cni]

The reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d

The reset process does not reset or clean up iptables rules or IPVS tables.
If you wish to reset iptables, you must do so manually by using the "iptables" command.

If your cluster was setup to utilize IPVS, run ipvsadm --clear (or similar)
to reset your system's IPVS tables.

The reset process does not clean your kubeconfig files and you must remove them manually.
Please, check the contents of the $HOME/.kube/config file.
`,
  );
  t.is(r.stderr, '');
  t.false(fs.existsSync(node.at('/etc/kubernetes/admin.conf')));
  t.deepEqual(fs.readdirSync(node.at('/etc/kubernetes/manifests')), []);
  t.deepEqual(fs.readdirSync(node.at('/var/lib/etcd')), []);
  t.true(fs.existsSync(node.at('/etc/cni/net.d/10-flannel.conflist')));
  t.true(fs.existsSync(node.at('/root/.kube/config')));
  const links = (await node.exec('ip', ['-o', 'link', 'show'])).stdout;
  t.regex(links, /: flannel\.1: /);
  t.regex(links, /: cni0: /);
  const nat = (await node.exec('iptables', ['-t', 'nat', '-S'])).stdout;
  t.true(nat.includes('-N KUBE-SERVICES\n'));
  t.true(nat.includes('-N FLANNEL-POSTRTG\n'));
  const down = await node.exec('kubectl', ['--kubeconfig', node.at('/root/.kube/config'), 'get', 'nodes']);
  t.is(
    down.stderr,
    'The connection to the server 192.168.56.10:6443 was refused - did you specify the right host or port?\n',
  );
  // A second reset: the cluster is unreachable, which kubeadm only warns about.
  const again = await node.exec('kubeadm', ['reset', '-f']);
  t.is(again.exitCode, 0);
  t.regex(
    again.stderr,
    /^W\d{4} [\d:.]+ +\d+ reset\.go:103\] \[reset\] Unable to fetch the kubeadm-config ConfigMap from cluster: failed to get config map: Get "https:\/\/10\.0\.2\.15:6443\/api\/v1\/namespaces\/kube-system\/configmaps\/kubeadm-config\?timeout=10s": dial tcp 10\.0\.2\.15:6443: connect: connection refused\n$/,
  );
});

test('reset without -f and no answer refuses', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  const r = await node.exec('kubeadm', ['reset'], { input: '' });
  t.is(r.exitCode, 1);
  t.is(r.stdout, '[reset] Are you sure you want to proceed? [y/N]: ');
  t.true(
    r.stderr.endsWith(
      "error execution phase preflight: won't proceed; the user didn't answer (Y|y) in order to continue\nTo see the stack trace of this error execute with --v=5 or higher\n",
    ),
  );
});
