/**
 * `up` against a node with a real node's pace (the simulated node's defaults: pods
 * take 2 s to start, CoreDNS 5 s more to turn Ready) and controllers that back off
 * like kube-controller-manager's while PodSecurityPolicy refuses them.
 */
import test from 'ava';
import { DEFAULT_TIMING } from '../sim/install.js';
import { lab, mutations } from './harness.js';
import type { CallRecord } from '../sim/types.js';

const CONFIG = 'kubernetesVersion: v1.24.17\ncontrolPlane: {nodeName: cp}\ntimeouts: {waitSeconds: 40}\n';

const kubectlCalls = (calls: CallRecord[], re: RegExp) =>
  calls.filter((c) => c.tool === 'kubectl' && re.test(c.argv.join(' ')));

test('verify waits for CoreDNS and kube-proxy to roll out instead of failing the moment the node is Ready', async (t) => {
  const l = await lab(CONFIG);
  t.is(l.node.state().timing.podReadyMs, DEFAULT_TIMING.podReadyMs, 'the node keeps its realistic delays');
  t.true(DEFAULT_TIMING.podStartMs >= 2000 && DEFAULT_TIMING.podReadyMs >= 5000);
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  const calls = l.callsSince();
  // The wait is kubectl's own watch on the Deployment, started after the node turned Ready.
  const waits = kubectlCalls(calls, /rollout status deployment\/coredns -n kube-system --timeout=\d+s/);
  // CoreDNS turned Ready only seconds after the node did; the checks ran after that.
  const c = l.node.state().cluster!;
  const dns = Object.values(c.objects).filter((o: any) => o.kind === 'Pod' && /^coredns-/.test(o.metadata.name));
  t.is(dns.length, 2);
  const offset = l.node.state().clockOffsetMs ?? 0;
  const checks = kubectlCalls(calls, /auth can-i/);
  t.true(checks.length > 0);
  for (const p of dns as any[]) {
    t.true(p._sim.readyAt >= c.node.readyAt! + DEFAULT_TIMING.podStartMs + DEFAULT_TIMING.podReadyMs);
    t.true(checks[0].start + offset >= p._sim.readyAt, 'verify checked only once CoreDNS was Ready');
  }
  // On an idle machine verify gets there first and waits with kubectl's own watch; on a
  // loaded one CoreDNS may be Ready before verify starts, and then there is nothing to wait for.
  t.true(waits.length <= 1);
  if (waits.length === 1) {
    t.is(waits[0].exitCode, 0);
    t.true(checks[0].start >= waits[0].end!, 'verify checked after the wait');
  }
  const verify = await l.kubestrap(['verify']);
  t.is(verify.exitCode, 0, verify.stdout);
  t.regex(verify.stdout, /✔ system-workloads-available: \d+ deployments and daemonsets available/);
  t.regex(verify.stdout, /✔ coredns-ready: 2\/2 coredns pods Ready/);
  l.node.cleanup();
});

test('a long pause between kubeadm init and the policies: controllers backed off for minutes are nudged and the cluster converges at once', async (t) => {
  const l = await lab(CONFIG);
  const policies = l.node.at('/var/lib/kubestrap/rendered/manifests/01-pod-security.yaml');
  l.node.faults.add({
    tool: 'kubectl',
    match: `apply -f ${policies}`,
    count: 1,
    action: 'fail',
    exitCode: 1,
    stderr:
      'error: error validating "01-pod-security.yaml": error validating data: the server could not find the requested resource\n',
  });
  const first = await l.kubestrap(['up', '--yes']);
  t.is(first.exitCode, 1);
  t.regex(first.stderr, /pod-security: FAILED/);
  // Twenty minutes later (the user was away): kube-proxy's and CoreDNS's controllers
  // have been refused all along and now retry only every 1000 s.
  l.node.advanceClock(20 * 60_000);
  const look = await l.node.exec('kubectl', [
    '--kubeconfig',
    l.node.at('/etc/kubernetes/admin.conf'),
    'get',
    'pods',
    '-A',
  ]);
  t.is(look.exitCode, 0, look.stderr);
  const s = l.node.state();
  const now = Date.now() + (s.clockOffsetMs ?? 0);
  const nextRetry: Record<string, number> = {};
  for (const owner of ['kube-proxy', 'coredns']) {
    const b = Object.entries(s.cluster!.backoff!).find(([k]) => k.includes(`/kube-system/${owner}`))?.[1];
    t.true(b !== undefined && b.nextAt - now > 60_000, `${owner}'s controller retries only minutes from now`);
    nextRetry[owner] = b!.nextAt;
  }
  const mark = l.mark();
  const second = await l.kubestrap(['up']);
  t.is(second.exitCode, 0, second.stderr);
  // Their pods came long before the backoff would have let them (the deadline is 40 s).
  const pods = Object.values(l.node.state().cluster!.objects).filter((o: any) => o.kind === 'Pod') as any[];
  for (const owner of ['kube-proxy', 'coredns']) {
    const mine = pods.filter((p) => p.metadata.name.startsWith(`${owner}-`));
    t.true(mine.length > 0);
    for (const p of mine) t.true(p._sim.createdAt < nextRetry[owner] - 60_000, `${p.metadata.name} created early`);
  }
  const nudged = mutations(l.callsSince(mark)).filter((c) => / patch (daemonset|deployment) /.test(c));
  t.deepEqual(
    nudged.map((c) => / patch (\S+ \S+) -n kube-system/.exec(c)?.[1]),
    ['daemonset kube-proxy', 'deployment coredns'],
  );
  l.node.cleanup();
});
