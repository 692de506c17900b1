/**
 * Every golden render bootstraps on the simulated node of its version: kubeadm init
 * with the rendered config, every manifest applied in order, the node Ready and
 * CoreDNS rolled out, and every pod admitted (by the privileged policy where PodSecurityPolicy is on; ingress-nginx's
 * by its own).
 */
import fs from 'node:fs';
import test from 'ava';
import { readyNode, initFromGolden, kubectl, golden, GOLDEN } from './harness.js';

for (const dir of fs.readdirSync(GOLDEN).sort()) {
  const version = /v\d+\.\d+\.\d+$/.exec(dir)?.[0];
  if (!version || !fs.existsSync(`${golden(dir)}/kubeadm-config.yaml`)) continue;
  test(`${dir}: init, apply every manifest, node Ready, coredns rolled out`, async (t) => {
    // A minor before 1.19 runs on a host of its era: cgroup v1, iptables-legacy.
    const minor = Number(version.split('.')[1]);
    const node = await readyNode({
      kubernetesVersion: version,
      host: minor < 19 ? { cgroupVersion: 1, iptablesMode: 'legacy' } : {},
    });
    t.teardown(() => node.cleanup());
    await initFromGolden(node, dir);
    for (const f of fs.readdirSync(`${golden(dir)}/manifests`).sort()) {
      const r = await kubectl(node, ['apply', '-f', `${golden(dir)}/manifests/${f}`]);
      t.is(r.exitCode, 0, `${f}: ${r.stderr}`);
    }
    const w = await kubectl(node, ['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=20s']);
    t.is(w.exitCode, 0, w.stderr);
    const d = await kubectl(node, ['rollout', 'status', 'deployment/coredns', '-n', 'kube-system', '--timeout=20s']);
    t.is(d.exitCode, 0, d.stderr);
    const pods = JSON.parse((await kubectl(node, ['get', 'pods', '-A', '-o', 'json'])).stdout).items;
    t.true(pods.length >= 8);
    const psp = Number(version.split('.')[1]) <= 24 && !dir.startsWith('pss-');
    for (const p of pods) {
      // ingress-nginx's pods wait for the control-plane taint to go (up's control-plane-taint
      // step, not replayed here), and its certgen jobs run to completion; the rest run.
      if (p.metadata.namespace === 'ingress-nginx')
        t.true(['Pending', 'Running', 'Succeeded'].includes(p.status.phase), p.metadata.name);
      else t.is(p.status.phase, 'Running', p.metadata.name);
      // ingress-nginx's pods are admitted by its own policy; everything else is a system pod.
      const policy = p.metadata.namespace === 'ingress-nginx' ? 'ingress-nginx' : 'privileged';
      if (psp) t.is(p.metadata.annotations?.['kubernetes.io/psp'], policy, p.metadata.name);
      else t.is(p.metadata.annotations?.['kubernetes.io/psp'], undefined, p.metadata.name);
    }
  });
}
