/** The inventory (`-i FILE`): what a valid one resolves to, and every kind of bad one named with its line. */
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadInventory, parseInventory, type Inventory } from '../../src/config/inventory.js';
import { UserError, UserErrors } from '../../src/errors.js';
import { configErrors, configFrom } from '../helpers/config.js';
import { scratchDir } from '../helpers/scratch.js';
import { render } from '../../src/render/index.js';

const renderKubeadmConfig = (cfg: Parameters<typeof render>[0]) =>
  render(cfg).artifacts.find((a) => a.kind === 'kubeadm-config')!.text;

/** A home and an inventory folder with the keys the examples name. */
function setup(t: Parameters<typeof scratchDir>[1]) {
  const dir = scratchDir('ks-inv', t);
  const home = path.join(dir, 'home');
  mkdirSync(path.join(home, '.ssh'), { recursive: true });
  writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'key\n', { mode: 0o600 });
  mkdirSync(path.join(dir, 'keys'));
  writeFileSync(path.join(dir, 'keys', 'w1'), 'key\n', { mode: 0o600 });
  const parse = (text: string): Inventory => parseInventory(text, 'inventory.yaml', dir, home);
  const errors = (text: string): string[] => {
    try {
      parse(text);
      return [];
    } catch (e) {
      if (e instanceof UserErrors) return e.errors.map((x) => x.toString());
      if (e instanceof UserError) return [e.toString()];
      throw e;
    }
  };
  return { dir, home, parse, errors };
}

const HEAD = 'apiVersion: kubestrap.io/v1alpha1\nkind: Inventory\n';

test('defaults apply to every host, a host overrides them, paths resolve as a shell and the file folder say', (t) => {
  const { dir, home, parse } = setup(t);
  const inv = parse(
    `${HEAD}ssh:
  user: kube
  port: 2222
  identityFile: ~/.ssh/id_ed25519
  options: {StrictHostKeyChecking: accept-new, ServerAliveInterval: 15}
hosts:
  - name: cp1
    address: 192.168.56.10
    role: control-plane
  - name: w1
    address: w1.lab.example
    nodeIP: 192.168.56.11
    role: worker
    ssh:
      user: root
      identityFile: keys/w1
      options: {serveraliveinterval: 5, ForwardAgent: false}
`,
  );
  t.deepEqual(
    inv.hosts.map((h) => h.name),
    ['cp1', 'w1'],
  );
  t.deepEqual(
    inv.controlPlanes.map((h) => h.name),
    ['cp1'],
  );
  t.deepEqual(
    inv.workers.map((h) => h.name),
    ['w1'],
  );
  const [cp1, w1] = inv.hosts;
  t.deepEqual(cp1.ssh, {
    user: 'kube',
    port: 2222,
    identityFile: path.join(home, '.ssh/id_ed25519'),
    options: [
      { name: 'StrictHostKeyChecking', value: 'accept-new', field: ['ssh', 'options', 'StrictHostKeyChecking'] },
      { name: 'ServerAliveInterval', value: '15', field: ['ssh', 'options', 'ServerAliveInterval'] },
    ],
  });
  t.is(cp1.nodeIP, '192.168.56.10', 'an IP address is also the node IP');
  t.deepEqual(w1.ssh, {
    user: 'root',
    port: 2222,
    identityFile: path.join(dir, 'keys/w1'),
    // The host's option replaces the default of the same name, whatever its case.
    options: [
      { name: 'StrictHostKeyChecking', value: 'accept-new', field: ['ssh', 'options', 'StrictHostKeyChecking'] },
      { name: 'serveraliveinterval', value: '5', field: ['hosts', 1, 'ssh', 'options', 'serveraliveinterval'] },
      { name: 'ForwardAgent', value: 'no', field: ['hosts', 1, 'ssh', 'options', 'ForwardAgent'] },
    ],
  });
  t.is(w1.nodeIP, '192.168.56.11');
});

test('without ssh settings OpenSSH decides (~/.ssh/config, the agent); a DNS address has no node IP of its own', (t) => {
  const { parse } = setup(t);
  const inv = parse(`${HEAD}hosts:\n  - {name: cp1, address: cp1.example, role: control-plane}\n`);
  t.deepEqual(inv.hosts[0].ssh, { options: [] });
  t.is(inv.hosts[0].nodeIP, undefined);
});

test('unknown fields are named with their line, at every level', (t) => {
  const { errors } = setup(t);
  t.deepEqual(
    errors(
      `${HEAD}ssh:
  usr: root
hosts:
  - name: cp1
    address: 10.0.0.1
    role: control-plane
    labels: {a: b}
extra: 1
`,
    ),
    [
      'inventory.yaml:4:3: ssh.usr: unknown field',
      'inventory.yaml:9:5: hosts[0].labels: unknown field',
      'inventory.yaml:10:1: extra: unknown field',
    ],
  );
});

