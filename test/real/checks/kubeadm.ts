/**
 * What real kubeadm made of the rendered config, and the control plane started from it:
 * shared by the version files (the assertions differ by pod security mode).
 */
import type { ExecutionContext } from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RealCluster } from '../lib/cluster.js';
import { flags, mountFor, readStaticPod } from '../lib/static-pod.js';

export function apiserverManifest(cluster: RealCluster) {
  return readStaticPod(path.join(cluster.etcKubernetes, 'manifests', 'kube-apiserver.yaml'));
}

/** kubeadm ran every phase on the rendered config, inside the sandbox only. */
export async function assertKubeadmRan(t: ExecutionContext, cluster: RealCluster, hostHadEtcKubernetes: boolean) {
  await cluster.runKubeadm();
  for (const p of cluster.phases) t.is(p.result.exitCode, 0, `${p.argv.slice(1).join(' ')}: ${p.result.stderr}`);
  for (const f of [
    'pki/ca.crt',
    'pki/apiserver.crt',
    'pki/etcd/server.crt',
    'pki/sa.key',
    'admin.conf',
    'manifests/etcd.yaml',
    'manifests/kube-apiserver.yaml',
    'manifests/kube-controller-manager.yaml',
    'manifests/kube-scheduler.yaml',
  ]) {
    t.true(existsSync(path.join(cluster.etcKubernetes, f)), `kubeadm wrote ${f}`);
  }
  t.is(existsSync('/etc/kubernetes'), hostHadEtcKubernetes, "the host's /etc/kubernetes is as it was");
  const pod = apiserverManifest(cluster);
  t.is(pod.object.spec.containers[0].image, `registry.k8s.io/kube-apiserver:${cluster.version}`);
  // kubeadm sets it; without it privileged pods fail validation, before any pod security plugin.
  t.is(flags(pod.command).get('allow-privileged'), 'true');
}

/** PSP mode: the plugin list kubestrap asked for, NodeRestriction kept. */
export function assertPspPlugins(t: ExecutionContext, cluster: RealCluster) {
  const f = flags(apiserverManifest(cluster).command);
  t.is(f.get('enable-admission-plugins'), 'NodeRestriction,PodSecurityPolicy');
  t.false(f.has('admission-control-config-file'));
}

/** PSS mode: the admission config flag names a file the pod mounts read-only, and it is kubestrap's. */
export function assertPssAdmissionConfig(t: ExecutionContext, cluster: RealCluster) {
  const pod = apiserverManifest(cluster);
  const f = flags(pod.command);
  const file = f.get('admission-control-config-file');
  t.is(file, '/etc/kubernetes/pod-security/admission-config.yaml');
  const mount = mountFor(pod, file!);
  t.truthy(mount, 'the API server pod mounts the directory of the admission config');
  t.true(mount!.readOnly, 'mounted read-only');
  const volume = pod.object.spec.volumes.find((v: any) => v.name === mount!.name);
  t.is(volume.hostPath.path, '/etc/kubernetes/pod-security');
  const onHost = readFileSync(path.join(cluster.etcKubernetes, 'pod-security', 'admission-config.yaml'), 'utf8');
  const rendered = readFileSync(
    path.join(cluster.renderDir, 'host', 'etc', 'kubernetes', 'pod-security', 'admission-config.yaml'),
    'utf8',
  );
  t.is(onHost, rendered, "the file kubeadm's pod mounts is kubestrap's rendered admission config");
  t.is(f.get('enable-admission-plugins'), 'NodeRestriction', "kubeadm's default list (PodSecurity is on by default)");
}

/** The processes run kubeadm's flags: the same names, the same values except addresses, ports and paths. */
export function assertRunsKubeadmFlags(t: ExecutionContext, cluster: RealCluster) {
  const cp = cluster.cp!;
  for (const [name, pod] of [
    ['etcd', cp.etcdPod],
    ['kube-apiserver', cp.apiserverPod],
  ] as const) {
    const wanted = flags(pod.command);
    const running = flags(['x', ...cp.components.find((c) => c.name === name)!.argv.slice(1)]);
    const added = [...running.keys()].filter((k) => !wanted.has(k));
    t.deepEqual(added, name === 'kube-apiserver' ? ['bind-address'] : [], `${name}: flags added`);
    t.deepEqual(
      [...wanted.keys()].filter((k) => !running.has(k)),
      [],
      `${name}: flags dropped`,
    );
    for (const [k, v] of wanted) {
      const got = running.get(k)!;
      if (v.startsWith('/')) t.true(got.startsWith(cluster.dir), `${name} --${k}: ${got} is in the sandbox`);
      else if (/^https?:\/\/|=https?:\/\//.test(v) || k === 'secure-port')
        t.notRegex(got, /\b(?!127\.0\.0\.1)\d+\.\d+\.\d+\.\d+:/, `${name} --${k}=${got} listens on 127.0.0.1 only`);
      else t.is(got, v, `${name} --${k}`);
    }
  }
}
