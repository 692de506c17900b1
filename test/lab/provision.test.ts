/**
 * The lab's provisioning scripts, in dry-run mode: the exact command sequences for a
 * fresh Ubuntu and a fresh Debian host, a PSP (v1.24.17) and a PSS (v1.37.1, the newest
 * minor) lab, control plane and worker; then re-provisioning nodes that are already
 * provisioned (nothing, or only what changed; never a second `kubestrap up` or join of a
 * finished node). The lab does only what is its own (kubestrap from the synced folder, the
 * cluster config for the private network, the join hand-over): containerd, the packages and
 * the host settings are kubestrap's install step and preflight fixes. Plus the pieces under
 * the plan: the executor (for real, on harmless commands), the wait for the join file, the
 * fact gatherer (read-only, on this host) and the source hash.
 */
import test from 'ava';
import { execa } from 'execa';
import { mkdirSync, readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { REPO, dryRun, dumpVagrantfile, needs, tmpDir } from './helpers.js';
import { runCli } from '../helpers/cli.js';
import { requires } from '../helpers/requires.js';
import {
  LabError,
  PATHS,
  clusterConfig,
  commandsOf,
  labFiles,
  normalizeOptions,
  planProvision,
  workerConfig,
} from '../../scripts/lab/plan.mjs';
import type { LabStep } from '../../scripts/lab/plan.mjs';
import { executeSteps, waitForJoinFile } from '../../scripts/lab/execute.mjs';
import { depsHash, gatherFacts, kubestrapStateFacts, parseOsRelease, sourceHash } from '../../scripts/lab/facts.mjs';
import { lab } from '../e2e/harness.js';
import { FAST_TIMING } from '../sim/install.js';

type Facts = Record<string, any>;

/**
 * The state file of a finished cluster, as a real `kubestrap up` writes it (on the
 * simulated node): re-provisioning tests read it instead of a hand-made one, which
 * once claimed a `verify` step that kubestrap never records.
 */
let finishedUpState = '';
test.before(async () => {
  const l = await lab('kubernetesVersion: v1.24.17\ncontrolPlane: {nodeName: cp}\n', { timing: FAST_TIMING });
  try {
    const r = await l.kubestrap(['up', '--yes', '--quiet']);
    if (r.exitCode !== 0) throw new Error(`kubestrap up on the simulated node failed:\n${r.stderr}`);
    finishedUpState = readFileSync(l.node.at(PATHS.kubestrapState), 'utf8');
  } finally {
    l.node.cleanup();
  }
});

// ---- hosts ----

/** A fresh bento/ubuntu-24.04 VM on VirtualBox: nothing of Kubernetes installed. */
const ubuntu: Facts = {
  os: { id: 'ubuntu', versionId: '24.04', versionCodename: 'noble' },
  arch: 'amd64',
  node: '22.11.0',
  packages: { 'ca-certificates': '20240203', curl: '8.5.0-2ubuntu10.6', rsync: '3.2.7-1ubuntu1.2' },
  files: {},
  interfaces: { lo: ['127.0.0.1'], eth0: ['10.0.2.15'], eth1: ['192.168.56.10'] },
  kubestrap: { sourceHash: 'src-1', depsHash: 'deps-1', nodeModules: false },
  joinFile: { dirExists: true },
};

/** A fresh bento/debian-12 VM (arm64): no curl or rsync, predictable NIC names. */
const debian: Facts = {
  os: { id: 'debian', versionId: '12', versionCodename: 'bookworm' },
  arch: 'arm64',
  node: '20.19.5',
  packages: { 'ca-certificates': '20230311' },
  files: {},
  interfaces: { lo: ['127.0.0.1'], enp0s3: ['10.0.2.15'], enp0s8: ['192.168.56.10'] },
  kubestrap: { sourceHash: 'src-1', depsHash: 'deps-1', nodeModules: false },
  joinFile: { dirExists: false },
};

/** The same host as a worker: its own address on the private NIC. */
function asWorker(f: Facts): Facts {
  const interfaces = Object.fromEntries(
    Object.entries(f.interfaces).map(([k, v]) => [
      k,
      (v as string[]).map((a) => (a === '192.168.56.10' ? '192.168.56.11' : a)),
    ]),
  );
  const { joinFile: _, ...rest } = f;
  return { ...rest, interfaces };
}

const PSP = 'v1.24.17';
const PSS = 'v1.37.1';

function args(role: 'cp' | 'worker', version: string, extra: string[] = []): string[] {
  return [
    '--role',
    role,
    '--node-name',
    role === 'cp' ? 'cp' : 'worker-1',
    '--node-ip',
    role === 'cp' ? '192.168.56.10' : '192.168.56.11',
    '--control-plane-ip',
    '192.168.56.10',
    '--kubernetes-version',
    version,
    '--pod-subnet',
    '10.244.0.0/16',
    '--ingress',
    'false',
    '--allow-workloads',
    'false',
    '--join-file',
    '/vagrant/.lab/join-command',
    '--source',
    '/vagrant',
    ...extra,
  ];
}

function opts(role: 'cp' | 'worker', version: string, more: Record<string, unknown> = {}) {
  return normalizeOptions({
    role,
    nodeName: role === 'cp' ? 'cp' : 'worker-1',
    nodeIp: role === 'cp' ? '192.168.56.10' : '192.168.56.11',
    controlPlaneIp: '192.168.56.10',
    kubernetesVersion: version,
    podSubnet: '10.244.0.0/16',
    ingress: 'false',
    allowWorkloads: 'false',
    ...more,
  });
}

// ---- the expected sequences, in pieces ----

/** Debian's image lacks rsync, which copying kubestrap from the synced folder takes. */
const prerequisites = (os: 'ubuntu' | 'debian') =>
  os === 'debian'
    ? [
        ['apt-get', 'update', '-q'],
        ['apt-get', 'install', '-y', '-q', '--no-install-recommends', 'rsync'],
      ]
    : [];

const RSYNC = [
  'rsync',
  '-a',
  '--no-owner',
  '--no-group',
  '--delete',
  '--exclude=/node_modules',
  '--exclude=/dist',
  '--exclude=/.git',
  '--exclude=/.vagrant',
  '--exclude=/.lab',
  '--exclude=/lab.yaml',
  '--exclude=/rendered',
  '--exclude=/out',
  '/vagrant/',
  '/opt/kubestrap/',
];
const NPM_CI = ['env', '-C', '/opt/kubestrap', 'npm', 'ci', '--no-audit', '--no-fund'];
const BUILD = ['env', '-C', '/opt/kubestrap', 'npm', 'run', 'build'];
const STAMP = ['tee', '/var/lib/kubestrap-lab/kubestrap.json'];
const kubestrapInstall = [
  RSYNC,
  NPM_CI,
  BUILD,
  ['install', '-d', '-m', '0700', '/var/lib/kubestrap-lab'],
  STAMP,
  ['ln', '-sfn', '/opt/kubestrap/dist/cli.js', '/usr/local/bin/kubestrap'],
];

const UP = ['env', 'SUDO_USER=vagrant', 'kubestrap', 'up', '-c', '/home/vagrant/cluster.yaml', '--yes'];
const JOIN_COMMAND = ['kubestrap', 'join-command', '--ttl', '1h', '-o', '/var/lib/kubestrap-lab/join-command'];
const HAND_OVER = ['cp', '/var/lib/kubestrap-lab/join-command', '/vagrant/.lab/join-command'];
const WORKER_CONFIG = ['tee', '/home/vagrant/cluster.yaml'];
const JOIN = [
  'kubestrap',
  'join',
  '--join-file',
  '/vagrant/.lab/join-command',
  '--node-name',
  'worker-1',
  '--node-ip',
  '192.168.56.11',
  '-c',
  '/home/vagrant/cluster.yaml',
  '--yes',
];
/** What the lab no longer does itself: kubestrap's install step and preflight fixes do it. */
const HOST_PREPARATION = /^(modprobe|sysctl|swapoff|sed|curl|apt-mark|systemctl)$|containerd|kubernetes\.list|keyrings/;

test('a fresh Ubuntu control plane, PSP lab (v1.24.17): the whole sequence', async (t) => {
  const r = await dryRun(args('cp', PSP), ubuntu);
  t.is(r.exitCode, 0, r.stderr);
  t.deepEqual(r.commands, [
    RSYNC,
    ['env', '-C', '/opt/kubestrap', 'npm', 'ci', '--no-audit', '--no-fund'],
    ['env', '-C', '/opt/kubestrap', 'npm', 'run', 'build'],
    ['install', '-d', '-m', '0700', '/var/lib/kubestrap-lab'],
    ['tee', '/var/lib/kubestrap-lab/kubestrap.json'],
    ['ln', '-sfn', '/opt/kubestrap/dist/cli.js', '/usr/local/bin/kubestrap'],
    ['tee', '/home/vagrant/cluster.yaml'],
    ['env', 'SUDO_USER=vagrant', 'kubestrap', 'up', '-c', '/home/vagrant/cluster.yaml', '--yes'],
    ['kubestrap', 'join-command', '--ttl', '1h', '-o', '/var/lib/kubestrap-lab/join-command'],
    ['cp', '/var/lib/kubestrap-lab/join-command', '/vagrant/.lab/join-command'],
  ]);
  // Notes (what is already fine, what each stdin holds) go to stderr; stdout is argv lines only.
  t.regex(
    r.stderr,
    /would provision cp \(control plane, 192\.168\.56\.10\): Kubernetes v1\.24\.17, a PodSecurityPolicy lab, on ubuntu 24\.04/,
  );
  t.regex(r.stderr, /ok: rsync installed/);
  t.regex(r.stderr, /^ {4}\| kubernetesVersion: "v1\.24\.17"$/m);
  t.regex(r.stderr, /10 commands/);
});

for (const os of ['ubuntu', 'debian'] as const) {
  for (const [version, minor] of [
    [PSP, 24],
    [PSS, 37],
  ] as const) {
    const base = os === 'ubuntu' ? ubuntu : debian;
    const lab = minor <= 24 ? 'PSP' : 'PSS';
    test(`a fresh ${os} control plane, ${lab} lab (${version})`, async (t) => {
      const r = await dryRun(args('cp', version), base);
      t.is(r.exitCode, 0, r.stderr);
      t.deepEqual(r.commands, [
        ...prerequisites(os),
        ...kubestrapInstall,
        ['tee', '/home/vagrant/cluster.yaml'],
        UP,
        JOIN_COMMAND,
        ...(os === 'debian' ? [['mkdir', '-p', '/vagrant/.lab']] : []),
        HAND_OVER,
      ]);
      t.false(
        r.commands.some((c) => c.includes('join')),
        'the control plane never joins',
      );
      t.false(
        r.commands.some((c) => c.some((a) => HOST_PREPARATION.test(a))),
        'no host preparation of its own',
      );
    });
    test(`a fresh ${os} worker, ${lab} lab (${version})`, async (t) => {
      const r = await dryRun(args('worker', version), asWorker(base));
      t.is(r.exitCode, 0, r.stderr);
      t.deepEqual(r.commands, [...prerequisites(os), ...kubestrapInstall, WORKER_CONFIG, JOIN]);
      t.false(
        r.commands.some((c) => c.some((a) => HOST_PREPARATION.test(a))),
        'no host preparation of its own',
      );
      t.false(
        r.commands.some((c) => c.includes('up') || c.includes('join-command')),
        'a worker never runs up',
      );
      t.regex(r.stderr, /waits for \/vagrant\/\.lab\/join-command \(written by cp\)/);
    });
  }
}

// ---- what the writes contain ----

test("the files the lab writes: the cluster config only (a worker's names the version kubestrap join installs)", (t) => {
  const worker = labFiles(opts('worker', PSS), asWorker(debian));
  t.deepEqual(Object.keys(worker), ['/home/vagrant/cluster.yaml']);
  t.is(worker['/home/vagrant/cluster.yaml'], workerConfig(opts('worker', PSS)));
  t.regex(worker['/home/vagrant/cluster.yaml'], /^kubernetesVersion: "v1\.37\.1"$/m);
  t.deepEqual(Object.keys(labFiles(opts('cp', PSP), ubuntu)), ['/home/vagrant/cluster.yaml']);
});

test("cp's cluster.yaml: advertise and node name, flannel on the private NIC, ingress; values are quoted", (t) => {
  const text = labFiles(opts('cp', PSS, { ingress: 'true' }), debian)['/home/vagrant/cluster.yaml'];
  t.is(
    text,
    [
      '# Written by the kubestrap lab (scripts/lab/provision.mjs) from the lab settings.',
      '# Change lab.yaml on the host and run `vagrant provision cp` rather than editing this.',
      'apiVersion: kubestrap.io/v1alpha1',
      'kind: ClusterConfig',
      'kubernetesVersion: "v1.37.1"',
      'networking:',
      '  podSubnet: "10.244.0.0/16"',
      'controlPlane:',
      '  advertiseAddress: "192.168.56.10"',
      '  nodeName: "cp"',
      '  allowWorkloads: false',
      'cni:',
      '  iface: "enp0s8"',
      'ingress:',
      '  enabled: true',
      '',
    ].join('\n'),
  );
});

const cli = requires(existsSync(path.join(REPO, 'dist/cli.js')), 'dist/cli.js is missing (npm run build)');
cli(
  "kubestrap accepts cp's cluster.yaml: node-ip and advertise address in kubeadm's config, flannel --iface",
  async (t) => {
    for (const [version, facts, iface] of [
      [PSP, ubuntu, 'eth1'],
      [PSS, debian, 'enp0s8'],
    ] as const) {
      const dir = tmpDir('render');
      const file = path.join(dir, 'cluster.yaml');
      writeFileSync(file, clusterConfig(opts('cp', version, { ingress: 'true' }), iface));
      const r = await runCli(['render', '-c', file, '-o', path.join(dir, 'out')]);
      t.is(r.exitCode, 0, `${version}: ${r.stderr}`);
      const kubeadm = readFileSync(path.join(dir, 'out/kubeadm-config.yaml'), 'utf8');
      t.regex(kubeadm, /advertiseAddress: "?192\.168\.56\.10"?/);
      t.regex(kubeadm, /node-ip/);
      t.regex(kubeadm, /192\.168\.56\.10/);
      const cni = readFileSync(path.join(dir, 'out/manifests/02-cni.yaml'), 'utf8');
      t.regex(cni, new RegExp(`--iface=${iface}`));
      t.truthy(facts);
    }
  },
);

// ---- re-provisioning ----

/** The host after a successful provisioning with these options. */
function provisioned(base: Facts, o: ReturnType<typeof opts>): Facts {
  const f: Facts = {
    ...base,
    packages: { 'ca-certificates': '1', curl: '1', rsync: '1', kubeadm: `${o.version.deb}-1.1` },
    kubestrap: {
      sourceHash: 'src-1',
      depsHash: 'deps-1',
      stamp: { source: 'src-1', deps: 'deps-1' },
      nodeModules: true,
      link: '/opt/kubestrap/dist/cli.js',
    },
  };
  f.files = {
    ...base.files,
    ...labFiles(o, f),
    [PATHS.labState]: true,
    ...(o.role === 'cp' ? { [PATHS.adminConf]: true } : { [PATHS.kubeletConf]: true }),
  };
  if (o.role === 'cp') {
    f.kubestrapState = kubestrapStateFacts(finishedUpState);
    f.joinFile = { ageSeconds: 600, dirExists: true };
  }
  return f;
}

for (const os of ['ubuntu', 'debian'] as const) {
  for (const version of [PSP, PSS]) {
    for (const role of ['cp', 'worker'] as const) {
      test(`re-provisioning a provisioned ${os} ${role} (${version}) runs nothing`, async (t) => {
        const base = os === 'ubuntu' ? ubuntu : debian;
        const facts = provisioned(role === 'cp' ? base : asWorker(base), opts(role, version));
        const r = await dryRun(args(role, version), facts);
        t.is(r.exitCode, 0, r.stderr);
        t.deepEqual(r.commands, []);
        t.regex(r.stderr, /0 commands/);
        t.regex(
          r.stderr,
          role === 'cp'
            ? /ok: the cluster is up .* no kubestrap up/
            : /ok: already joined \(\/etc\/kubernetes\/kubelet\.conf exists\): no join/,
        );
        t.regex(r.stderr, /ok: rsync installed/);
      });
    }
  }
}

test('the state a real `kubestrap up` leaves: re-provisioning cp runs neither up nor a new join token', (t) => {
  const state = JSON.parse(finishedUpState);
  t.false('verify' in state.steps, 'verify is not a step done');
  t.truthy(state.verifiedAt);
  const facts = provisioned(ubuntu, opts('cp', PSP));
  const steps = planProvision(opts('cp', PSP), facts);
  t.deepEqual(commandsOf(steps), []);
  t.true(steps.some((s) => s.kind === 'note' && /the cluster is up .* no kubestrap up/.test(s.text)));
  // The same cluster after a failed `kubestrap verify`-in-up: up again (it resumes), and a new join command.
  const failed = { ...JSON.parse(finishedUpState), lastFailure: { step: 'verify', at: 'x', message: 'late' } };
  delete failed.verifiedAt;
  facts.kubestrapState = kubestrapStateFacts(JSON.stringify(failed));
  t.deepEqual(commandsOf(planProvision(opts('cp', PSP), facts)), [UP, JOIN_COMMAND, HAND_OVER]);
});

test('re-provisioning cp when its join command is stale: a fresh one, nothing else', (t) => {
  const facts = provisioned(ubuntu, opts('cp', PSP));
  facts.joinFile = { ageSeconds: 2 * 3600, dirExists: true };
  t.deepEqual(commandsOf(planProvision(opts('cp', PSP), facts)), [JOIN_COMMAND, HAND_OVER]);
});

test('re-provisioning cp after `kubestrap rebuild` (a new CA): a fresh join command even though the old one is young', (t) => {
  const facts = provisioned(debian, opts('cp', PSS));
  facts.joinFile = { ageSeconds: 120, dirExists: true, olderThanCluster: true };
  t.deepEqual(commandsOf(planProvision(opts('cp', PSS), facts)), [JOIN_COMMAND, HAND_OVER]);
});

test('re-provisioning after the kubestrap source changed: copy and build again, no npm ci, no reinstall', (t) => {
  const facts = provisioned(asWorker(ubuntu), opts('worker', PSS));
  facts.kubestrap = { ...facts.kubestrap, sourceHash: 'src-2' };
  t.deepEqual(commandsOf(planProvision(opts('worker', PSS), facts)), [RSYNC, BUILD, STAMP]);
  facts.kubestrap = { ...facts.kubestrap, depsHash: 'deps-2' };
  t.deepEqual(commandsOf(planProvision(opts('worker', PSS), facts)), [RSYNC, NPM_CI, BUILD, STAMP]);
});

test('re-provisioning cp after lab.yaml changed (ingress on): new config, kubestrap up resumes, a new join command', (t) => {
  const facts = provisioned(ubuntu, opts('cp', PSP));
  const commands = commandsOf(planProvision(opts('cp', PSP, { ingress: 'true' }), facts));
  t.deepEqual(commands, [['tee', '/home/vagrant/cluster.yaml'], UP, JOIN_COMMAND, HAND_OVER]);
  // kubestrap up is resumable: it skips kubeadm init on an initialised node (admin.conf); the lab never calls kubeadm itself.
  t.false(commands.flat().includes('kubeadm'));
});

test('re-provisioning cp after an interrupted kubestrap up: up again (it resumes), no reinstall', (t) => {
  const facts = provisioned(debian, opts('cp', PSS));
  facts.kubestrapState = {
    steps: ['preflight', 'kubeadm-init'],
    lastFailure: { step: 'kubeconfig', at: 'x', message: 'interrupted' },
  };
  t.deepEqual(commandsOf(planProvision(opts('cp', PSS), facts)), [UP, JOIN_COMMAND, HAND_OVER]);
});

test('a worker that has not joined yet: join again (kubestrap join installs or fixes what the node lacks)', (t) => {
  const facts = provisioned(asWorker(ubuntu), opts('worker', PSP));
  delete facts.files[PATHS.kubeletConf];
  facts.packages = { ...facts.packages, kubeadm: '1.24.16-1.1' };
  t.deepEqual(commandsOf(planProvision(opts('worker', PSP), facts)), [JOIN]);
});

test('an initialised node is never upgraded in place: the plan stops and says to recreate it', async (t) => {
  const facts = provisioned(ubuntu, opts('cp', PSP));
  const r = await dryRun(args('cp', 'v1.31.4'), facts);
  t.is(r.exitCode, 1);
  t.deepEqual(r.commands, []);
  t.regex(
    r.stderr,
    /already runs Kubernetes 1\.24\.17 and the lab now asks for v1\.31\.4.*vagrant destroy -f cp && vagrant up cp/,
  );
});

// ---- bad hosts and options ----

const badCases: [string, string[], Facts, number, RegExp][] = [
  [
    'an unsupported distribution',
    args('worker', PSP),
    { ...asWorker(ubuntu), os: { id: 'centos', versionId: '9' } },
    1,
    /centos is not supported by the lab: use an Ubuntu \(22\.04\+\) or Debian \(12\+\) box/,
  ],
  [
    'an old Ubuntu',
    args('worker', PSP),
    { ...asWorker(ubuntu), os: { id: 'ubuntu', versionId: '20.04', versionCodename: 'focal' } },
    1,
    /ubuntu 20\.04 is too old for the lab: use ubuntu 22\.04 or newer/,
  ],
  [
    'Node.js too old',
    args('worker', PSP),
    { ...asWorker(ubuntu), node: '18.19.1' },
    1,
    /Node\.js 18\.19\.1 is too old: kubestrap needs 20\.19 or newer/,
  ],
  [
    'no NIC with the node address (cp)',
    args('cp', PSP),
    { ...ubuntu, interfaces: { eth0: ['10.0.2.15'] } },
    1,
    /no network interface has 192\.168\.56\.10: is the private network up\?/,
  ],
  [
    'a version that is not one',
    ['--role', 'cp', '--node-name', 'cp', '--node-ip', '192.168.56.10', '--kubernetes-version', 'v1.x'],
    ubuntu,
    2,
    /--kubernetes-version: "v1\.x" is not a version such as v1\.24\.17/,
  ],
  [
    'a role that does not exist',
    args('worker', PSP).map((a) => (a === 'worker' ? 'master' : a)),
    ubuntu,
    2,
    /--role: must be cp or worker, got "master"/,
  ],
  [
    'a bad address',
    args('worker', PSP).map((a) => (a === '192.168.56.11' ? '192.168.56' : a)),
    ubuntu,
    2,
    /--node-ip: "192\.168\.56" is not an IPv4 address/,
  ],
  ['an unknown option', [...args('worker', PSP), '--token', 'abc'], ubuntu, 2, /Unknown option '--token'/],
];

for (const [title, a, facts, code, message] of badCases) {
  test(`provision.mjs stops on ${title} (exit ${code})`, async (t) => {
    const r = await dryRun(a, facts);
    t.is(r.exitCode, code, r.stderr);
    t.deepEqual(r.commands, []);
    t.regex(r.stderr, message);
  });
}

test('--facts without --dry-run is refused: facts only describe a host for a dry run', async (t) => {
  const r = await execa('node', ['scripts/lab/provision.mjs', ...args('worker', PSP), '--facts', '/dev/null'], {
    cwd: REPO,
    reject: false,
    input: '',
  });
  t.is(r.exitCode, 2);
  t.regex(String(r.stderr), /--facts describes a host for --dry-run/);
});

// ---- the Vagrantfile and the script agree ----

const rubyTool = needs('ruby', ['-e', 'exit 0']);
rubyTool("every machine's provisioner arguments from the Vagrantfile are accepted by provision.mjs", async (t) => {
  const d = await dumpVagrantfile('workers: {count: 2}\nkubernetesVersion: v1.37.1\ningress: true\n');
  for (const m of d.machines) {
    const [source, ...rest] = m.provisioners[0].args!;
    const ip = String(m.networks[0].options.ip);
    const facts = { ...ubuntu, interfaces: { lo: ['127.0.0.1'], eth0: ['10.0.2.15'], eth1: [ip] } };
    const r = await dryRun([...rest, '--source', source], facts);
    t.is(r.exitCode, 0, `${m.name}: ${r.stderr}`);
    const last = r.commands.at(-1)!;
    if (m.name === 'cp') t.deepEqual(last, HAND_OVER);
    else
      t.deepEqual(last, [
        'kubestrap',
        'join',
        '--join-file',
        '/vagrant/.lab/join-command',
        '--node-name',
        m.name,
        '--node-ip',
        ip,
        '-c',
        '/home/vagrant/cluster.yaml',
        '--yes',
      ]);
  }
});

// ---- under the plan ----

test('the executor runs argv for real: stdin, quoting of odd arguments, notes, and stops at the first failure', async (t) => {
  const { $ } = await import('zx');
  const dir = tmpDir('exec');
  const odd = path.join(dir, `we ird $HOME 'q' "d" ;x`);
  const said: string[] = [];
  const out: string[] = [];
  const sink = { write: (s: string) => out.push(s) };
  const steps: LabStep[] = [
    { kind: 'note', text: 'ok: something already fine' },
    { kind: 'run', argv: ['tee', odd], input: 'line one\n$(touch pwned)\n', quiet: true, why: 'write a file' },
    { kind: 'run', argv: ['mkdir', '-p', path.join(dir, 'a b')], why: 'a directory' },
    { kind: 'run', argv: ['false'], why: 'fail here', hint: 'the hint' },
    { kind: 'run', argv: ['touch', path.join(dir, 'never')], why: 'not reached' },
  ];
  const e = await t.throwsAsync(executeSteps(steps, { $, dryRun: false, say: (s: string) => said.push(s), out: sink }));
  t.true(e instanceof LabError);
  t.is(e!.message, '`false` failed (exit 1): the hint');
  t.is(readFileSync(odd, 'utf8'), 'line one\n$(touch pwned)\n');
  t.false(existsSync(path.join(dir, 'pwned')));
  t.true(existsSync(path.join(dir, 'a b')));
  t.false(existsSync(path.join(dir, 'never')));
  t.deepEqual(said, ['ok: something already fine', 'write a file', 'a directory', 'fail here']);
  t.is(out.length, 3);
  t.true(out[0].startsWith('+ tee '));
});

test('the executor in dry-run mode prints argv lines and runs nothing', async (t) => {
  const dir = tmpDir('dry');
  const out: string[] = [];
  const said: string[] = [];
  const sink = { write: (s: string) => out.push(s) };
  const n = await executeSteps(
    [
      { kind: 'run', argv: ['touch', path.join(dir, 'x')], why: 'x' },
      { kind: 'run', argv: ['tee', path.join(dir, 'y')], input: 'a\nb\n', why: 'y' },
    ],
    { $: undefined, dryRun: true, say: (s: string) => said.push(s), out: sink },
  );
  t.is(n, 2);
  t.deepEqual(out, [
    `${JSON.stringify(['touch', path.join(dir, 'x')])}\n`,
    `${JSON.stringify(['tee', path.join(dir, 'y')])}\n`,
  ]);
  t.deepEqual(said, ['stdin of the next command:\n    | a\n    | b']);
  t.false(existsSync(path.join(dir, 'x')));
});

test('a worker waits for the join file, refuses a stale one, and gives up after the timeout', async (t) => {
  const dir = tmpDir('wait');
  const file = path.join(dir, 'join-command');
  const say = () => {};
  setTimeout(() => writeFileSync(file, 'kubeadm join ...\n'), 150);
  await t.notThrowsAsync(waitForJoinFile({ path: file, maxAgeSeconds: 3300 }, 5, say, 20));
  const old = Date.now() / 1000 - 7200;
  utimesSync(file, old, old);
  const stale = await t.throwsAsync(waitForJoinFile({ path: file, maxAgeSeconds: 3300 }, 5, say, 20));
  t.regex(stale!.message, /is 120 min old: its token has expired .*`vagrant provision cp`/);
  const missing = await t.throwsAsync(
    waitForJoinFile({ path: path.join(dir, 'none'), maxAgeSeconds: 3300 }, 0, say, 20),
  );
  t.regex(missing!.message, /did not appear within 0s: is cp up\?/);
});

test('the source hash covers what is copied and ignores what is not', (t) => {
  const dir = tmpDir('src');
  mkdirSync(path.join(dir, 'src'));
  mkdirSync(path.join(dir, 'node_modules/x'), { recursive: true });
  mkdirSync(path.join(dir, '.lab'));
  writeFileSync(path.join(dir, 'package.json'), '{}');
  writeFileSync(path.join(dir, 'src/a.ts'), 'a');
  const h1 = sourceHash(dir);
  const d1 = depsHash(dir);
  writeFileSync(path.join(dir, 'node_modules/x/i.js'), 'x');
  writeFileSync(path.join(dir, '.lab/join-command'), 'secret');
  writeFileSync(path.join(dir, 'lab.yaml'), 'workers: {count: 2}\n');
  t.is(sourceHash(dir), h1);
  writeFileSync(path.join(dir, 'src/a.ts'), 'b');
  t.not(sourceHash(dir), h1);
  t.is(depsHash(dir), d1);
  writeFileSync(path.join(dir, 'package-lock.json'), '{}');
  t.not(depsHash(dir), d1);
  t.regex(h1, /^[0-9a-f]{32}$/);
});

test('os-release parsing', (t) => {
  t.deepEqual(
    parseOsRelease(
      'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n',
    ),
    {
      id: 'ubuntu',
      versionId: '24.04',
      versionCodename: 'noble',
    },
  );
  t.deepEqual(parseOsRelease('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'), {
    id: 'debian',
    versionId: '12',
    versionCodename: 'bookworm',
  });
});

test('the fact gatherer reads this host without changing it, in the shape the plan reads', async (t) => {
  const { $ } = await import('zx');
  const source = tmpDir('facts-src');
  writeFileSync(path.join(source, 'package.json'), '{}');
  const o = opts('worker', PSP, { source, joinFile: path.join(source, '.lab/join-command') });
  const facts = await gatherFacts($, o);
  t.is(typeof facts.os.id, 'string');
  t.is(facts.node, process.versions.node);
  t.is(typeof facts.packages, 'object');
  t.is(typeof facts.files, 'object');
  t.regex(facts.kubestrap.sourceHash, /^[0-9a-f]{32}$/);
  t.is(facts.kubestrap.sourceHash, sourceHash(source));
  // The plan takes these facts (or says why this host cannot be a lab node).
  try {
    t.true(Array.isArray(planProvision(o, facts)));
  } catch (e) {
    t.true(e instanceof LabError, String(e));
  }
});
