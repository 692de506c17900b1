/**
 * `kubestrap up -i`: a whole cluster from one machine over real SSH (sshd in network
 * namespaces, each host a simulated node of one cluster).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sshTest, UNREACHABLE_ADDRESS } from '../helpers/ssh-lab.js';
import { mutations } from './harness.js';
import { type ClusterHost, createClusterLab } from '../helpers/cluster-lab.js';

const V = 'v1.31.4';
const PSP_V = 'v1.24.17';
const CONFIG = `apiVersion: kubestrap.io/v1alpha1
kind: ClusterConfig
kubernetesVersion: ${V}
`;

/** The usual lab: cp1 and two workers (a fresh array each time; a lab may not share it). */
function oneControlPlaneTwoWorkers(): ClusterHost[] {
  return [
    { name: 'cp1', role: 'control-plane' },
    { name: 'w1', role: 'worker' },
    { name: 'w2', role: 'worker' },
  ];
}

function nodeNames(state: any): string[] {
  return Object.values(state.cluster.objects)
    .filter((o: any) => o.kind === 'Node')
    .map((o: any) => o.metadata.name)
    .sort();
}

sshTest(
  'one control plane and two workers (PodSecurityPolicy): every node joins, its system pods admitted by privileged, verified; a second run changes nothing',
  async (t) => {
    const c = await createClusterLab(t, oneControlPlaneTwoWorkers(), {
      version: PSP_V,
      config: CONFIG.replace(V, PSP_V),
    });
    const r = await c.kubestrap(['up', '-i', c.inventory, '--yes']);
    t.is(r.exitCode, 0, r.stderr);
    t.deepEqual(nodeNames(c.first.state()), ['cp1', 'w1', 'w2']);
    t.regex(r.stderr, /\[cp1\] .*pod-security/);
    t.regex(r.stderr, /\[w1\] .*kubeadm-join: ok/);
    // Each node's own system pods (kube-proxy, flannel) went through admission, by the privileged policy.
    const pods = Object.values((c.first.state() as any).cluster.objects).filter(
      (o: any) => o.kind === 'Pod' && ['kube-system', 'kube-flannel'].includes(o.metadata.namespace),
    ) as any[];
    for (const node of ['w1', 'w2']) {
      const own = pods.filter((p) => p.spec.nodeName === node);
      t.deepEqual(
        [...new Set(own.map((p) => p.metadata.labels?.app ?? p.metadata.labels?.['k8s-app']))].sort(),
        ['flannel', 'kube-proxy'],
        `${node} runs its own kube-proxy and flannel`,
      );
      for (const p of own)
        t.is(p.metadata.annotations?.['kubernetes.io/psp'], 'privileged', `${p.metadata.name} on ${node}`);
    }
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

    // verify -i: the checks of verify, and every host of the inventory a node.
    const v = await c.kubestrap(['verify', '-i', c.inventory, '-o', 'json']);
    t.is(v.exitCode, 0, v.stdout + v.stderr);
    const report = JSON.parse(v.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    t.true(report.ok);
    t.deepEqual(
      report.checks
        .filter((x) => /^ssh |^inventory-nodes$|^node-ready$|^system-pods-policy$/.test(x.name))
        .map((x) => `${x.name}:${x.ok}`),
      [
        'ssh cp1:true',
        'ssh w1:true',
        'ssh w2:true',
        'node-ready:true',
        'system-pods-policy:true',
        'inventory-nodes:true',
      ],
    );

    // reset -i: every host torn down, the workers before the control plane.
    const reset = await c.kubestrap(['reset', '-i', c.inventory, '--yes']);
    t.is(reset.exitCode, 0, reset.stderr);
    const resets = c.first
      .calls()
      .filter((call) => call.tool === 'kubeadm' && call.argv[0] === 'reset')
      .map((call) => call.pid);
    t.is(resets.length, 3);
    t.true(reset.stderr.indexOf('[cp1] → kubeadm reset') > reset.stderr.indexOf('[w1] → kubeadm reset'));
    t.true(reset.stderr.indexOf('[cp1] → kubeadm reset') > reset.stderr.indexOf('[w2] → kubeadm reset'));
    for (const name of ['cp1', 'w1', 'w2']) {
      const node = c.nodes.get(name)!;
      t.false(existsSync(node.at('/etc/kubernetes/kubelet.conf')), `${name}: no kubelet.conf`);
      t.false(existsSync(node.at('/var/lib/kubestrap')), `${name}: no kubestrap state`);
    }
    const after = await c.kubestrap(['verify', '-i', c.inventory, '-o', 'json']);
    t.is(after.exitCode, 1);
    t.false((JSON.parse(after.stdout) as { ok: boolean }).ok);
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
    // plan -i looks at each host (read-only) for the install step's commands, and changes nothing.
    const plan = await c.kubestrap(['plan', '-i', c.inventory, '-o', 'json']);
    t.is(plan.exitCode, 0, plan.stderr);
    const planned = (JSON.parse(plan.stdout) as { steps: { name: string; host: string }[] }).steps;
    t.deepEqual(
      planned.filter((x) => x.name === 'install').map((x) => x.host),
      ['cp1', 'cp2', 'cp3', 'w1'],
    );
    t.deepEqual(mutations(c.first.calls()), [], 'plan changed nothing');
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

    // reset -i: the worker, then the control planes in reverse, the one that ran kubeadm init last.
    const reset = await c.kubestrap(['reset', '-i', c.inventory, '--yes']);
    t.is(reset.exitCode, 0, reset.stderr);
    const order = [...reset.stderr.matchAll(/^\[(\w+)\] → kubeadm reset/gm)].map((m) => m[1]);
    t.deepEqual(order, ['w1', 'cp3', 'cp2', 'cp1']);
    t.is((c.first.state() as any).cluster, null, 'the cluster went with its last control plane');
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

sshTest(
  'an unreachable worker is named with what SSH said; the other hosts (one through sudo) build and verify the cluster',
  async (t) => {
    const c = await createClusterLab(t, oneControlPlaneTwoWorkers(), {
      version: V,
      config: CONFIG,
      // w1 logs in as a user who reaches root through sudo.
      inventoryExtra: (h) =>
        h.name === 'w2' ? { address: UNREACHABLE_ADDRESS } : h.name === 'w1' ? { ssh: { user: 'kube' } } : {},
    });
    const r = await c.kubestrap(['up', '-i', c.inventory, '--yes', '-o', 'json']);
    t.is(r.exitCode, 1, r.stderr);
    t.deepEqual(nodeNames(c.first.state()), ['cp1', 'w1']);
    t.regex(r.stderr, /\[cp1\] \[1\/1\] verify: ok/);
    t.regex(
      r.stderr,
      new RegExp(`✗ w2 \\(worker\\): connect: w2: cannot reach ${UNREACHABLE_ADDRESS.replace(/\./g, '\\.')}`),
    );
    t.regex(r.stderr, /is the host up and its address right\? kubestrap ran nothing on it/);
    // -o json: one document on stdout, each host with where it stopped.
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      hosts: { name: string; ok: boolean; steps: { name: string; status: string }[]; failure?: { step: string } }[];
    };
    t.false(doc.ok);
    t.deepEqual(
      doc.hosts.map((h) => [h.name, h.ok, h.failure?.step]),
      [
        ['cp1', true, undefined],
        ['w1', true, undefined],
        ['w2', false, 'connect'],
      ],
    );
    t.deepEqual(
      doc.hosts[1].steps.map((x) => `${x.name}:${x.status}`),
      ['install:already-done', 'join-preflight:applied', 'kubeadm-join:applied'],
    );
    t.regex(c.lab.host('w1').sshdLog(), /Accepted publickey for kube /);
    t.false(c.lab.host('w1').sshdLog().includes('Accepted publickey for root'));
    const log = readFileSync(path.join(c.dir, 'local-root/var/log/kubestrap.log'), 'utf8');
    t.regex(log, /\$ \[w1\] kubeadm join --config /, 'the log names the host of each command');
  },
);

sshTest('a host whose key changed is refused as OpenSSH refuses it; the others carry on', async (t) => {
  const c = await createClusterLab(
    t,
    [
      { name: 'cp1', role: 'control-plane' },
      { name: 'w1', role: 'worker' },
    ],
    { version: V, config: CONFIG },
  );
  const first = await c.kubestrap(['up', '-i', c.inventory, '--yes']);
  t.is(first.exitCode, 0, first.stderr);
  const known = readFileSync(c.lab.knownHosts, 'utf8');
  await c.lab.host('w1').restartSshd({ newHostKey: true });
  const mark = c.first.calls().length;
  const r = await c.kubestrap(['up', '-i', c.inventory, '--yes']);
  t.is(r.exitCode, 1, r.stderr);
  t.regex(r.stderr, /✗ w1 \(worker\): connect: w1: the host key of .* has changed/);
  t.regex(r.stderr, /ssh-keygen -R /);
  t.regex(r.stderr, /\[cp1\] \[1\/1\] verify: ok/);
  t.is(readFileSync(c.lab.knownHosts, 'utf8'), known, 'known_hosts keeps the old key');
  t.false(
    c.first
      .calls()
      .slice(mark)
      .some((call) => call.argv.join(' ').includes(c.nodes.get('w1')!.root)),
    'nothing ran on w1',
  );
});

sshTest(
  'a host that drops off the network mid-join is reported with its step; the next run continues it',
  async (t) => {
    const c = await createClusterLab(t, oneControlPlaneTwoWorkers(), {
      version: V,
      config: CONFIG,
      // Notice a silent host within seconds, not OpenSSH's default of never.
      inventoryExtra: () => ({ ssh: { options: { ServerAliveInterval: 1, ServerAliveCountMax: 2 } } }),
    });
    const w2 = c.nodes.get('w2')!;
    // w2's first kubeadm join never returns: the host goes away while it runs.
    c.first.faults.add({ tool: 'kubeadm', match: `join --config ${w2.root}`, action: 'hang', count: 1 });
    const run = c.kubestrap(['up', '-i', c.inventory, '--yes']);
    // Under a loaded machine the join comes late; a run that ends without it fails the test.
    await Promise.race([
      until(() =>
        c.first
          .calls()
          .some((call) => call.tool === 'kubeadm' && call.argv.join(' ').includes(`join --config ${w2.root}`)),
      ),
      run.then((x) => {
        throw new Error(`kubestrap ended before w2 joined:\n${x.stderr}`);
      }),
    ]);
    c.lab.host('w2').dropLink();
    const r = await run;
    t.is(r.exitCode, 1, r.stderr);
    t.regex(r.stderr, /✗ w2 \(worker\): kubeadm-join: w2: the connection to .* broke while `kubeadm join --config/);
    t.deepEqual(nodeNames(c.first.state()), ['cp1', 'w1'], 'the others finished');

    c.lab.host('w2').restoreLink();
    const mark = c.first.calls().length;
    const again = await c.kubestrap(['up', '-i', c.inventory, '--yes']);
    t.is(again.exitCode, 0, again.stderr);
    t.deepEqual(nodeNames(c.first.state()), ['cp1', 'w1', 'w2']);
    const inits = c.first
      .calls()
      .slice(mark)
      .filter((call) => call.tool === 'kubeadm' && call.argv[0] === 'init');
    t.deepEqual(inits, [], 'the control plane is not initialised again');
  },
);

/** Resolves once `cond` holds, checked every 50 ms; fails after 5 minutes. */
async function until(cond: () => boolean, ms = 300_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition did not hold within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
