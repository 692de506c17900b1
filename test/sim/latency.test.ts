/** How long a fake call takes (the bench subtracts time spent in fakes; keep them cheap). */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readyNode, initFromGolden, kc, manifest } from './harness.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

test('per-call latency, measured against a bare `node -e 0`', async (t) => {
  const node = await readyNode();
  t.teardown(() => node.cleanup());
  await initFromGolden(node, 'v1.24.17');
  const env = { ...process.env, ...node.env };
  const time = (file: string, args: string[]) => {
    const xs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s = performance.now();
      spawnSync(file, args, { env });
      xs.push(performance.now() - s);
    }
    return median(xs);
  };
  const base = time(process.execPath, ['-e', '0']);
  const rows: [string, number][] = [
    ['sysctl -n', time(`${node.binDir}/sysctl`, ['-n', 'net.ipv4.ip_forward'])],
    ['kubectl get nodes -o json', time(`${node.binDir}/kubectl`, [...kc(node), 'get', 'nodes', '-o', 'json'])],
    [
      'kubectl apply -f (unchanged)',
      time(`${node.binDir}/kubectl`, [...kc(node), 'apply', '-f', manifest('v1.24.17', 'pod-security')]),
    ],
    [
      'kubectl auth can-i',
      time(`${node.binDir}/kubectl`, [
        ...kc(node),
        'auth',
        'can-i',
        'use',
        'podsecuritypolicy/privileged',
        '--as=system:serviceaccount:kube-system:default',
        '-n',
        'kube-system',
      ]),
    ],
  ];
  t.log(`node -e 0: ${base.toFixed(1)} ms`);
  for (const [name, ms] of rows) t.log(`${name}: ${ms.toFixed(1)} ms (${(ms - base).toFixed(1)} ms over node)`);
  // Timings depend on the machine's load: they are logged for the report; only a sim
  // that hangs or crawls fails here.
  for (const [name, ms] of rows) t.true(ms < 5000, `${name} took ${ms.toFixed(1)} ms`);
  // The call log has in-process durations too.
  const inProc = node
    .calls()
    .filter((c) => c.tool === 'kubectl' && c.end !== null)
    .map((c) => c.end! - c.start);
  t.log(`in-process median over ${inProc.length} kubectl calls: ${median(inProc)} ms`);
});
