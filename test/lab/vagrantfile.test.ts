/**
 * The lab's Vagrantfile: `vagrant validate` for good settings (defaults, 0 and 3
 * workers, a PSS lab, the newest minor) and a failing validation naming the setting
 * for each kind of bad one; then what it declares per machine (read through a
 * recording stand-in for Vagrant): addresses, resources, providers, synced folders,
 * and the arguments each machine's provisioner gets.
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  REPO,
  dumpVagrantfile,
  needs,
  runRuby,
  syncedFolders,
  vagrant as vagrant_,
  vagrantValidate,
} from './helpers.js';

const vagrant = needs('vagrant');
const rubyTool = needs('ruby', ['-e', 'exit 0']);
const vtest = vagrant;
const rtest = rubyTool;

const timings: number[] = [];

/**
 * Good settings, each through `vagrant validate` (about a second a call here, so a
 * handful; the machines each declares are checked below, without vagrant).
 */
const good: [string, string | undefined][] = [
  ['the default settings (no settings file)', undefined],
  ['0 workers', 'workers:\n  count: 0\n'],
  ['3 workers', 'workers:\n  count: 3\n  cpus: 2\n  memory: 2048\n'],
  ['a PSS lab (v1.31.4) on Debian with ingress', 'kubernetesVersion: v1.31.4\nbox: bento/debian-12\ningress: true\n'],
  [
    'the newest minor (v1.37.1), libvirt over virtiofs',
    'kubernetesVersion: v1.37.1\nlibvirt:\n  box: cloud-image/ubuntu-24.04\n  syncedFolder: virtiofs\n',
  ],
];