test('duplicate names, addresses and node IPs are refused at the later host; the same address on another port is another host', (t) => {
  const { errors, parse } = setup(t);
  t.deepEqual(
    errors(
      `${HEAD}hosts:
  - {name: cp1, address: 10.0.0.1, role: control-plane}
  - {name: cp1, address: 10.0.0.2, role: worker}
  - {name: w2, address: 10.0.0.1, role: worker}
  - {name: w3, address: 10.0.0.9, nodeIP: 10.0.0.2, role: worker}
`,
    ),
    [
      'inventory.yaml:5:12: hosts[1].name: the same name as hosts[0] (cp1): each host once',
      'inventory.yaml:6:25: hosts[2].address: the same address and SSH port as hosts[0] (cp1): each host once',
      'inventory.yaml:6:25: hosts[2].address: the same node IP as hosts[0] (cp1): each host once',
      'inventory.yaml:7:43: hosts[3].nodeIP: the same node IP as hosts[1] (cp1): each host once',
    ],
  );
  // Vagrant's forwarded ports: one address, several machines, each with its own node IP.
  const nat = parse(
    `${HEAD}hosts:
  - {name: cp1, address: 127.0.0.1, nodeIP: 192.168.56.10, role: control-plane, ssh: {port: 2222}}
  - {name: w1, address: 127.0.0.1, nodeIP: 192.168.56.11, role: worker, ssh: {port: 2200}}
`,
  );
  t.deepEqual(
    nat.hosts.map((h) => [h.address, h.ssh.port, h.nodeIP]),
    [
      ['127.0.0.1', 2222, '192.168.56.10'],
      ['127.0.0.1', 2200, '192.168.56.11'],
    ],
  );
});

test('an inventory without a control plane, or without hosts, is refused', (t) => {
  const { errors } = setup(t);
  t.deepEqual(errors(`${HEAD}hosts:\n  - {name: w1, address: 10.0.0.1, role: worker}\n`), [
    'inventory.yaml:3:1: hosts: no host has role control-plane: the first control plane runs kubeadm init',
  ]);
  t.deepEqual(errors(`${HEAD}hosts: []\n`), ['inventory.yaml:3:8: hosts: must not be empty']);
  t.deepEqual(errors(`${HEAD}hosts:\n  - {name: w1, address: 10.0.0.1, role: master}\n`), [
    'inventory.yaml:4:41: hosts[0].role: must be one of control-plane, worker; got the string "master"',
  ]);
});

test('a missing identity file is named at the line that names it, once for the defaults', (t) => {
  const { errors, dir, home } = setup(t);
  t.deepEqual(
    errors(
      `${HEAD}ssh:
  identityFile: ~/.ssh/id_rsa
hosts:
  - {name: cp1, address: 10.0.0.1, role: control-plane}
  - {name: w1, address: 10.0.0.2, role: worker}
  - {name: w2, address: 10.0.0.3, role: worker, ssh: {identityFile: keys}}
`,
    ),
    [
      `inventory.yaml:4:17: ssh.identityFile: ${path.join(home, '.ssh/id_rsa')}: no such identity file`,
      `inventory.yaml:8:69: hosts[2].ssh.identityFile: ${path.join(dir, 'keys')}: is not a file (ssh.identityFile names a private key)`,
    ],
  );
});

test('options kubestrap sets itself, or that would let a changed host key through, are refused', (t) => {
  const { errors } = setup(t);
  t.deepEqual(
    errors(
      `${HEAD}ssh:
  options:
    ControlPath: /tmp/x
    StrictHostKeyChecking: no
    UserKnownHostsFile: /dev/null
    "Proxy Command": x
    ProxyJump: "bastion\\n-oProxyCommand=sh"
    forwardagent: yes
    ForwardAgent: no
hosts:
  - {name: cp1, address: 10.0.0.1, role: control-plane, ssh: {options: {BatchMode: no, User: root}}}
`,
    ),
    [
      'inventory.yaml:5:5: ssh.options.ControlPath: cannot be set here: kubestrap shares one connection per host itself (ControlMaster, ControlPath, ControlPersist)',
      "inventory.yaml:6:28: ssh.options.StrictHostKeyChecking: kubestrap never connects to a host whose key is unknown or changed without checking it: use accept-new to trust a new host's key on first contact (a changed key is still refused), or add the keys to known_hosts",
      'inventory.yaml:7:25: ssh.options.UserKnownHostsFile: a known_hosts file that forgets every key would accept a changed host key as new: name a real file, or leave it to ~/.ssh/known_hosts',
      'inventory.yaml:8:5: ssh.options["Proxy Command"]: is not an OpenSSH option name (letters and digits, as in ssh_config)',
      'inventory.yaml:9:16: ssh.options.ProxyJump: must be a non-empty value on one line',
      'inventory.yaml:11:5: ssh.options.ForwardAgent: is the same option as forwardagent (OpenSSH ignores case)',
      'inventory.yaml:13:73: hosts[0].ssh.options.BatchMode: cannot be set here: kubestrap never prompts (BatchMode=yes): use an agent for keys with a passphrase',
      'inventory.yaml:13:88: hosts[0].ssh.options.User: cannot be set here: use ssh.user',
    ],
  );
});

