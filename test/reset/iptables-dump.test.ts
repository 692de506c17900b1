import test from 'ava';
import { isKubeChain } from '../../src/reset/kube-chains.js';
import { ruleTarget, ruleWords, withoutKubeRules } from '../../src/reset/iptables-dump.js';

test('chains are Kubernetes networking chains by exact name only', (t) => {
  for (const name of [
    'KUBE-SERVICES',
    'KUBE-FIREWALL',
    'KUBE-SVC-NPX46M4PTMTKRN6Y',
    'KUBE-SEP-ABCDEFGHIJKLMNOP',
    'FLANNEL-POSTRTG',
    'CNI-HOSTPORT-DNAT',
    'CNI-DN-0123456789abcdef01234',
    'CNI-0123456789abcdef01234567',
  ])
    t.true(isKubeChain(name), name);
  for (const name of [
    'kube-bastion',
    'kube-services',
    'KUBE-BASTION',
    'KUBE-SVC-short',
    'FLANNEL-mine',
    'Flannel-audit',
    'CNI-ADMIN',
    'CNI-0123',
    'DOCKER-USER',
  ])
    t.false(isKubeChain(name), name);
});

test('a rule target is read from -j/-g words, never from a quoted comment', (t) => {
  t.is(ruleTarget(ruleWords('-A INPUT -m comment --comment "go -j KUBE-SERVICES" -j ACCEPT')), 'ACCEPT');
  t.is(ruleTarget(ruleWords('-A INPUT -m comment --comment "say \\"-j\\" KUBE-X" -g KUBE-FORWARD')), 'KUBE-FORWARD');
  t.is(ruleTarget(ruleWords('-A INPUT -m comment --comment -j -p tcp')), undefined);
  t.is(ruleTarget(ruleWords('-A INPUT -s 10.0.0.0/8')), undefined);
});

test('withoutKubeRules drops kube chains, their rules and jumps to them, and nothing else', (t) => {
  const dump = [
    '*filter',
    ':INPUT DROP [0:0]',
    ':KUBE-FORWARD - [0:0]',
    ':kube-bastion - [0:0]',
    '-A INPUT -p tcp -m tcp --dport 22 -m comment --comment "Kubernetes admins ssh" -j ACCEPT',
    '-A INPUT -j kube-bastion',
    '-A INPUT -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A KUBE-FORWARD -j ACCEPT',
    '-A kube-bastion -m comment --comment "jump -j KUBE-FORWARD later" -j ACCEPT',
    'COMMIT',
    '',
  ].join('\n');
  t.is(
    withoutKubeRules(dump),
    [
      '*filter',
      ':INPUT DROP [0:0]',
      ':kube-bastion - [0:0]',
      '-A INPUT -p tcp -m tcp --dport 22 -m comment --comment "Kubernetes admins ssh" -j ACCEPT',
      '-A INPUT -j kube-bastion',
      '-A kube-bastion -m comment --comment "jump -j KUBE-FORWARD later" -j ACCEPT',
      'COMMIT',
      '',
    ].join('\n'),
  );
});
