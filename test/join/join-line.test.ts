import test from 'ava';
import { joinNodeName, parseJoinLine, validTtl } from '../../src/join/join-line.js';

const HASH = 'sha256:2c662bccbb9491d97b141a2b4b578867f240614ddcc399949c803d1f5093bba5';

test('reads the one-line form kubeadm token create prints (with its trailing space)', (t) => {
  const line = parseJoinLine(
    `kubeadm join 192.168.56.10:6443 --token r8ydn9.nkbo1b94w7a6s8em --discovery-token-ca-cert-hash ${HASH} \n`,
    'f',
  );
  t.deepEqual(line, { endpoint: '192.168.56.10:6443', token: 'r8ydn9.nkbo1b94w7a6s8em', caCertHashes: [HASH] });
});

test('reads the multi-line form kubeadm init prints (backslash, tab)', (t) => {
  const line = parseJoinLine(
    `kubeadm join 10.0.2.10:6443 --token cjpeqg.yvf2lka5i5epqcis \\\n\t--discovery-token-ca-cert-hash ${HASH} \n`,
    'f',
  );
  t.is(line.endpoint, '10.0.2.10:6443');
  t.deepEqual(line.caCertHashes, [HASH]);
});

const bad: [string, string, RegExp][] = [
  ['not kubeadm', 'rm -rf / --token x', /expected a `kubeadm join` command/],
  ['no address', 'kubeadm join --token abcdef.0123456789abcdef', /is not an API server address/],
  [
    'bad token',
    `kubeadm join a:6443 --token nope --discovery-token-ca-cert-hash ${HASH}`,
    /--token is not a bootstrap token/,
  ],
  ['no CA pin', 'kubeadm join a:6443 --token abcdef.0123456789abcdef', /no --discovery-token-ca-cert-hash/],
  [
    'unsafe skip',
    `kubeadm join a:6443 --token abcdef.0123456789abcdef --discovery-token-unsafe-skip-ca-verification`,
    /unexpected "--discovery-token-unsafe-skip-ca-verification"/,
  ],
  [
    'smuggled flag',
    `kubeadm join a:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${HASH} --config /etc/shadow`,
    /unexpected "--config"/,
  ],
  [
    'control plane',
    `kubeadm join a:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${HASH} --control-plane`,
    /control-plane nodes is not supported/,
  ],
];

for (const [name, text, message] of bad) {
  test(`refuses a join file: ${name}`, (t) => {
    const err = t.throws(() => parseJoinLine(text, 'join.txt'));
    t.regex(err!.toString(), /^join\.txt:1: /);
    t.regex(err!.message, message);
  });
}

test('token lifetimes are Go durations', (t) => {
  for (const ok of ['30m', '1h', '1h30m', '90s', '24h']) t.true(validTtl(ok), ok);
  for (const no of ['', '1d', '0', '0h', 'forever', '-1h', '1 h']) t.false(validTtl(no), no);
});

const TAIL = `--token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${HASH}`;

test('the endpoint is parsed strictly as host and port: nothing reaches kubeadm as an option (issue 15.7)', (t) => {
  for (const endpoint of [
    '-v:6443',
    '--v=9:6443',
    'cp:99999',
    'cp:0',
    'cp:06443',
    'cp:',
    ':6443',
    'cp',
    '-cp.example:6443',
    'cp-.example:6443',
    'cp..example:6443',
    '10.0.0.256:6443',
    '[::1:6443',
    '[zz::1]:6443',
    'user@cp:6443',
  ]) {
    const e = t.throws(() => parseJoinLine(`kubeadm join ${endpoint} ${TAIL}`, 'f'), undefined, endpoint);
    t.regex(e!.message, /is not an API server address/, endpoint);
  }
  for (const endpoint of ['10.0.2.15:6443', 'cp.example.com:443', 'cp-1:65535', '[fd00::10]:6443', 'CP1.Example:6443'])
    t.is(parseJoinLine(`kubeadm join ${endpoint} ${TAIL}`, 'f').endpoint, endpoint);
});

test('the node name: given names are checked as they are, the hostname is lowercased first', (t) => {
  t.is(joinNodeName(undefined, 'Worker-1'), 'worker-1');
  t.is(joinNodeName('w1.lab', 'ignored'), 'w1.lab');
  t.throws(() => joinNodeName('W1/../x', 'h'), { message: /"W1\/\.\.\/x" is not a valid DNS-1123 subdomain/ });
  t.throws(() => joinNodeName('W1', 'h'), { message: /"W1" is not a valid DNS-1123 subdomain/ });
  t.throws(() => joinNodeName(undefined, 'my_host'), {
    message: /the hostname "my_host" is not a valid node name .*pass --node-name/,
  });
});
