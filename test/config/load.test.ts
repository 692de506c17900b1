import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';
import { configErrors, configFrom } from '../helpers/config.js';
import { scratchDir } from '../helpers/scratch.js';

test('no config file at all gives the documented defaults', (t) => {
  const dir = scratchDir('ks-cfg', t);
  const cfg = loadConfig(undefined, dir);
  t.is(cfg.source, undefined);
  t.is(cfg.version.text, 'v1.24.17');
  t.is(cfg.mode, 'psp');
  t.is(cfg.podSecurity.default, 'restricted');
  t.deepEqual(cfg.podSecurity.privilegedNamespaces, ['kube-system', 'kube-flannel']);
  t.is(cfg.networking.podSubnet, '10.244.0.0/16');
  t.is(cfg.networking.serviceSubnet, '10.96.0.0/12');
  t.true(cfg.controlPlane.allowWorkloads);
  t.deepEqual(cfg.tenants, []);
});

test('./cluster.yaml is read when -c is not given', (t) => {
  const dir = scratchDir('ks-cfg', t);
  writeFileSync(path.join(dir, 'cluster.yaml'), 'kubernetesVersion: v1.31.4\n');
  const cfg = loadConfig(undefined, dir);
  t.is(cfg.source, 'cluster.yaml');
  t.is(cfg.mode, 'pss');
});

test('an explicit -c file that does not exist is an error, not the defaults', (t) => {
  const dir = scratchDir('ks-cfg', t);
  const err = t.throws(() => loadConfig('missing.yaml', dir), { instanceOf: UserError });
  t.regex(err!.toString(), /^missing\.yaml: config file not found/);
});

test('mode auto resolves to psp up to 1.24 and pss from 1.25', (t) => {
  t.is(configFrom('kubernetesVersion: v1.24.17\n').mode, 'psp');
  t.is(configFrom('kubernetesVersion: v1.25.16\n').mode, 'pss');
  t.is(configFrom('kubernetesVersion: v1.11.3\n').mode, 'psp');
  t.is(configFrom('kubernetesVersion: 1.37.0\n').version.text, 'v1.37.0');
});

test('pss is accepted on 1.23 and 1.24 when asked for', (t) => {
  t.is(configFrom('kubernetesVersion: v1.23.17\npodSecurity:\n  mode: pss\n').mode, 'pss');
});

test('unknown fields are named with their line, at every level', (t) => {
  const errors = configErrors(
    ['kubernetesVersion: v1.24.17', 'networking:', '  podSubnett: 10.244.0.0/16', 'extra: 1', ''].join('\n'),
  );
  t.deepEqual(errors, [
    'cluster.yaml:3:3: networking.podSubnett: unknown field',
    'cluster.yaml:4:1: extra: unknown field',
  ]);
});

test('wrong types say what was expected and what was found', (t) => {
  const errors = configErrors(
    [
      'controlPlane:',
      '  allowWorkloads: "yes"',
      'tenants:',
      '  - namespace: demo',
      '    serviceAccounts: app',
      '',
    ].join('\n'),
  );
  t.deepEqual(errors, [
    'cluster.yaml:2:19: controlPlane.allowWorkloads: expected true or false, got the string "yes"',
    'cluster.yaml:5:22: tenants[0].serviceAccounts: expected a list, got the string "app"',
  ]);
});

test('enum values list the choices', (t) => {
  t.deepEqual(configErrors('podSecurity:\n  default: strict\n'), [
    'cluster.yaml:2:12: podSecurity.default: must be one of restricted, baseline, privileged; got the string "strict"',
  ]);
});

test('duplicate keys are refused with the line of the repeat', (t) => {
  const errors = configErrors(
    'kubernetesVersion: v1.24.17\nnetworking:\n  podSubnet: 10.244.0.0/16\n  podSubnet: 10.32.0.0/12\n',
  );
  t.is(errors.length, 1);
  t.regex(errors[0], /^cluster\.yaml:4:3: duplicate key/);
});

test('malformed YAML names the line and column', (t) => {
  const errors = configErrors('kubernetesVersion: v1.24.17\nnetworking: [\n');
  t.true(errors.length >= 1);
  t.regex(errors[0], /^cluster\.yaml:\d+:\d+: /);
});

test('a config that is not a mapping is refused', (t) => {
  t.deepEqual(configErrors('- a\n- b\n'), [
    'cluster.yaml:1:1: the config must be a YAML mapping (apiVersion, kind, kubernetesVersion, ...)',
  ]);
});

test('apiVersion and kind must be the kubestrap ones when given', (t) => {
  t.deepEqual(configErrors('apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfig\n'), [
    'cluster.yaml:1:13: apiVersion: must be "kubestrap.io/v1alpha1", got the string "kubeadm.k8s.io/v1beta3"',
  ]);
});

test('left out, the privileged namespaces are kube-system and wherever flannel runs on that minor', (t) => {
  t.deepEqual(configFrom('kubernetesVersion: v1.16.15\n').podSecurity.privilegedNamespaces, ['kube-system']);
  t.deepEqual(configFrom('kubernetesVersion: v1.17.17\n').podSecurity.privilegedNamespaces, [
    'kube-system',
    'kube-flannel',
  ]);
});