test('names, addresses, node IPs and users that could not be what they claim are refused', (t) => {
  const { errors } = setup(t);
  t.deepEqual(
    errors(
      `${HEAD}hosts:
  - {name: CP_1, address: 10.0.0.1, role: control-plane}
  - {name: w1, address: -oProxyCommand=sh, role: worker}
  - {name: w2, address: 10.0.0.3, nodeIP: fd00::3, role: worker}
  - {name: w3, address: 10.0.0.4, nodeIP: 10.0.4, role: worker}
  - {name: w4, address: 127.0.0.1, role: worker, ssh: {port: 2200, user: -froot}}
`,
    ),
    [
      `inventory.yaml:4:12: hosts[0].name: "CP_1" is not a valid DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (it becomes the node name)`,
      'inventory.yaml:5:25: hosts[1].address: "-oProxyCommand=sh" is not an IP address or a host name for SSH to connect to',
      'inventory.yaml:6:43: hosts[2].nodeIP: IPv6 node addresses are not supported yet (nor IPv6 subnets)',
      'inventory.yaml:7:43: hosts[3].nodeIP: "10.0.4" is not an IPv4 address',
      "inventory.yaml:8:74: hosts[4].ssh.user: \"-froot\" is not a user name (letters, digits, '_', '.', '-'; not starting with '-')",
      "inventory.yaml:8:25: hosts[4].address: 127.0.0.1 is a loopback address (127.0.0.0/8), which other nodes cannot reach: set nodeIP to the address the node has on the cluster's network",
    ],
  );
});

test('a cluster config given as the inventory says what kind it expected', (t) => {
  const { errors } = setup(t);
  t.deepEqual(errors('apiVersion: kubestrap.io/v1alpha1\nkind: ClusterConfig\nkubernetesVersion: v1.31.4\n'), [
    'inventory.yaml:2:7: kind: must be "Inventory", got the string "ClusterConfig"',
    'inventory.yaml:1:1: hosts: is required (array)',
    'inventory.yaml:3:1: kubernetesVersion: unknown field',
  ]);
});

test('loadInventory names a file that is not there', (t) => {
  const dir = scratchDir('ks-inv', t);
  const err = t.throws(() => loadInventory('hosts.yaml', dir), { instanceOf: UserError });
  t.is(err!.toString(), 'hosts.yaml: inventory file not found');
});

test('controlPlane.endpoint: host or host:port, from v1.15, rendered as kubeadm controlPlaneEndpoint', (t) => {
  t.deepEqual(configErrors('kubernetesVersion: v1.31.4\ncontrolPlane: {endpoint: "k8s.example:6443"}\n'), []);
  t.deepEqual(configErrors('kubernetesVersion: v1.31.4\ncontrolPlane: {endpoint: 192.168.56.5}\n'), []);
  t.deepEqual(configErrors('kubernetesVersion: v1.31.4\ncontrolPlane: {endpoint: "https://k8s:6443"}\n'), [
    'cluster.yaml:2:26: controlPlane.endpoint: "https://k8s:6443" is not host or host:port (a DNS name or an IPv4 address, port 1-65535)',
  ]);
  t.deepEqual(configErrors('kubernetesVersion: v1.31.4\ncontrolPlane: {endpoint: "k8s:70000"}\n'), [
    'cluster.yaml:2:26: controlPlane.endpoint: "k8s:70000" is not host or host:port (a DNS name or an IPv4 address, port 1-65535)',
  ]);
  t.deepEqual(configErrors('kubernetesVersion: v1.14.10\ncontrolPlane: {endpoint: k8s}\n'), [
    "cluster.yaml:2:26: controlPlane.endpoint: needs Kubernetes v1.15 or newer (kubeadm's --upload-certs and join --control-plane)",
  ]);
  for (const version of ['v1.15.12', 'v1.24.17', 'v1.31.4']) {
    const text = renderKubeadmConfig(
      configFrom(`kubernetesVersion: ${version}\ncontrolPlane: {endpoint: "k8s.example:6443"}\n`),
    );
    t.regex(
      text,
      /^kind: "?ClusterConfiguration"?\nkubernetesVersion: "?v1\.\d+\.\d+"?\ncontrolPlaneEndpoint: "?k8s\.example:6443"?$/m,
    );
  }
  t.notRegex(renderKubeadmConfig(configFrom('kubernetesVersion: v1.31.4\n')), /controlPlaneEndpoint/);
});
