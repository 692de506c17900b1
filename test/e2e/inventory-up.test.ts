/**
 * `kubestrap up -i`: a whole cluster from one machine over real SSH (sshd in network
 * namespaces, each host a simulated node of one cluster).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

sshTest(
  'three control planes behind an endpoint and a worker: the others join with the uploaded certificates',
  async (t) => {
    const c = await createClusterLab(
      t,
      [
        { name: 'cp1', role: 'control-plane' },
        { name: 'cp2', role: 'control-plane' },
        { name: 'cp3', role: 'control-plane' },
        { name: 'w1', role: 'worker' },
      ],
      { version: V, config: `${CONFIG}controlPlane:\n  endpoint: k8s.test\n` },
    );
    const r = await c.kubestrap(['up', '-i', c.inventory, '--yes']);
    t.is(r.exitCode, 0, r.stderr);
    const s = c.first.state() as any;
    t.deepEqual(nodeNames(s), ['cp1', 'cp2', 'cp3', 'w1']);
    // Each control plane runs its own API server, with the PodSecurity configuration on its disk.
    for (const name of ['cp1', 'cp2', 'cp3']) {
      const node = c.nodes.get(name)!;
      t.true(existsSync(node.at('/etc/kubernetes/manifests/kube-apiserver.yaml')), `${name} runs an API server`);
      t.true(existsSync(node.at('/etc/kubernetes/admin.conf')), `${name} has the admin kubeconfig`);
    }
    t.false(existsSync(c.nodes.get('w1')!.at('/etc/kubernetes/manifests/kube-apiserver.yaml')));
    const joins = c.first
      .calls()
      .filter((call) => call.tool === 'kubeadm' && call.argv[0] === 'join')
      .map((call) => call.argv.join(' '));
    t.is(joins.length, 3);
    for (const j of joins) t.notRegex(j, /[a-f0-9]{64}|[a-z0-9]{6}\.[a-z0-9]{16}/, 'no secret in a command line');
    // The key the first control plane printed never reaches the log in the clear.
    const log = readFileSync(path.join(c.dir, 'local-root/var/log/kubestrap.log'), 'utf8');
    t.regex(log, /Using certificate key:\n\s*<redacted>/);
    for (const text of [log, r.stderr])
      t.notRegex(text, /^\s*[a-f0-9]{64}\s*$|certificateKey:\s*"?[a-f0-9]{64}|certificate-key[ =][a-f0-9]{64}/m);
  },
);

sshTest('two control planes without controlPlane.endpoint: exit 2 naming the field, no host touched', async (t) => {
  const c = await createClusterLab(
    t,
    [
      { name: 'cp1', role: 'control-plane' },
      { name: 'cp2', role: 'control-plane' },
    ],
    { version: V, config: CONFIG },
  );
  const r = await c.kubestrap(['up', '-i', c.inventory, '--yes']);
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /controlPlane\.endpoint/);
  t.is(c.lab.host('cp1').sshdLog().includes('Accepted publickey'), false, 'nobody logged in');
  t.deepEqual(c.first.calls(), []);
});
