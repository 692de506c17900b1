/** `kubestrap up` with the Pod Security Standards: 1.31 and the newest minor. */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { lab, mutations } from './harness.js';

for (const version of ['v1.31.4', 'v1.37.1']) {
  test(`PSS cluster on ${version}: up, the admission config in place, namespaces labelled, limits enforced`, async (t) => {
    const l = await lab(
      `kubernetesVersion: ${version}
controlPlane: {nodeName: cp}
ingress: {enabled: true}
tenants:
  - {namespace: demo, serviceAccounts: [app], role: edit, policy: restricted}
  - {namespace: ops, serviceAccounts: [runner], role: admin, policy: privileged}
`,
      { kubernetesVersion: version },
    );
    const r = await l.kubestrap(['up', '--yes', '-o', 'json']);
    t.is(r.exitCode, 0, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout);
    t.true(doc.ok);
    t.deepEqual(
      doc.steps.map((s: any) => `${s.name}:${s.status}`),
      [
        'install:already-done',
        'preflight:applied',
        'kubeadm-init:applied',
        'kubeconfig:applied',
        'pod-security:applied',
        'cni:applied',
        'control-plane-taint:applied',
        'ingress:applied',
        'tenants:applied',
        'verify:applied',
      ],
    );
    // The host file kubeadm mounts into the API server, at its absolute path.
    const admission = readFileSync(l.node.at('/etc/kubernetes/pod-security/admission-config.yaml'), 'utf8');
    t.regex(admission, /enforce: "restricted"/);
    const pss = l.node.state().cluster!.pss!;
    t.is(pss.defaults.enforce, 'restricted');
    t.deepEqual(pss.exemptions.namespaces, ['kube-system', 'kube-flannel']);
    const ns = (name: string) => (l.node.state().cluster!.objects as any)[`Namespace//${name}`]?.metadata.labels ?? {};
    t.is(ns('demo')['pod-security.kubernetes.io/enforce'], 'restricted');
    t.is(ns('ops')['pod-security.kubernetes.io/enforce'], 'privileged');
    t.is(ns('kube-flannel')['pod-security.kubernetes.io/enforce'], 'privileged');
    t.false(mutations(l.callsSince()).some((c) => c.includes('podsecuritypolicy')));

    const v = await l.kubestrap(['verify']);
    t.is(v.exitCode, 0, v.stdout);
    t.regex(
      v.stdout,
      /✔ limits as system:serviceaccount:demo:app: privileged pod refused: .*violates PodSecurity "restricted:v1\.\d+"/,
    );
    t.regex(v.stdout, /✔ limits as system:serviceaccount:ops:runner: privileged pod accepted/);
    l.node.cleanup();
  });
}
