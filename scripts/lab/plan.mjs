/**
 * What provisioning one lab node takes, as a pure function of the lab's options
 * and the host's facts (gathered by facts.mjs, or read from a JSON file in dry-run
 * mode): an ordered list of commands (argv arrays, some with stdin) and notes for
 * what is already in place. Nothing here touches the host, so tests assert the
 * exact sequences for any host they describe.
 *
 * Only what is the lab's own: kubestrap built from the synced folder, the cluster
 * config for the private-network address, the join command handed over through the
 * synced folder. Everything a node needs from its host (containerd, the Kubernetes
 * packages, modules, sysctls, swap) is kubestrap's: `kubestrap up --yes` and
 * `kubestrap join --yes` install and fix it, with one set of version rules (src/).
 *
 * Idempotent by construction: every command is there because a fact says the host
 * differs from what the lab wants, so a provisioned node plans nothing.
 */

/** Files and directories the lab manages or looks at. */
export const PATHS = Object.freeze({
  osRelease: '/etc/os-release',
  adminConf: '/etc/kubernetes/admin.conf',
  kubeletConf: '/etc/kubernetes/kubelet.conf',
  kubestrapState: '/var/lib/kubestrap/state.json',
  labState: '/var/lib/kubestrap-lab',
  stamp: '/var/lib/kubestrap-lab/kubestrap.json',
  localJoin: '/var/lib/kubestrap-lab/join-command',
  installDir: '/opt/kubestrap',
  bin: '/usr/local/bin/kubestrap',
});

/** What copying kubestrap from the synced folder takes (Node.js comes from bootstrap.sh). */
export const PREREQUISITES = ['rsync'];
export const MIN_NODE = [20, 19];
/** Top-level entries of the project that are not copied to the VM (nor hashed). */
export const COPY_EXCLUDES = ['node_modules', 'dist', '.git', '.vagrant', '.lab', 'lab.yaml', 'rendered', 'out'];
/** The join command's token lives this long; cp writes a new one when the file is older than half of it. */
export const JOIN_TTL = '1h';
export const JOIN_TTL_SECONDS = 3600;
export const JOIN_REFRESH_SECONDS = 1800;
/** A worker refuses a join file this old: its token is about to expire (kubeadm#1988). */
export const JOIN_MAX_AGE_SECONDS = JOIN_TTL_SECONDS - 300;
export const SUPPORTED_OS = { ubuntu: 22.04, debian: 12 };

/** A problem with the host or the options: provisioning stops with this message. */
export class LabError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** `v1.24.17` → {text, minor, patch, deb: '1.24.17'}; undefined when not a version. */
export function parseVersion(text) {
  const m = /^v?1\.(\d{1,2})\.(\d{1,3})$/.exec(String(text ?? ''));
  if (!m) return undefined;
  const minor = Number(m[1]);
  const patch = Number(m[2]);
  return { text: `v1.${minor}.${patch}`, minor, patch, deb: `1.${minor}.${patch}` };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * @typedef {{ text: string, minor: number, patch: number, deb: string }} LabVersion
 * @typedef {{
 *   role: 'cp' | 'worker', nodeName: string, nodeIp: string, controlPlaneIp: string,
 *   version: LabVersion, podSubnet: string, ingress: boolean, allowWorkloads: boolean,
 *   source: string, joinFile: string, clusterConfig: string, user: string
 * }} LabOptions
 */

/**
 * The options provision.mjs takes (from the Vagrantfile), checked and normalised.
 * Throws LabError with exit code 2 naming the option.
 * @param {Record<string, unknown>} raw
 * @returns {LabOptions}
 */
export function normalizeOptions(raw) {
  /** @returns {never} */
  const bad = (opt, msg) => {
    throw new LabError(`--${opt}: ${msg}`, 2);
  };
  const role = raw.role;
  if (role !== 'cp' && role !== 'worker') bad('role', `must be cp or worker, got ${JSON.stringify(role)}`);
  const version = parseVersion(raw.kubernetesVersion);
  if (!version) bad('kubernetes-version', `${JSON.stringify(raw.kubernetesVersion)} is not a version such as v1.24.17`);
  for (const [opt, v] of [
    ['node-ip', raw.nodeIp],
    ['control-plane-ip', raw.controlPlaneIp ?? raw.nodeIp],
  ]) {
    if (!IPV4.test(String(v ?? ''))) bad(opt, `${JSON.stringify(v)} is not an IPv4 address`);
  }
  if (!DNS_LABEL.test(String(raw.nodeName ?? '')))
    bad('node-name', `${JSON.stringify(raw.nodeName)} is not a DNS-1123 label`);
  const podSubnet = raw.podSubnet ?? '10.244.0.0/16';
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(podSubnet))
    bad('pod-subnet', `${JSON.stringify(podSubnet)} is not an IPv4 CIDR`);
  const bool = (opt, v, dflt) => {
    if (v === undefined) return dflt;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    return bad(opt, `must be true or false, got ${JSON.stringify(v)}`);
  };
  const user = raw.user ?? 'vagrant';
  if (!/^[a-z_][a-z0-9_-]*$/.test(user)) bad('user', `${JSON.stringify(user)} is not a user name`);
  const abs = (opt, p) => {
    if (typeof p !== 'string' || !p.startsWith('/')) bad(opt, `must be an absolute path, got ${JSON.stringify(p)}`);
    return p.replace(/\/+$/, '') || '/';
  };
  return {
    role,
    nodeName: raw.nodeName,
    nodeIp: raw.nodeIp,
    controlPlaneIp: raw.controlPlaneIp ?? raw.nodeIp,
    version,
    podSubnet,
    ingress: bool('ingress', raw.ingress, false),
    allowWorkloads: bool('allow-workloads', raw.allowWorkloads, true),
    source: abs('source', raw.source ?? '/vagrant'),
    joinFile: abs('join-file', raw.joinFile ?? '/vagrant/.lab/join-command'),
    clusterConfig: abs('cluster-config', raw.clusterConfig ?? `/home/${user}/cluster.yaml`),
    user,
  };
}