for (const [title, yaml] of good) {
  vtest(`vagrant validate passes: ${title}`, async (t) => {
    const r = await vagrantValidate(yaml);
    timings.push(r.ms);
    t.log(`vagrant validate took ${r.ms} ms`);
    t.is(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    t.regex(r.stdout, /Vagrantfile validated successfully/);
  });
}

/**
 * Bad settings: each must stop vagrant (exit 1) with a message that names the
 * setting and says why. Every case is checked against the settings code in one
 * Ruby process; the ones marked `true`, one per kind (worker count, unknown key,
 * wrong type, unsupported version, bad IP, bad CIDR, memory), also through
 * `vagrant validate` itself.
 */
const bad: [string, string, RegExp[], boolean?][] = [
  [
    'a negative worker count',
    'workers:\n  count: -1\n',
    [/lab\.yaml:2: workers\.count: must be 0 or more, got -1/],
    true,
  ],
  ['too many workers', 'workers:\n  count: 40\n', [/workers\.count: at most 20 workers/]],
  ['an unknown key', 'worker:\n  count: 2\n', [/lab\.yaml:1: worker: unknown setting \(known here: .*workers/], true],
  [
    'an unknown nested key',
    'network:\n  controlPlaneIP: 192.168.56.10\n',
    [/lab\.yaml:2: network\.controlPlaneIP: unknown setting \(known here: controlPlaneIp, checkVirtualBoxRange\)/],
  ],
  ['a wrong type', 'workers:\n  count: two\n', [/workers\.count: must be a whole number, got "two"/], true],
  [
    'a version that YAML reads as a number',
    'kubernetesVersion: 1.30\n',
    [/kubernetesVersion: must be a string, got 1\.3 \(quote it\)/],
  ],
  [
    'a scalar where a mapping belongs',
    'workers: 3\n',
    [/lab\.yaml:1: workers: must be a mapping of count, cpus, memory/],
  ],
  [
    'a version older than pkgs.k8s.io',
    'kubernetesVersion: v1.23.17\n',
    [/kubernetesVersion: v1\.23\.17: the lab installs Kubernetes from pkgs\.k8s\.io, which hosts v1\.24 and newer/],
    true,
  ],
  [
    'a version newer than kubestrap supports',
    'kubernetesVersion: v1.38.0\n',
    [/kubernetesVersion: v1\.38\.0: kubestrap supports Kubernetes up to v1\.37/],
  ],
  [
    'a version that is not one',
    'kubernetesVersion: latest\n',
    [/kubernetesVersion: "latest" is not a Kubernetes version/],
  ],
  [
    'a bad IP',
    'network:\n  controlPlaneIp: 192.168.56.300\n',
    [/network\.controlPlaneIp: "192\.168\.56\.300" is not an IPv4 address/],
    true,
  ],
  [
    'the host-only network address',
    'network:\n  controlPlaneIp: 192.168.56.1\n',
    [/network\.controlPlaneIp: 192\.168\.56\.1: \.0 and \.1 are the network and the host's own address/],
  ],
  [
    'an address outside VirtualBox host-only range',
    'network:\n  controlPlaneIp: 172.28.0.10\n',
    [
      /network\.controlPlaneIp: 172\.28\.0\.10 .*must be inside 192\.168\.56\.0\/21/,
      /\/etc\/vbox\/networks\.conf/,
      /checkVirtualBoxRange: false/,
    ],
  ],
  [
    'workers running past .254',
    'network:\n  controlPlaneIp: 192.168.56.252\nworkers:\n  count: 3\n',
    [/network\.controlPlaneIp: 192\.168\.56\.252: the workers take the next 3 addresses/],
  ],
  ['a bad CIDR', 'podSubnet: 10.244.0.0\n', [/podSubnet: "10\.244\.0\.0" is not an IPv4 CIDR/]],
  [
    'a CIDR with host bits',
    'podSubnet: 10.244.1.0/16\n',
    [/podSubnet: 10\.244\.1\.0\/16 has host bits set; did you mean 10\.244\.0\.0\/16\?/],
    true,
  ],
  [
    'a pod subnet too small for the nodes',
    'podSubnet: 10.244.0.0/24\nworkers:\n  count: 3\n',
    [/podSubnet: 10\.244\.0\.0\/24 is too small: .*4 nodes need \/22 or larger/],
  ],
  [
    'a pod subnet over the service subnet',
    'podSubnet: 10.96.0.0/16\n',
    [/podSubnet: 10\.96\.0\.0\/16 overlaps the service subnet \(10\.96\.0\.0\/12\)/],
  ],
  [
    'a pod subnet over the lab network',
    'podSubnet: 192.168.0.0/16\n',
    [/podSubnet: 192\.168\.0\.0\/16 overlaps the lab's private network \(192\.168\.56\.0\/24\)/],
  ],
  [
    'too little memory for the control plane',
    'controlPlane:\n  memory: 1024\n',
    [/controlPlane\.memory: kubeadm needs about 2 GiB .* got 1024/],
    true,
  ],
  [
    'one CPU for the control plane',
    'controlPlane:\n  cpus: 1\n',
    [/controlPlane\.cpus: kubeadm needs at least 2 CPUs/],
  ],
  ['too little memory for a worker', 'workers:\n  memory: 512\n', [/workers\.memory: a worker needs at least 1024/]],
  [
    'a one-way synced folder for libvirt',
    'libvirt:\n  syncedFolder: rsync\n',
    [/libvirt\.syncedFolder: must be one of nfs, virtiofs/],
  ],
  ['an empty box', 'box: ""\n', [/lab\.yaml:1: box: must name a box/]],
  ['a duplicate key', 'ingress: true\ningress: false\n', [/lab\.yaml:2: ingress: duplicate key \(first at line 1\)/]],
  ['YAML that does not parse', 'workers: [\n', [/lab\.yaml:2:1: not valid YAML/]],
];

function checkMessage(t: ExecutionContext, out: string, patterns: RegExp[]) {
  t.regex(out, /kubestrap lab: bad settings/);
  for (const p of patterns) t.regex(out, p);
  t.notRegex(out, /Traceback|\.rb:\d+:in/, 'a message, not a Ruby backtrace');
}

rtest('the settings refuse every bad case with a message naming the setting', async (t) => {
  const script = [
    'require "json"',
    'JSON.parse(STDIN.read).each do |yaml|',
    '  KubestrapLab.from_yaml(yaml, "lab.yaml")',
    '  puts JSON.generate([nil])',
    'rescue KubestrapLab::SettingsError => e',
    '  puts JSON.generate([e.message])',
    'end',
  ].join('\n');
  const r = await runRuby(['-r', './scripts/lab/settings', '-e', script], {}, JSON.stringify(bad.map((b) => b[1])));
  t.is(r.exitCode, 0, r.stderr);
  const messages = r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as (string | null)[])[0]);
  t.is(messages.length, bad.length);
  bad.forEach(([title, , patterns], i) => {
    t.not(messages[i], null, `${title}: accepted`);
    checkMessage(t, messages[i] ?? '', patterns);
  });
});

for (const [title, yaml, patterns] of bad.filter((b) => b[3])) {
  vtest(`vagrant validate fails and names the setting: ${title}`, async (t) => {
    const r = await vagrantValidate(yaml);
    timings.push(r.ms);
    t.is(r.exitCode, 1, `${r.stdout}\n${r.stderr}`);
    checkMessage(t, r.stdout + r.stderr, patterns);
  });
}

vtest('vagrant validate reports every bad setting at once, in file order', async (t) => {
  const r = await vagrantValidate(
    'workers:\n  count: -2\ncontrolPlane:\n  cpus: 1\nkubernetesVersion: v1.20.15\npodSubnet: 10.244.0.0/33\nfoo: bar\n',
  );
  timings.push(r.ms);
  t.is(r.exitCode, 1);
  const lines = (r.stdout + r.stderr).split('\n').filter((l) => /^ {2}\S*lab\.yaml:\d+: /.test(l));
  t.deepEqual(
    lines.map((l) => /^ {2}\S*lab\.yaml:\d+: (\S+):/.exec(l)?.[1]),
    ['workers.count', 'controlPlane.cpus', 'kubernetesVersion', 'podSubnet', 'foo'],
  );
});

vtest('KUBESTRAP_LAB naming a missing file stops vagrant', async (t) => {
  const r = await vagrant_('validate', undefined, { KUBESTRAP_LAB: '/nonexistent/lab.yaml' });
  t.is(r.exitCode, 1);
  t.regex(r.stdout + r.stderr, /KUBESTRAP_LAB=\/nonexistent\/lab\.yaml: file not found/);
});

test.after.always('vagrant validate timing', () => {
  if (timings.length === 0) return;
  const sorted = [...timings].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`vagrant validate: ${timings.length} runs, median ${median} ms, slowest ${sorted[sorted.length - 1]} ms`);
});

// ---- what the Vagrantfile declares ----

rtest('default lab: cp and one worker, addresses, resources, box, providers', async (t) => {
  const d = await dumpVagrantfile(undefined);
  t.deepEqual(
    d.machines.map((m) => [m.name, m.primary, m.hostname, m.networks]),
    [
      ['cp', true, 'cp', [{ kind: 'private_network', options: { ip: '192.168.56.10' } }]],
      ['worker-1', false, 'worker-1', [{ kind: 'private_network', options: { ip: '192.168.56.11' } }]],
    ],
  );
  const box = d.root.attrs.vm.log.find((e) => e.set === 'box');
  t.is(box?.value, 'bento/ubuntu-24.04');
  const [cp, w] = d.machines;
  t.deepEqual(cp.providers.virtualbox.settings, { cpus: 2, memory: 2048, linked_clone: true });
  t.deepEqual(w.providers.virtualbox.settings, { cpus: 1, memory: 1536, linked_clone: true });
  t.deepEqual(cp.providers.libvirt.settings, { cpus: 2, memory: 2048 });
  // /vagrant must be two-way for the join command: virtualbox's shared folder, NFS on libvirt.
  t.deepEqual(syncedFolders(cp.providers.virtualbox.override), [
    { args: ['.', '/vagrant'], kw: { type: 'virtualbox' } },
  ]);
  t.deepEqual(syncedFolders(cp.providers.libvirt.override), [
    { args: ['.', '/vagrant'], kw: { type: 'nfs', nfs_version: 4, nfs_udp: false } },
  ]);
});

rtest('3 workers take the next addresses; 0 workers lets workloads run on cp', async (t) => {
  const three = await dumpVagrantfile('workers: {count: 3}\nnetwork: {controlPlaneIp: 192.168.57.20}\n');
  t.deepEqual(
    three.machines.map((m) => [m.name, m.networks[0].options.ip]),
    [
      ['cp', '192.168.57.20'],
      ['worker-1', '192.168.57.21'],
      ['worker-2', '192.168.57.22'],
      ['worker-3', '192.168.57.23'],
    ],
  );
  const argOf = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
  for (const m of three.machines) {
    const args = m.provisioners[0].args!;
    t.is(argOf(args, '--allow-workloads'), 'false');
    t.is(argOf(args, '--control-plane-ip'), '192.168.57.20');
    t.is(argOf(args, '--node-ip'), String(m.networks[0].options.ip));
  }
  const zero = await dumpVagrantfile('workers: {count: 0}\n');
  t.deepEqual(
    zero.machines.map((m) => m.name),
    ['cp'],
  );
  t.is(argOf(zero.machines[0].provisioners[0].args!, '--allow-workloads'), 'true');
});

rtest(
  'every machine runs bootstrap.sh with its role, and the join command travels through /vagrant/.lab',
  async (t) => {
    const d = await dumpVagrantfile('kubernetesVersion: v1.31.4\ningress: true\npodSubnet: 10.32.0.0/16\n');
    for (const m of d.machines) {
      t.is(m.provisioners.length, 1);
      const p = m.provisioners[0];
      t.like(p, { name: 'kubestrap', type: 'shell', path: 'scripts/lab/bootstrap.sh' });
      t.deepEqual(p.args, [
        '/vagrant',
        '--role',
        m.name === 'cp' ? 'cp' : 'worker',
        '--node-name',
        m.name,
        '--node-ip',
        String(m.networks[0].options.ip),
        '--control-plane-ip',
        '192.168.56.10',
        '--kubernetes-version',
        'v1.31.4',
        '--pod-subnet',
        '10.32.0.0/16',
        '--ingress',
        'true',
        '--allow-workloads',
        'false',
        '--join-file',
        '/vagrant/.lab/join-command',
      ]);
    }
    // The host side: .lab/ prepared before up/provision/reload, cp's join command forgotten on destroy.
    const triggers = d.root.attrs.trigger.log.filter((e) => e.call === 'before');
    t.deepEqual(
      triggers.map((e) => e.args),
      [[['up', 'provision', 'reload']]],
    );
    const cpTriggers = d.machines[0].rec.attrs.trigger?.log ?? [];
    t.deepEqual(
      cpTriggers.map((e) => [e.call, e.args]),
      [['after', ['destroy']]],
    );
    t.false('trigger' in d.machines[1].rec.attrs);
  },
);

rtest('libvirt: its own box when set, virtiofs with shared memory', async (t) => {
  const d = await dumpVagrantfile('libvirt:\n  box: cloud-image/ubuntu-24.04\n  syncedFolder: virtiofs\n');
  const lv = d.machines[0].providers.libvirt;
  t.deepEqual(
    lv.calls.map((c) => [c.call, c.args, c.kw]),
    [['memorybacking', ['access'], { mode: 'shared' }]],
  );
  t.is(lv.override.attrs.vm.log.find((e) => e.set === 'box')?.value, 'cloud-image/ubuntu-24.04');
  t.deepEqual(syncedFolders(lv.override), [{ args: ['.', '/vagrant'], kw: { type: 'virtiofs' } }]);
});

rtest('lab.example.yaml documents exactly the defaults', async (t) => {
  const r = await runRuby([
    '-r',
    './scripts/lab/settings',
    '-r',
    'json',
    '-e',
    'puts JSON.generate([KubestrapLab.from_yaml(File.read("lab.example.yaml")).values, KubestrapLab.from_yaml("").values, KubestrapLab::SCHEMA.keys])',
  ]);
  t.is(r.exitCode, 0, r.stderr);
  const [example, defaults, keys] = JSON.parse(r.stdout);
  t.deepEqual(example, defaults);
  const text = readFileSync(path.join(REPO, 'lab.example.yaml'), 'utf8');
  for (const k of keys as string[]) t.regex(text, new RegExp(`^${k}:`, 'm'), `lab.example.yaml shows ${k}`);
});

rtest(
  "the lab's newest and oldest minors are kubestrap's: its newest, and the oldest pkgs.k8s.io serves",
  async (t) => {
    const r = await runRuby([
      '-r',
      './scripts/lab/settings',
      '-e',
      'puts [KubestrapLab::NEWEST_MINOR, KubestrapLab::OLDEST_MINOR].join(" ")',
    ]);
    const [rubyNewest, rubyOldest] = r.stdout.trim().split(' ').map(Number);
    const { NEWEST_MINOR } = await import('../../src/versions.js');
    const { OLDEST_PACKAGED_MINOR } = await import('../../src/host/package-repos.js');
    t.is(rubyNewest, NEWEST_MINOR);
    t.is(rubyOldest, OLDEST_PACKAGED_MINOR);
    // The provisioner has no version rules of its own: kubestrap's install step has them.
    const plan = await import('../../scripts/lab/plan.mjs');
    t.false('OLDEST_MINOR' in plan || 'NEWEST_MINOR' in plan);
  },
);

rtest('bootstrap.sh installs the zx of package-lock.json', (t) => {
  const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8'));
  const zx = lock.packages['node_modules/zx'].version;
  const sh = readFileSync(path.join(REPO, 'scripts/lab/bootstrap.sh'), 'utf8');
  t.is(/^ZX_VERSION=(\S+)$/m.exec(sh)?.[1], zx);
});
