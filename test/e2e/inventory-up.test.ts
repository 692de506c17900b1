/**
 * `kubestrap up -i`: a whole cluster from one machine over real SSH (sshd in network
 * namespaces, each host a simulated node of one cluster).
 */
import { existsSync } from 'node:fs';
import { sshTest } from '../helpers/ssh-lab.js';
import { mutations } from './harness.js';
import { createClusterLab } from '../helpers/cluster-lab.js';

const V = 'v1.31.4';
const CONFIG = `apiVersion: kubestrap.io/v1alpha1
kind: ClusterConfig
kubernetesVersion: ${V}
`;

function nodeNames(state: any): string[] {
  return Object.values(state.cluster.objects)
    .filter((o: any) => o.kind === 'Node')
    .map((o: any) => o.metadata.name)
    .sort();
}

sshTest(
  'one control plane and two workers: every node joins, Ready, verified; a second run changes nothing',
  async (t) => {
    const c = await createClusterLab(
      t,
      [
        { name: 'cp1', role: 'control-plane' },
        { name: 'w1', role: 'worker' },
        { name: 'w2', role: 'worker' },
      ],
      { version: V, config: CONFIG },
    );
    const r = await c.kubestrap(['up', '-i', c.inventory, '--yes']);
    t.is(r.exitCode, 0, r.stderr);
    t.deepEqual(nodeNames(c.first.state()), ['cp1', 'w1', 'w2']);
    t.regex(r.stderr, /\[cp1\] .*pod-security/);
    t.regex(r.stderr, /\[w1\] .*kubeadm-join: ok/);
    // Pod security before the network, on the one control plane that ran kubeadm init.
    const order = r.stderr.split('\n').filter((l) => /^\[cp1\] \[\d+\/\d+\] (pod-security|cni): ok/.test(l));
    t.deepEqual(
      order.map((l) => l.split(' ')[2]),
      ['pod-security:', 'cni:'],
    );
    // Every host keeps its own record of what is done.
    for (const name of ['cp1', 'w1', 'w2'])
      t.true(existsSync(c.nodes.get(name)!.at('/var/lib/kubestrap/state.json')), `${name} has its state`);

    const mark = c.first.calls().length;
    const again = await c.kubestrap(['up', '-i', c.inventory, '--yes']);
    t.is(again.exitCode, 0, again.stderr);
    t.deepEqual(mutations(c.first.calls().slice(mark)), [], 'a second run changes nothing on any host');
    t.regex(again.stderr, /\[w2\] .*kubeadm-join: ok \(already in place\)|\[w2\] .*kubeadm-join: skipped/);
  },
);