/** The upstream part of a Debian version: `1.24.17-1.1` → `1.24.17`. */
export function upstreamVersion(debVersion) {
  if (!debVersion) return undefined;
  return String(debVersion)
    .replace(/^\d+:/, '')
    .replace(/-[^-]*$/, '');
}

function versionAtLeast(text, [major, minor]) {
  const m = /^v?(\d+)\.(\d+)/.exec(String(text ?? ''));
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

/**
 * Every file the lab writes, with its content, for these options and facts: the cluster
 * config kubestrap reads (cp: the whole cluster; a worker: the version it installs and joins).
 * @param {LabOptions} opts
 * @param {Record<string, any>} [facts]
 * @returns {Record<string, string>}
 */
export function labFiles(opts, facts = {}) {
  if (opts.role !== 'cp') return { [opts.clusterConfig]: workerConfig(opts) };
  const iface = privateInterface(facts, opts.nodeIp);
  return iface ? { [opts.clusterConfig]: clusterConfig(opts, iface) } : {};
}

/** The NIC that carries this node's lab address (not the NAT NIC every VM shares). */
export function privateInterface(facts, ip) {
  for (const [name, addrs] of Object.entries(facts.interfaces ?? {})) {
    if ((addrs ?? []).includes(ip)) return name;
  }
  return undefined;
}

/** The cluster.yaml `kubestrap up` reads on cp. Values are JSON strings: valid YAML, no injection. */
export function clusterConfig(opts, iface) {
  const q = (s) => JSON.stringify(String(s));
  return [
    '# Written by the kubestrap lab (scripts/lab/provision.mjs) from the lab settings.',
    '# Change lab.yaml on the host and run `vagrant provision cp` rather than editing this.',
    'apiVersion: kubestrap.io/v1alpha1',
    'kind: ClusterConfig',
    `kubernetesVersion: ${q(opts.version.text)}`,
    'networking:',
    `  podSubnet: ${q(opts.podSubnet)}`,
    'controlPlane:',
    `  advertiseAddress: ${q(opts.nodeIp)}`,
    `  nodeName: ${q(opts.nodeName)}`,
    `  allowWorkloads: ${opts.allowWorkloads}`,
    'cni:',
    `  iface: ${q(iface)}`,
    'ingress:',
    `  enabled: ${opts.ingress}`,
    '',
  ].join('\n');
}

/** A worker's cluster.yaml: what `kubestrap join` installs (the cluster's version). */
export function workerConfig(opts) {
  return [
    '# Written by the kubestrap lab (scripts/lab/provision.mjs) from the lab settings:',
    "# the version `kubestrap join` installs on this worker (the control plane's).",
    'apiVersion: kubestrap.io/v1alpha1',
    'kind: ClusterConfig',
    `kubernetesVersion: ${JSON.stringify(opts.version.text)}`,
    '',
  ].join('\n');
}

/**
 * `up` last ran to the end on this host: its verify step passed (kubestrap records
 * when; verify is never a step "done") and nothing failed or changed since.
 */
export function kubestrapUpDone(facts) {
  const s = facts.kubestrapState;
  return Boolean(s?.verifiedAt && !s.lastFailure);
}

/**
 * @typedef {{ kind: 'run', argv: string[], why: string, input?: string, quiet?: boolean, hint?: string,
 *   waitFor?: { path: string, maxAgeSeconds: number } } | { kind: 'note', text: string }} LabStep
 */

/**
 * The plan: the commands to run, in order, and notes on what is already in place.
 * Throws LabError when the host cannot be provisioned as asked.
 * @param {LabOptions} opts
 * @param {Record<string, any>} facts
 * @returns {LabStep[]}
 */
export function planProvision(opts, facts) {
  const steps = [];
  const run = (argv, why, extra = {}) => steps.push({ kind: 'run', argv, why, ...extra });
  const write = (path, content, why) => run(['tee', path], why, { input: content, quiet: true });
  const ok = (text) => steps.push({ kind: 'note', text: `ok: ${text}` });

  const files = facts.files ?? {};
  const pkgs = facts.packages ?? {};
  const has = (p) => files[p] !== undefined && files[p] !== null && files[p] !== false;
  const installed = (p) => pkgs[p] !== undefined && pkgs[p] !== null;
  const wanted = labFiles(opts, facts);
  const differs = (p) => files[p] !== wanted[p];

  // The host must be one the lab knows, running a Node.js kubestrap can run on.
  const os = facts.os ?? {};
  const floor = SUPPORTED_OS[os.id];
  if (floor === undefined)
    throw new LabError(`${os.id ?? 'unknown'} is not supported by the lab: use an Ubuntu (22.04+) or Debian (12+) box`);
  if (!(Number(os.versionId) >= floor))
    throw new LabError(`${os.id} ${os.versionId ?? '?'} is too old for the lab: use ${os.id} ${floor} or newer`);
  if (!versionAtLeast(facts.node, MIN_NODE)) {
    throw new LabError(
      `Node.js ${facts.node ?? '(none)'} is too old: kubestrap needs 20.19 or newer (scripts/lab/bootstrap.sh installs it)`,
    );
  }
  const initialized = opts.role === 'cp' ? has(PATHS.adminConf) : has(PATHS.kubeletConf);
  const kubeadmNow = upstreamVersion(pkgs.kubeadm);
  if (initialized && kubeadmNow && kubeadmNow !== opts.version.deb) {
    throw new LabError(
      `this node already runs Kubernetes ${kubeadmNow} and the lab now asks for ${opts.version.text}: a lab node is not ` +
        `upgraded in place. Recreate it: \`vagrant destroy -f ${opts.nodeName} && vagrant up ${opts.nodeName}\` ` +
        '(the whole lab when the control plane changes)',
    );
  }

  // 1. What copying kubestrap from the synced folder takes.
  const missing = PREREQUISITES.filter((p) => !installed(p));
  if (missing.length) {
    run(['apt-get', 'update', '-q'], 'refresh the package lists');
    run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing], `install ${missing.join(', ')}`);
  } else ok(`${PREREQUISITES.join(', ')} installed`);

  // 2. kubestrap from the synced folder, built in the VM.
  let labStateDir = false;
  const labState = () => {
    if (!labStateDir && !has(PATHS.labState))
      run(['install', '-d', '-m', '0700', PATHS.labState], 'create the lab state directory');
    labStateDir = true;
  };
  const k = facts.kubestrap ?? {};
  const stamp = k.stamp ?? {};
  const sourceChanged = !k.sourceHash || stamp.source !== k.sourceHash;
  const depsChanged = !k.depsHash || stamp.deps !== k.depsHash || !k.nodeModules;
  if (sourceChanged || depsChanged) {
    run(
      [
        'rsync',
        '-a',
        '--no-owner',
        '--no-group',
        '--delete',
        ...COPY_EXCLUDES.map((e) => `--exclude=/${e}`),
        `${opts.source}/`,
        `${PATHS.installDir}/`,
      ],
      `copy kubestrap from ${opts.source} to ${PATHS.installDir} (without ${COPY_EXCLUDES.slice(0, 3).join(', ')}, ...)`,
    );
    if (depsChanged)
      run(['env', '-C', PATHS.installDir, 'npm', 'ci', '--no-audit', '--no-fund'], "install kubestrap's dependencies");
    run(['env', '-C', PATHS.installDir, 'npm', 'run', 'build'], 'build kubestrap');
    labState();
    write(
      PATHS.stamp,
      `${JSON.stringify({ source: k.sourceHash ?? null, deps: k.depsHash ?? null })}\n`,
      'remember which source was built',
    );
  } else ok(`kubestrap in ${PATHS.installDir} is built from the current source`);
  const cli = `${PATHS.installDir}/dist/cli.js`;
  if (k.link !== cli) run(['ln', '-sfn', cli, PATHS.bin], `put kubestrap on the PATH (${PATHS.bin})`);
  else ok(`${PATHS.bin} -> ${cli}`);

  if (opts.role === 'cp') {
    // 3. The cluster: kubestrap up with the lab's config (it installs containerd and the
    // packages, and fixes the host), then a join command for the workers.
    const iface = privateInterface(facts, opts.nodeIp);
    if (!iface) {
      throw new LabError(
        `no network interface has ${opts.nodeIp}: is the private network up? (\`ip -4 addr\` shows the addresses)`,
      );
    }
    const configChanged = differs(opts.clusterConfig);
    if (configChanged)
      write(
        opts.clusterConfig,
        wanted[opts.clusterConfig],
        `write the cluster config (advertise ${opts.nodeIp}, flannel --iface=${iface})`,
      );
    const upRuns = configChanged || !kubestrapUpDone(facts) || !has(PATHS.adminConf);
    if (upRuns) {
      run(
        ['env', `SUDO_USER=${opts.user}`, 'kubestrap', 'up', '-c', opts.clusterConfig, '--yes'],
        `kubestrap up: installs what the node lacks, then Kubernetes ${opts.version.text} with ${opts.version.minor <= 24 ? 'PodSecurityPolicy' : 'the Pod Security Standards'}`,
      );
    } else ok('the cluster is up (kubestrap finished every step) and its config is unchanged: no kubestrap up');
    // A new join command when up ran, when there is none, when its token is past half
    // its life, or when the cluster is newer than it (a `kubestrap rebuild` changed the CA).
    const age = facts.joinFile?.ageSeconds;
    if (upRuns || age === undefined || age === null || age > JOIN_REFRESH_SECONDS || facts.joinFile?.olderThanCluster) {
      labState();
      run(
        ['kubestrap', 'join-command', '--ttl', JOIN_TTL, '-o', PATHS.localJoin],
        `a join command for the workers (token valid ${JOIN_TTL})`,
      );
      const dir = opts.joinFile.replace(/\/[^/]*$/, '') || '/';
      if (!facts.joinFile?.dirExists) run(['mkdir', '-p', dir], `create ${dir}`);
      run(
        ['cp', PATHS.localJoin, opts.joinFile],
        `hand it to the workers through the synced folder (${opts.joinFile})`,
      );
    } else ok(`${opts.joinFile} is ${Math.round(age / 60)} min old: its token is still good`);
  } else {
    // 3. Join the cluster once; kubestrap join installs the control plane's version first.
    if (has(PATHS.kubeletConf)) ok(`already joined (${PATHS.kubeletConf} exists): no join`);
    else {
      if (differs(opts.clusterConfig))
        write(opts.clusterConfig, wanted[opts.clusterConfig], `write the version to install (${opts.version.text})`);
      run(
        [
          'kubestrap',
          'join',
          '--join-file',
          opts.joinFile,
          '--node-name',
          opts.nodeName,
          '--node-ip',
          opts.nodeIp,
          '-c',
          opts.clusterConfig,
          '--yes',
        ],
        `install what the node lacks, then join the cluster at ${opts.controlPlaneIp}:6443`,
        {
          waitFor: { path: opts.joinFile, maxAgeSeconds: JOIN_MAX_AGE_SECONDS },
        },
      );
    }
  }
  return steps;
}

/**
 * The commands of a plan, argv only.
 * @param {LabStep[]} steps
 * @returns {string[][]}
 */
export function commandsOf(steps) {
  return steps.filter((s) => s.kind === 'run').map((s) => s.argv);
}
