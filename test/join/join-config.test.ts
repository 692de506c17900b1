/**
 * The join config kubestrap hands to `kubeadm join --config`, for every minor's kubeadm:
 * the API version and kind it reads, the discovery fields in that version's shape, and
 * the kubelet's node IP as a map (a name/value list from v1beta4).
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { renderJoinConfig } from '../../src/join/join-config.js';
import { criSocket, kubeadmApiFor, supportedMinors } from '../../src/versions.js';
import { scratchDir } from '../helpers/scratch.js';
import { readJoinConfig } from '../sim/kubeadm-config.js';

const HASH = 'sha256:2c662bccbb9491d97b141a2b4b578867f240614ddcc399949c803d1f5093bba5';
const line = { endpoint: '192.168.56.10:6443', token: 'r8ydn9.nkbo1b94w7a6s8em', caCertHashes: [HASH] };
const dir = scratchDir('ks-joincfg');

for (const minor of supportedMinors()) {
  test(`v1.${minor}: a join config kubeadm v1.${minor} reads, with the node IP and containerd's socket`, (t) => {
    const text = renderJoinConfig(minor, { line, nodeName: 'w1', nodeIp: '192.168.56.11' });
    const doc = parse(text);
    const api = kubeadmApiFor(minor);
    t.is(doc.apiVersion, `kubeadm.k8s.io/${api}`);
    t.is(doc.kind, api === 'v1alpha2' ? 'NodeConfiguration' : 'JoinConfiguration');
    t.deepEqual(doc.nodeRegistration.name, 'w1');
    t.is(doc.nodeRegistration.criSocket, criSocket(minor));
    t.deepEqual(
      doc.nodeRegistration.kubeletExtraArgs,
      api === 'v1beta4' ? [{ name: 'node-ip', value: '192.168.56.11' }] : { 'node-ip': '192.168.56.11' },
    );
    // What the simulated kubeadm of that minor makes of it.
    const file = path.join(dir, `v1.${minor}.yaml`);
    writeFileSync(file, text);
    t.deepEqual(readJoinConfig(file, minor), {
      endpoint: line.endpoint,
      token: line.token,
      caCertHashes: [HASH],
      nodeName: 'w1',
      criSocket: criSocket(minor),
      nodeIp: '192.168.56.11',
    });
  });
}

test('without --node-ip there are no kubelet extra args at all', (t) => {
  for (const minor of [11, 24, 31]) {
    const doc = parse(renderJoinConfig(minor, { line, nodeName: 'w1' }));
    t.is(doc.nodeRegistration.kubeletExtraArgs, undefined);
  }
});
