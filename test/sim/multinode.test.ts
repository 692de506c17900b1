/**
 * Several simulated nodes sharing one cluster: another control plane joins with the key of
 * the uploaded certificates (and fails as kubeadm does without an endpoint, with a wrong key
 * or once the certificates expired), each control plane's kubelet mirrors its static pods,
 * each node shows its own ports, and a node's reset takes away only that node.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { createSimNode, FAST_TIMING, type SimNode } from './install.js';
import { golden, installHostFiles, kubectl, readyNode } from './harness.js';

const V = 'v1.31.4';

/** The golden kubeadm config for V, with controlPlaneEndpoint (or without, as rendered). */
function kubeadmConfig(node: SimNode, endpoint?: string): string {
  let text = fs.readFileSync(`${golden(V)}/kubeadm-config.yaml`, 'utf8').replace('name: "cp"', 'name: "cp1"');
  if (endpoint)
    text = text.replace(
      /^kind: "ClusterConfiguration"\n/m,
      `kind: "ClusterConfiguration"\ncontrolPlaneEndpoint: "${endpoint}"\n`,
    );
  const file = path.join(node.root, 'kubeadm-config.yaml');
  fs.writeFileSync(file, text);
  installHostFiles(node, golden(V));
  return file;
}

/** Another node of the same cluster: its own root and fakes, the first node's state. */
async function member(cp: SimNode, hostname: string, hostFiles = true): Promise<{ node: SimNode; run: Run }> {
  const node = await createSimNode({
    kubernetesVersion: V,
    timing: FAST_TIMING,
    host: { hostname, brNetfilter: true, ipForward: true },
  });
  if (hostFiles) installHostFiles(node, golden(V));
  const run: Run = async (tool, args) => {
    const r = await execa(path.join(node.binDir, tool), args, {
      env: { ...node.env, SIM_STATE: cp.statePath },
      reject: false,
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  return { node, run };
}

type Run = (tool: string, args: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

function joinConfig(node: SimNode, o: { endpoint: string; token: string; hash: string; name: string; key?: string }) {
  const file = path.join(node.root, 'join.yaml');
  fs.writeFileSync(
    file,
    [
      'apiVersion: kubeadm.k8s.io/v1beta4',
      'kind: JoinConfiguration',
      'discovery:',
      '  bootstrapToken:',
      `    apiServerEndpoint: "${o.endpoint}"`,
      `    token: "${o.token}"`,
      `    caCertHashes: ["${o.hash}"]`,
      'nodeRegistration:',
      `  name: "${o.name}"`,
      ...(o.key
        ? ['controlPlane:', '  localAPIEndpoint:', '    advertiseAddress: "10.0.0.2"', `  certificateKey: "${o.key}"`]
        : []),
      '',
    ].join('\n'),
  );
  return file;
}

async function initialised(endpoint?: string) {
  const cp = await readyNode({ kubernetesVersion: V, timing: FAST_TIMING, host: { hostname: 'cp1' } });
  const init = await cp.exec('kubeadm', ['init', '--config', kubeadmConfig(cp, endpoint)]);
  if (init.exitCode !== 0) throw new Error(init.stderr);
  const line = await cp.exec('kubeadm', ['token', 'create', '--print-join-command']);
  const [, joinEndpoint, token, hash] =
    /^kubeadm join (\S+) --token (\S+) --discovery-token-ca-cert-hash (\S+) \n$/.exec(line.stdout) ?? [];
  return { cp, joinEndpoint, token, hash };
}

function objectNames(cp: SimNode, kind: string): string[] {
  return Object.values(cp.state().cluster!.objects)
    .filter((o: any) => o.kind === kind)
    .map((o: any) => o.metadata.name)
    .sort();
}

test('another control plane joins with the uploaded certificates: its files, node, mirror pods and ports', async (t) => {
  const { cp, joinEndpoint, token, hash } = await initialised('k8s.test');
  t.teardown(() => cp.cleanup());
  t.is(joinEndpoint, 'k8s.test:6443', 'nodes join at the endpoint, with the API server port added');
  const up = await cp.exec('kubeadm', [
    'init',
    'phase',
    'upload-certs',
    '--upload-certs',
    '--config',
    path.join(cp.root, 'kubeadm-config.yaml'),
  ]);
  t.is(up.exitCode, 0, up.stderr);
  const m =
    /^\[upload-certs\] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n\[upload-certs\] Using certificate key:\n([a-f0-9]{64})\n$/.exec(
      up.stdout,
    );
  t.truthy(m, up.stdout);
  const { node: cp2, run } = await member(cp, 'cp2');
  t.teardown(() => cp2.cleanup());
  const join = await run('kubeadm', [
    'join',
    '--config',
    joinConfig(cp2, { endpoint: joinEndpoint, token, hash, name: 'cp2', key: m![1] }),
  ]);
  t.is(join.exitCode, 0, join.stderr);
  t.regex(join.stdout, /This node has joined the cluster and a new control plane instance was created:/);
  for (const f of [
    '/etc/kubernetes/admin.conf',
    '/etc/kubernetes/kubelet.conf',
    '/etc/kubernetes/manifests/kube-apiserver.yaml',
  ])
    t.true(fs.existsSync(cp2.at(f)), f);
  await kubectl(cp, ['get', 'pods', '-A']);
  const node = (cp.state().cluster!.objects['Node//cp2'] ??
    Object.values(cp.state().cluster!.objects).find((o: any) => o.kind === 'Node' && o.metadata.name === 'cp2')) as any;
  t.true('node-role.kubernetes.io/control-plane' in node.metadata.labels);
  t.true(node.spec.taints.some((x: any) => x.key === 'node-role.kubernetes.io/control-plane'));
  const pods = objectNames(cp, 'Pod');
  for (const p of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
    t.true(pods.includes(`${p}-cp1`), `${p}-cp1`);
    t.true(pods.includes(`${p}-cp2`), `${p}-cp2 is mirrored`);
  }
  // Each node shows its own ports: a worker has no API server.
  const { node: w1, run: runW } = await member(cp, 'w1');
  t.teardown(() => w1.cleanup());
  t.regex((await run('ss', ['-Htln'])).stdout, /:6443\s/);
  t.notRegex((await runW('ss', ['-Htln'])).stdout, /:6443\s/);
});

test('a control plane cannot join without an endpoint, with another key, or after the certificates expired', async (t) => {
  const plain = await initialised();
  t.teardown(() => plain.cp.cleanup());
  const { node: a, run: runA } = await member(plain.cp, 'cp2');
  t.teardown(() => a.cleanup());
  const noEndpoint = await runA('kubeadm', [
    'join',
    '--config',
    joinConfig(a, {
      endpoint: plain.joinEndpoint,
      token: plain.token,
      hash: plain.hash,
      name: 'cp2',
      key: 'a'.repeat(64),
    }),
  ]);
  t.is(noEndpoint.exitCode, 1);
  t.regex(
    noEndpoint.stderr,
    /unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address/,
  );

  const ha = await initialised('k8s.test:6443');
  t.teardown(() => ha.cp.cleanup());
  const up = await ha.cp.exec('kubeadm', ['init', 'phase', 'upload-certs', '--upload-certs']);
  const key = up.stdout.trim().split('\n').pop()!;
  const { node: b, run: runB } = await member(ha.cp, 'cp2');
  t.teardown(() => b.cleanup());
  const wrong = await runB('kubeadm', [
    'join',
    '--config',
    joinConfig(b, { endpoint: ha.joinEndpoint, token: ha.token, hash: ha.hash, name: 'cp2', key: 'b'.repeat(64) }),
  ]);
  t.is(wrong.exitCode, 1);
  t.regex(wrong.stderr, /error decoding secret data with provided key: cipher: message authentication failed/);
  ha.cp.advanceClock(2 * 60 * 60 * 1000 + 1000);
  const late = await runB('kubeadm', [
    'join',
    '--config',
    joinConfig(b, { endpoint: ha.joinEndpoint, token: ha.token, hash: ha.hash, name: 'cp2', key }),
  ]);
  t.is(late.exitCode, 1);
  t.regex(
    late.stderr,
    /Secret "kubeadm-certs" was not found in the "kube-system" Namespace\. This Secret might have expired\./,
  );
  t.false(fs.existsSync(b.at('/etc/kubernetes/admin.conf')), 'nothing written');
  // Its API server needs the PodSecurity admission config that cp1 has.
  const fresh = (await ha.cp.exec('kubeadm', ['init', 'phase', 'upload-certs', '--upload-certs'])).stdout
    .trim()
    .split('\n')
    .pop()!;
  const { node: c, run: runC } = await member(ha.cp, 'cp3', false);
  t.teardown(() => c.cleanup());
  const bare = await runC('kubeadm', [
    'join',
    '--config',
    joinConfig(c, { endpoint: ha.joinEndpoint, token: ha.token, hash: ha.hash, name: 'cp3', key: fresh }),
  ]);
  t.is(bare.exitCode, 1);
  t.regex(bare.stderr, /admission-config\.yaml, which its --admission-control-config-file names, is not on this node/);
  t.deepEqual(objectNames(ha.cp, 'Node'), ['cp1']);
});

test("a node's reset takes away that node only; the last control plane's takes the cluster", async (t) => {
  const { cp, joinEndpoint, token, hash } = await initialised('k8s.test');
  t.teardown(() => cp.cleanup());
  const key = (await cp.exec('kubeadm', ['init', 'phase', 'upload-certs', '--upload-certs'])).stdout
    .trim()
    .split('\n')
    .pop()!;
  const { node: cp2, run: run2 } = await member(cp, 'cp2');
  const { node: w1, run: runW } = await member(cp, 'w1');
  t.teardown(() => cp2.cleanup());
  t.teardown(() => w1.cleanup());
  t.is(
    (
      await run2('kubeadm', [
        'join',
        '--config',
        joinConfig(cp2, { endpoint: joinEndpoint, token, hash, name: 'cp2', key }),
      ])
    ).exitCode,
    0,
  );
  t.is(
    (await runW('kubeadm', ['join', '--config', joinConfig(w1, { endpoint: joinEndpoint, token, hash, name: 'w1' })]))
      .exitCode,
    0,
  );
  t.deepEqual(objectNames(cp, 'Node'), ['cp1', 'cp2', 'w1']);

  t.is((await runW('kubeadm', ['reset', '-f'])).exitCode, 0);
  t.false(fs.existsSync(w1.at('/etc/kubernetes/kubelet.conf')));
  t.deepEqual(objectNames(cp, 'Node'), ['cp1', 'cp2'], 'the cluster runs on');
  // The first control plane goes: the API server of the one left answers.
  t.is((await cp.exec('kubeadm', ['reset', '-f'])).exitCode, 0);
  t.deepEqual(objectNames(cp, 'Node'), ['cp2']);
  const nodes = await run2('kubectl', [
    '--kubeconfig',
    cp2.at('/etc/kubernetes/admin.conf'),
    'get',
    'nodes',
    '-o',
    'name',
  ]);
  t.is(nodes.stdout, 'node/cp2', nodes.stderr);
  t.is((await run2('kubeadm', ['reset', '-f'])).exitCode, 0);
  t.is(cp.state().cluster, null, 'the last control plane takes the cluster');
});
