/**
 * kubeadm: version, config validate / images, init (preflight, files, the
 * cluster model), reset, token create, join. Texts per REAL-OUTPUTS.md §1-§3 (test/sim).
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type { Sim } from '../state.js';
import type { ClusterState, KObj, SimState } from '../types.js';
import { parseMinor, randomToken, randomHex, klog, bare, uid, sleep } from '../util.js';
import {
  readKubeadmConfig,
  readJoinConfig,
  ConfigError,
  uploadedConfig,
  type JoinConfig,
  type KubeadmConfig,
} from '../kubeadm-config.js';
import {
  staticPods,
  kubeProxyDaemonSet,
  corednsDeployment,
  bootstrapRbac,
  SYSTEM_NAMESPACES,
  nodeObject,
  controlPlaneTaintKeys,
  controlPlaneLabelText,
  kubeadmImages,
  registry,
} from '../bootstrap.js';
import { joinAddress, putObj, writeHostFile } from '../cluster.js';
import { readAdmissionConfig, podSecurityApiOk, manifestHash, APISERVER_MANIFEST } from '../apiserver.js';
import { listeners } from './host.js';

const STACK_HINT = 'To see the stack trace of this error execute with --v=5 or higher\n';

export async function run(sim: Sim): Promise<number> {
  const s = sim.peek();
  const minor = parseMinor(s.versions.kubeadm);
  const argv = sim.argv.filter((a) => !/^(-v|--v)(=\d+)?$/.test(a));
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'version':
      return version(sim, s, rest);
    case 'config':
      return config(sim, s, minor, rest);
    case 'init':
      return rest[0] === 'phase' ? initPhase(sim, minor, rest.slice(1)) : init(sim, minor, rest);
    case 'reset':
      return reset(sim, minor, rest);
    case 'token':
      return token(sim, minor, rest);
    case 'join':
      return join(sim, minor, rest);
    case undefined:
      sim.io.err('kubeadm: the simulated node needs a command\n');
      return 1;
    default:
      sim.io.err(`unknown command "${cmd}" for "kubeadm"\n${STACK_HINT}`);
      return 1;
  }
}

function fail(sim: Sim, msg: string, minor: number): number {
  sim.io.err(`${minor >= 34 ? 'error: ' : ''}${msg}\n${STACK_HINT}`);
  return 1;
}

function versionInfo(v: string): Record<string, string> {
  const m = /^v(\d+)\.(\d+)/.exec(v)!;
  return {
    major: m[1],
    minor: m[2],
    gitVersion: v,
    gitCommit: '22a9682c8fe855c321be75c5faacde343f909b04',
    gitTreeState: 'clean',
    buildDate: '2023-08-23T23:37:25Z',
    goVersion: 'go1.20.7',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function version(sim: Sim, s: SimState, rest: string[]): number {
  const o = flagValue(rest, ['-o', '--output']);
  const v = s.versions.kubeadm;
  if (o === 'short') sim.io.out(`${v}\n`);
  else if (o === 'json') sim.io.out(`${JSON.stringify({ clientVersion: versionInfo(v) }, null, 2)}\n`);
  else if (o === 'yaml') sim.io.out(yaml.dump({ clientVersion: versionInfo(v) }));
  else if (o === undefined) {
    const i = versionInfo(v);
    sim.io.out(
      `kubeadm version: &version.Info{Major:"${i.major}", Minor:"${i.minor}", GitVersion:"${i.gitVersion}", GitCommit:"${i.gitCommit}", GitTreeState:"${i.gitTreeState}", BuildDate:"${i.buildDate}", GoVersion:"${i.goVersion}", Compiler:"${i.compiler}", Platform:"${i.platform}"}\n`,
    );
  } else return fail(sim, `invalid output format: ${o}`, parseMinor(v));
  return 0;
}

function flagValue(args: string[], names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n) return args[i + 1];
      if (args[i].startsWith(`${n}=`)) return args[i].slice(n.length + 1);
    }
  }
  return undefined;
}

/** Checks argv against the flags a command knows; returns kubeadm's cobra error or undefined. */
function checkFlags(
  args: string[],
  known: Record<string, 'bool' | 'value'>,
): { flags: Record<string, string>; positional: string[]; error?: string } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(0, eq) : a;
    const kind = known[name];
    if (!kind)
      return {
        flags,
        positional,
        error: a.startsWith('--') ? `unknown flag: ${name}` : `unknown shorthand flag: '${name.slice(1, 2)}' in ${a}`,
      };
    if (kind === 'bool') flags[name] = eq >= 0 ? a.slice(eq + 1) : 'true';
    else if (eq >= 0) flags[name] = a.slice(eq + 1);
    else {
      if (i + 1 >= args.length) return { flags, positional, error: `flag needs an argument: ${name}` };
      flags[name] = args[++i];
    }
  }
  return { flags, positional };
}

// ------------------------------------------------------------------ config

function config(sim: Sim, s: SimState, minor: number, rest: string[]): number {
  const [sub, ...args] = rest;
  if (sub === 'validate' && minor >= 28) {
    const f = checkFlags(args, { '--config': 'value', '--allow-experimental-api': 'bool', '--kubeconfig': 'value' });
    if (f.error) return fail(sim, f.error, minor);
    if (!f.flags['--config']) return fail(sim, 'the --config flag is mandatory', minor);
    try {
      const { warnings } = readKubeadmConfig(f.flags['--config'], minor, { strict: true });
      for (const w of warnings) sim.io.err(`${klog('W', w.split(']')[0], w.slice(w.indexOf(']') + 2))}\n`);
    } catch (e) {
      if (e instanceof ConfigError) return fail(sim, e.message, minor);
      throw e;
    }
    sim.io.out('ok\n');
    return 0;
  }
  if (sub === 'images' && (args[0] === 'list' || args[0] === 'pull')) {
    const f = checkFlags(args.slice(1), {
      '--config': 'value',
      '--kubernetes-version': 'value',
      '--cri-socket': 'value',
      '--image-repository': 'value',
      '--kubeconfig': 'value',
    });
    if (f.error) return fail(sim, f.error, minor);
    let version = f.flags['--kubernetes-version'] ?? s.versions.kubeadm;
    if (f.flags['--config']) {
      try {
        version = readKubeadmConfig(f.flags['--config'], minor).config.kubernetesVersion ?? version;
      } catch (e) {
        if (e instanceof ConfigError) return fail(sim, e.message, minor);
        throw e;
      }
    }
    for (const img of kubeadmImages(version, parseMinor(version)))
      sim.io.out(args[0] === 'list' ? `${img}\n` : `[config/images] Pulled ${img}\n`);
    return 0;
  }
  // No such subcommand: cobra stops at `config`, whose flags do not include the ones given.
  const bad = args.find((a) => a.startsWith('-') && !a.startsWith('--kubeconfig'));
  if (bad) return fail(sim, `unknown flag: ${bad.split('=')[0]}`, minor);
  return fail(
    sim,
    sub ? `invalid subcommand: "${sub}"` : `missing subcommand; "config" is not meant to be run on its own`,
    minor,
  );
}

// ------------------------------------------------------------------ init

interface Check {
  name: string;
  message: string;
  warning?: boolean;
}

function readSysctlFile(sim: Sim, p: string): string | undefined {
  try {
    return fs.readFileSync(sim.at(p), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function swapWarning(minor: number): Check {
  if (minor <= 22) return { name: 'Swap', message: 'running with swap on is not supported. Please disable swap' };
  if (minor <= 28)
    return {
      name: 'Swap',
      message:
        'swap is enabled; production deployments should disable swap unless testing the NodeSwap feature gate of the kubelet',
      warning: true,
    };
  if (minor <= 30)
    return {
      name: 'Swap',
      message:
        'swap is supported for cgroup v2 only; the NodeSwap feature gate of the kubelet is beta but disabled by default',
      warning: true,
    };
  return {
    name: 'Swap',
    message:
      'swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node',
    warning: true,
  };
}

/**
 * Does containerd's CRI plugin answer in the API version this era speaks? Off in Docker's
 * containerd.io config; containerd before 1.6 has no CRI v1 (kubelet 1.26+ and crictl
 * 1.26+ need it); containerd 2 dropped v1alpha2, the only one kubelets before 1.23 speak.
 */
export function criAnswers(s: SimState, kubeletMinor: number): boolean {
  const c = s.host.containerdRuntime;
  if (!c) return true;
  if (!c.criPlugin) return false;
  const [major, minor] = c.version.split('.').map(Number);
  if (major < 1 || (major === 1 && minor < 6)) return kubeletMinor < 26;
  if (major >= 2) return kubeletMinor >= 23;
  return true;
}

/** kubeadm's InPathChecks (checks.go addExecChecks), by kubeadm minor and the Kubernetes version it deploys. */
function pathChecks(s: SimState, minor: number, k8sMinor: number): Check[] {
  const missing = new Set(s.host.missingTools ?? []);
  const out: Check[] = [];
  const check = (tool: string, mandatory: boolean) => {
    if (missing.has(tool))
      out.push({ name: `FileExisting-${tool}`, message: `${tool} not found in system path`, warning: !mandatory });
  };
  // crictl: mandatory for a CRI runtime until kubeadm used the CRI API itself (1.31: a warning, 1.32: gone).
  if (minor <= 30) check('crictl', true);
  else if (minor === 31) check('crictl', false);
  // conntrack: checked from 1.18 (PR #85857); from kubeadm 1.32 only for a control plane older than 1.32 (PR #126953).
  if (minor >= 18 && k8sMinor < 32) check('conntrack', true);
  for (const tool of ['ebtables', 'ethtool', 'socat']) check(tool, false);
  return out;
}

function criError(minor: number, socket: string, why: 'absent' | 'unimplemented' = 'absent'): Check[] {
  const ep = socket.startsWith('unix://') ? socket : `unix://${socket}`;
  const path_ = ep.slice('unix://'.length);
  const dial =
    why === 'unimplemented'
      ? 'rpc error: code = Unimplemented desc = unknown service runtime.v1.RuntimeService'
      : `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix ${path_}: connect: no such file or directory"`;
  if (minor <= 30) {
    return [
      {
        name: 'CRI',
        message: `container runtime is not running: output: time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"${ep}\\": ${dial.replace(/"/g, '\\"')}"\n, error: exit status 1`,
      },
    ];
  }
  const msg = `could not connect to the container runtime: failed to create new CRI runtime service: validate service connection: validate CRI v1 runtime API for endpoint "${ep}": ${dial}`;
  const out = [{ name: 'CRI', message: msg }];
  if (minor >= 35) out.push({ name: 'ContainerRuntimeVersion', message: msg });
  return out;
}

function preflightChecks(
  sim: Sim,
  s: SimState,
  minor: number,
  k8sMinor: number,
  cfg: KubeadmConfig,
  criSocket: string,
): Check[] {
  const checks: Check[] = [];
  const h = s.host;
  if (h.cpus < 2)
    checks.push({ name: 'NumCPU', message: `the number of available CPUs ${h.cpus} is less than the required 2` });
  if (h.memoryMB < 1700)
    checks.push({ name: 'Mem', message: `the system RAM (${h.memoryMB} MB) is less than the minimum 1700 MB` });
  if (k8sMinor > minor)
    checks.push({
      name: 'KubernetesVersion',
      message: `Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: ${bare(cfg.kubernetesVersion ?? '')}. Kubeadm version: 1.${minor}.x`,
      warning: true,
    });
  const inUse = new Set(listeners(sim, s).map((l) => l.port));
  for (const p of [cfg.bindPort, 10259, 10257])
    if (inUse.has(p)) checks.push({ name: `Port-${p}`, message: `Port ${p} is in use` });
  for (const f of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']) {
    const p = `/etc/kubernetes/manifests/${f}.yaml`;
    if (fs.existsSync(sim.at(p)))
      checks.push({ name: `FileAvailable--etc-kubernetes-manifests-${f}.yaml`, message: `${p} already exists` });
  }
  if (!h.services.containerd?.active || !fs.existsSync(sim.at('/run/containerd/containerd.sock')))
    checks.push(...criError(minor, criSocket));
  else if (!criAnswers(s, parseMinor(s.versions.kubelet))) checks.push(...criError(minor, criSocket, 'unimplemented'));
  checks.push(...pathChecks(s, minor, k8sMinor));
  // bridge-nf / ip_forward: FileContent checks (the bridge check is gone from 1.30's kubeadm, kubernetes PR #122994).
  if (minor <= 29) {
    const br = readSysctlFile(sim, '/proc/sys/net/bridge/bridge-nf-call-iptables');
    if (br === undefined)
      checks.push({
        name: 'FileContent--proc-sys-net-bridge-bridge-nf-call-iptables',
        message: '/proc/sys/net/bridge/bridge-nf-call-iptables does not exist',
      });
    else if (br !== '1')
      checks.push({
        name: 'FileContent--proc-sys-net-bridge-bridge-nf-call-iptables',
        message: '/proc/sys/net/bridge/bridge-nf-call-iptables contents are not set to 1',
      });
  }
  const fwd = readSysctlFile(sim, '/proc/sys/net/ipv4/ip_forward');
  if (fwd !== '1')
    checks.push({
      name: 'FileContent--proc-sys-net-ipv4-ip_forward',
      message: '/proc/sys/net/ipv4/ip_forward contents are not set to 1',
    });
  if (h.swap) checks.push(swapWarning(minor));
  const kubeletMinor = parseMinor(s.versions.kubelet);
  const minKubelet = k8sMinor - (minor >= 28 ? 3 : 1);
  if (kubeletMinor < minKubelet)
    checks.push({
      name: 'KubeletVersion',
      message: `Kubelet version "${bare(s.versions.kubelet)}" is lower than kubeadm can support. Please upgrade kubelet`,
    });
  else if (kubeletMinor > k8sMinor)
    checks.push({
      name: 'KubeletVersion',
      message: `the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "${bare(s.versions.kubelet)}" Control plane version: "${bare(cfg.kubernetesVersion ?? s.versions.kubeadm)}"`,
    });
  if (!h.services.kubelet?.enabled)
    checks.push({
      name: 'Service-Kubelet',
      message: "kubelet service is not enabled, please run 'systemctl enable kubelet.service'",
      warning: true,
    });
  for (const p of [10250, 2379, 2380])
    if (inUse.has(p)) checks.push({ name: `Port-${p}`, message: `Port ${p} is in use` });
  try {
    if (fs.readdirSync(sim.at('/var/lib/etcd')).length > 0)
      checks.push({ name: 'DirAvailable--var-lib-etcd', message: '/var/lib/etcd is not empty' });
  } catch {
    /* absent: fine */
  }
  // Injected preflight errors.
  for (const f of s.faults) {
    if (f.action !== 'preflight' || (f.count !== undefined && f.count <= 0)) continue;
    checks.push(...f.errors.map((e) => ({ name: e.name, message: e.message })));
  }
  return checks;
}

function preflightBlock(errors: Check[], minor: number): string {
  const lines = errors.map((e) => `\t[ERROR ${e.name}]: ${e.message}\n`).join('');
  const hint =
    '[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`\n';
  if (minor >= 34)
    return `[preflight] Some fatal errors occurred:\n${lines}${hint}error: error execution phase preflight: preflight checks failed\n${STACK_HINT}`;
  return `error execution phase preflight: [preflight] Some fatal errors occurred:\n${lines}${hint}${STACK_HINT}`;
}

function waitControlPlaneFailure(minor: number, kubeletHealthy: boolean): { out: string; err: string } {
  const sock = 'unix:///var/run/containerd/containerd.sock';
  const likely =
    "\t- The kubelet is not running\n\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)\n\nIf you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:\n\t- 'systemctl status kubelet'\n\t- 'journalctl -xeu kubelet'\n";
  const crictl = `\nAdditionally, a control plane component may have crashed or exited when started by the container runtime.\nTo troubleshoot, list all containers using your preferred container runtimes CLI.\nHere is one example how you may list all running Kubernetes containers by using crictl:\n\t- 'crictl --runtime-endpoint ${sock} ps -a | grep kube | grep -v pause'\n\tOnce you have found the failing container, you can inspect its logs with:\n\t- 'crictl --runtime-endpoint ${sock} logs CONTAINERID'\n`;
  if (minor <= 29) {
    let out =
      '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests". This can take up to 4m0s\n[kubelet-check] Initial timeout of 40s passed.\n';
    if (!kubeletHealthy) {
      const pair =
        "[kubelet-check] It seems like the kubelet isn't running or healthy.\n[kubelet-check] The HTTP call equal to 'curl -sSL http://localhost:10248/healthz' failed with error: Get \"http://localhost:10248/healthz\": dial tcp [::1]:10248: connect: connection refused.\n";
      out += pair.repeat(5);
    }
    out += `\nUnfortunately, an error has occurred:\n\ttimed out waiting for the condition\n\nThis error is likely caused by:\n${likely}${crictl}`;
    return {
      out,
      err: `error execution phase wait-control-plane: couldn't initialize a Kubernetes cluster\n${STACK_HINT}`,
    };
  }
  const url = minor >= 31 ? ' at http://127.0.0.1:10248/healthz' : '';
  if (minor >= 34 && !kubeletHealthy) {
    const out = `[kubelet-check] Waiting for a healthy kubelet${url}. This can take up to 4m0s\n[kubelet-check] The kubelet is not healthy after 4m0.000771671s\n\nUnfortunately, an error has occurred, likely caused by:\n${likely}\n`;
    return {
      out,
      err: `error: error execution phase wait-control-plane: failed while waiting for the kubelet to start: The HTTP call equal to 'curl -sSL http://127.0.0.1:10248/healthz' returned error: Get "http://127.0.0.1:10248/healthz": context deadline exceeded\n\n${STACK_HINT}`,
    };
  }
  let out = `[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"\n[kubelet-check] Waiting for a healthy kubelet${url}. This can take up to 4m0s\n`;
  if (kubeletHealthy)
    out +=
      '[kubelet-check] The kubelet is healthy after 501.209866ms\n[api-check] Waiting for a healthy API server. This can take up to 4m0s\n[api-check] The API server is not healthy after 4m0.495090012s\n';
  else out += '[kubelet-check] The kubelet is not healthy after 4m0.000771671s\n';
  out += `\nUnfortunately, an error has occurred:\n\tcontext deadline exceeded\n\nThis error is likely caused by:\n${likely}${crictl}`;
  return {
    out,
    err: `${minor >= 34 ? 'error: ' : ''}error execution phase wait-control-plane: could not initialize a Kubernetes cluster\n${STACK_HINT}`,
  };
}

function joinCommand(addr: string, token: string, hash: string): string {
  return `kubeadm join ${addr} --token ${token} \\\n\t--discovery-token-ca-cert-hash ${hash} `;
}

function initTail(c: ClusterState, minor: number, controlPlaneEndpoint?: string, certificateKey?: string): string {
  const word = minor <= 13 ? 'master' : 'control-plane';
  let t = `\nYour Kubernetes ${word} has initialized successfully!\n\nTo start using your cluster, you need to run the following as a regular user:\n\n  mkdir -p $HOME/.kube\n  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n  sudo chown $(id -u):$(id -g) $HOME/.kube/config\n\n`;
  if (minor >= 20)
    t += 'Alternatively, if you are the root user, you can run:\n\n  export KUBECONFIG=/etc/kubernetes/admin.conf\n\n';
  t +=
    'You should now deploy a pod network to the cluster.\nRun "kubectl apply -f [podnetwork].yaml" with one of the options listed at:\n  https://kubernetes.io/docs/concepts/cluster-administration/addons/\n\n';
  const addr = joinAddress(c);
  if (controlPlaneEndpoint && certificateKey) {
    t += `You can now join any number of the control-plane node running the following command on each as root:\n\n  ${joinCommand(addr, c.token, c.caHash)}\\\n\t--control-plane --certificate-key ${certificateKey}\n\nPlease note that the certificate-key gives access to cluster sensitive data, keep it secret!\nAs a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use\n"kubeadm init phase upload-certs --upload-certs" to reload certs afterward.\n\n`;
  } else if (controlPlaneEndpoint) {
    t += `You can now join any number of control-plane nodes by copying certificate authorities\nand service account keys on each node and then running the following as root:\n\n  ${joinCommand(addr, c.token, c.caHash)}\\\n\t--control-plane \n\n`;
  }
  t += `Then you can join any number of worker nodes by running the following on each as root:\n\n${joinCommand(addr, c.token, c.caHash)}\n`;
  return t;
}

/** The node this process runs on, when the cluster knows several (by the root kubeadm wrote it under). */
export function memberHere(sim: Sim, c: ClusterState | null) {
  return c?.members?.find((m) => m.root === sim.root);
}

const UPLOADED_CERTS_MS = 2 * 60 * 60 * 1000;

function uploadCertsText(key: string): string {
  return `[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n[upload-certs] Using certificate key:\n${key}\n`;
}

/** `kubeadm init phase upload-certs --upload-certs`: (re)writes kubeadm-certs, encrypted with a key it prints. */
async function initPhase(sim: Sim, minor: number, args: string[]): Promise<number> {
  const [phase, ...rest] = args;
  if (phase !== 'upload-certs') {
    sim.io.err(`sim: kubeadm init phase ${phase ?? ''} is not modelled (only upload-certs)\n`);
    return 1;
  }
  const f = checkFlags(rest, {
    '--upload-certs': 'bool',
    '--config': 'value',
    '--certificate-key': 'value',
    '--skip-certificate-key-print': 'bool',
    '--kubeconfig': 'value',
  });
  if (f.error) return fail(sim, f.error, minor);
  if (f.flags['--config'] && f.flags['--certificate-key'])
    return fail(sim, "can not mix '--config' with arguments [certificate-key]", minor);
  if (!f.flags['--upload-certs']) {
    sim.io.out('[upload-certs] Skipping phase. Please see --upload-certs\n');
    return 0;
  }
  if (f.flags['--config']) {
    try {
      readKubeadmConfig(f.flags['--config'], minor);
    } catch (e) {
      if (e instanceof ConfigError) return fail(sim, e.message, minor);
      throw e;
    }
  }
  const kubeconfig = f.flags['--kubeconfig'] ?? '/etc/kubernetes/admin.conf';
  if (!fs.existsSync(kubeconfig.startsWith(sim.root) ? kubeconfig : sim.at(kubeconfig)))
    return fail(
      sim,
      `error execution phase upload-certs: failed to load admin kubeconfig: open ${kubeconfig}: no such file or directory`,
      minor,
    );
  return sim.update((s) => {
    const c = s.cluster;
    if (!c)
      return fail(
        sim,
        `error execution phase upload-certs: error uploading certs: error creating token: timed out waiting for the condition`,
        minor,
      );
    const key = f.flags['--certificate-key'] ?? randomHex(32);
    c.uploadedCerts = { key, expiresAt: sim.now() + UPLOADED_CERTS_MS };
    sim.io.out(
      f.flags['--skip-certificate-key-print']
        ? '[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n'
        : uploadCertsText(key),
    );
    return 0;
  });
}

function kubeconfigText(c: ClusterState, user: string, server: string): string {
  const ca = Buffer.from(`-----BEGIN CERTIFICATE-----\nSIM-CLUSTER-CA ${c.id}\n-----END CERTIFICATE-----\n`).toString(
    'base64',
  );
  const cert = Buffer.from(
    `-----BEGIN CERTIFICATE-----\nSIM-CLIENT ${user} ${c.id}\n-----END CERTIFICATE-----\n`,
  ).toString('base64');
  const key = Buffer.from(
    `-----BEGIN RSA PRIVATE KEY-----\nSIM-KEY ${randomHex(16)}\n-----END RSA PRIVATE KEY-----\n`,
  ).toString('base64');
  return `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: ${ca}\n    server: ${server}\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    user: ${user}\n  name: ${user}@kubernetes\ncurrent-context: ${user}@kubernetes\nkind: Config\npreferences: {}\nusers:\n- name: ${user}\n  user:\n    client-certificate-data: ${cert}\n    client-key-data: ${key}\n`;
}

const INIT_FLAGS: Record<string, 'bool' | 'value'> = {
  '--config': 'value',
  '--ignore-preflight-errors': 'value',
  '--upload-certs': 'bool',
  '--skip-token-print': 'bool',
  '--skip-certificate-key-print': 'bool',
  '--skip-phases': 'value',
  '--dry-run': 'bool',
  '--node-name': 'value',
  '--pod-network-cidr': 'value',
  '--service-cidr': 'value',
  '--apiserver-advertise-address': 'value',
  '--apiserver-bind-port': 'value',
  '--kubernetes-version': 'value',
  '--cri-socket': 'value',
  '--control-plane-endpoint': 'value',
  '--token': 'value',
  '--certificate-key': 'value',
  '--patches': 'value',
  '--rootfs': 'value',
};
const MIXABLE_WITH_CONFIG = [
  '--config',
  '--ignore-preflight-errors',
  '--upload-certs',
  '--skip-token-print',
  '--skip-certificate-key-print',
  '--skip-phases',
  '--dry-run',
  '--certificate-key',
  '--patches',
  '--rootfs',
];

async function init(sim: Sim, minor: number, args: string[]): Promise<number> {
  const f = checkFlags(args, INIT_FLAGS);
  if (f.error) return fail(sim, f.error, minor);
  const mixed = Object.keys(f.flags).filter((k) => !MIXABLE_WITH_CONFIG.includes(k));
  if (f.flags['--config'] && mixed.length)
    return fail(
      sim,
      `can not mix '--config' with arguments [${mixed
        .map((m) => m.slice(2))
        .sort()
        .join(' ')}]`,
      minor,
    );
  if (f.flags['--dry-run']) return fail(sim, 'the simulated node does not model kubeadm init --dry-run', minor);

  let cfg: KubeadmConfig;
  let cfgWarnings: string[] = [];
  if (f.flags['--config']) {
    try {
      ({ config: cfg, warnings: cfgWarnings } = readKubeadmConfig(f.flags['--config'], minor));
    } catch (e) {
      if (e instanceof ConfigError) return fail(sim, e.message, minor);
      throw e;
    }
  } else {
    cfg = {
      apiVersions: [],
      bindPort: Number(f.flags['--apiserver-bind-port'] ?? 6443),
      serviceSubnet: f.flags['--service-cidr'] ?? '10.96.0.0/12',
      dnsDomain: 'cluster.local',
      apiServerArgs: {},
      apiServerVolumes: [],
      failSwapOn: true,
    };
    cfg.nodeName = f.flags['--node-name'];
    cfg.podSubnet = f.flags['--pod-network-cidr'];
    cfg.advertiseAddress = f.flags['--apiserver-advertise-address'];
    cfg.kubernetesVersion = f.flags['--kubernetes-version'];
    cfg.criSocket = f.flags['--cri-socket'];
    cfg.controlPlaneEndpoint = f.flags['--control-plane-endpoint'];
  }
  const ignore = new Set(
    (f.flags['--ignore-preflight-errors'] ?? '')
      .split(',')
      .filter(Boolean)
      .map((x) => x.toLowerCase()),
  );
  const ignored = (name: string) => ignore.has('all') || ignore.has(name.toLowerCase());

  const s0 = sim.peek();
  const version =
    cfg.kubernetesVersion && /^v?1\.\d+\.\d+$/.test(cfg.kubernetesVersion)
      ? `v${bare(cfg.kubernetesVersion)}`
      : s0.versions.kubeadm;
  const k8sMinor = parseMinor(version);
  if (k8sMinor < minor - 1)
    return fail(
      sim,
      `this version of kubeadm only supports deploying clusters with the control plane version >= 1.${minor - 1}.0. Current version: ${version}`,
      minor,
    );
  for (const w of cfgWarnings) sim.io.err(`${klog('W', w.split(']')[0], w.slice(w.indexOf(']') + 2))}\n`);

  sim.io.out(`[init] Using Kubernetes version: ${version}\n[preflight] Running pre-flight checks\n`);
  if (!s0.host.root && !ignored('IsPrivilegedUser')) {
    sim.io.err(preflightBlock([{ name: 'IsPrivilegedUser', message: 'user is not running as root' }], minor));
    return 1;
  }
  const criSocket =
    cfg.criSocket ??
    (k8sMinor >= 24 ? 'unix:///var/run/containerd/containerd.sock' : '/run/containerd/containerd.sock');

  // Preflight and (when it passes) the whole init happen under the state lock.
  return sim.update(async (s) => {
    const checks = preflightChecks(sim, s, minor, k8sMinor, cfg, criSocket);
    for (const fa of s.faults) {
      if (fa.action !== 'preflight' || (fa.count !== undefined && fa.count <= 0)) continue;
      if (fa.count !== undefined) fa.count--;
      fa.fired = (fa.fired ?? 0) + 1;
    }
    const errors: Check[] = [];
    for (const c of checks) {
      if (c.warning || ignored(c.name)) sim.io.err(`\t[WARNING ${c.name}]: ${c.message}\n`);
      else errors.push(c);
    }
    if (errors.length) {
      sim.io.err(preflightBlock(errors, minor));
      return 1;
    }
    const imgHint = minor >= 28 ? 'beforehand' : 'in beforehand';
    sim.io.out(
      `[preflight] Pulling images required for setting up a Kubernetes cluster\n[preflight] This might take a minute or two, depending on the speed of your internet connection\n[preflight] You can also perform this action ${imgHint} using 'kubeadm config images pull'\n`,
    );
    if (s.timing.kubeadmInitMs) await sleep(s.timing.kubeadmInitMs);

    const now = sim.now();
    const c: ClusterState = {
      id: randomHex(8),
      version,
      minor: k8sMinor,
      nodeName: (cfg.nodeName ?? s.host.hostname).toLowerCase(),
      advertiseAddress: cfg.advertiseAddress ?? s.host.ip,
      bindPort: cfg.bindPort,
      podSubnet: cfg.podSubnet ?? null,
      serviceSubnet: cfg.serviceSubnet,
      dnsDomain: cfg.dnsDomain,
      token: randomToken(),
      caHash: `sha256:${randomHex(32)}`,
      createdAt: now,
      admissionPlugins: (cfg.apiServerArgs['enable-admission-plugins'] ?? '').split(',').filter(Boolean),
      psp: false,
      pss: null,
      objects: {},
      rv: 100,
      epoch: 1,
      attempts: {},
      staticPods: [],
      node: { taintsChangedAt: now },
      hostEffects: {},
      ...(cfg.controlPlaneEndpoint ? { controlPlaneEndpoint: cfg.controlPlaneEndpoint } : {}),
    };
    const disabled = (cfg.apiServerArgs['disable-admission-plugins'] ?? '').split(',').filter(Boolean);
    if (disabled.includes('PodSecurity')) c.admissionPlugins.push('-PodSecurity');
    c.psp = c.admissionPlugins.includes('PodSecurityPolicy');

    writeCerts(sim, c);
    writeKubeconfigs(sim, c, minor);
    const pods = staticPods(c, cfg.apiServerArgs, cfg.apiServerVolumes);
    const manifests = () => {
      for (const p of pods)
        writeHostFile(sim, `/etc/kubernetes/manifests/${p.metadata.name}.yaml`, yaml.dump(p, { lineWidth: -1 }));
      sim.io.out(
        `[control-plane] Using manifest folder "/etc/kubernetes/manifests"\n[control-plane] Creating static Pod manifest for "kube-apiserver"\n[control-plane] Creating static Pod manifest for "kube-controller-manager"\n[control-plane] Creating static Pod manifest for "kube-scheduler"\n`,
      );
    };
    const etcd = () => {
      fs.mkdirSync(sim.at('/var/lib/etcd/member/snap'), { recursive: true });
      fs.writeFileSync(sim.at('/var/lib/etcd/member/snap/db'), '');
      sim.io.out('[etcd] Creating static Pod manifest for local etcd in "/etc/kubernetes/manifests"\n');
    };
    const kubeletStart = () => {
      writeHostFile(
        sim,
        '/var/lib/kubelet/kubeadm-flags.env',
        `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=${criSocket} --pod-infra-container-image=${'registry.k8s.io/pause:3.9'}"\n`,
      );
      writeHostFile(
        sim,
        '/var/lib/kubelet/config.yaml',
        `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nfailSwapOn: ${cfg.failSwapOn}\n`,
      );
      s.host.services.kubelet = { ...(s.host.services.kubelet ?? { enabled: false }), active: true };
      sim.io.out(
        '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"\n[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"\n[kubelet-start] Starting the kubelet\n',
      );
    };
    if (minor >= 31) {
      etcd();
      manifests();
      kubeletStart();
    } else {
      kubeletStart();
      manifests();
      etcd();
    }

    // Can the control plane come up? Not with swap on (failSwapOn), not when containerd's runc
    // uses another cgroup driver than the kubelet (systemd), not on cgroup v2 before 1.19.
    const kubeletMinor = parseMinor(s.versions.kubelet);
    const kubeletHealthy =
      !(s.host.swap && cfg.failSwapOn && minor >= 23) &&
      s.host.containerdRuntime?.systemdCgroup !== false &&
      !(s.host.cgroupVersion === 2 && kubeletMinor < 19) &&
      criAnswers(s, kubeletMinor);
    let apiServerStarts = kubeletHealthy;
    if (c.psp && k8sMinor >= 25) apiServerStarts = false; // plugin "PodSecurityPolicy" is unknown
    const admFile = cfg.apiServerArgs['admission-control-config-file'];
    if (admFile) {
      const vol = cfg.apiServerVolumes.some(
        (v) => admFile.startsWith(v.mountPath.replace(/\/?$/, '/')) || admFile === v.mountPath,
      );
      const conf = readAdmissionConfig(sim, admFile);
      if (!vol || typeof conf === 'string' || !podSecurityApiOk(sim, admFile, k8sMinor)) apiServerStarts = false;
      else c.pss = conf ?? null;
    }
    if (!apiServerStarts) {
      const w = waitControlPlaneFailure(minor, kubeletHealthy);
      sim.io.out(w.out);
      sim.io.err(w.err);
      return 1;
    }
    if (minor <= 29)
      sim.io.out(
        `[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests". This can take up to 4m0s\n[apiclient] All control plane components are healthy after 8.505808 seconds\n`,
      );
    else {
      const url = minor >= 31 ? ' at http://127.0.0.1:10248/healthz' : '';
      sim.io.out(
        `[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"\n[kubelet-check] Waiting for a healthy kubelet${url}. This can take up to 4m0s\n[kubelet-check] The kubelet is healthy after 500.939992ms\n`,
      );
      if (minor >= 34)
        sim.io.out(
          `[control-plane-check] Waiting for healthy control plane components. This can take up to 4m0s\n[control-plane-check] Checking kube-apiserver at https://${c.advertiseAddress}:${c.bindPort}/livez\n[control-plane-check] Checking kube-controller-manager at https://127.0.0.1:10257/healthz\n[control-plane-check] Checking kube-scheduler at https://127.0.0.1:10259/livez\n[control-plane-check] kube-controller-manager is healthy after 1.505424512s\n[control-plane-check] kube-scheduler is healthy after 2.038520417s\n[control-plane-check] kube-apiserver is healthy after 3.501239876s\n`,
        );
      else
        sim.io.out(
          '[api-check] Waiting for a healthy API server. This can take up to 4m0s\n[api-check] The API server is healthy after 3.00043501s\n',
        );
    }

    // The cluster exists from here on; the kubelet runs the API server of this manifest.
    c.staticPods = pods;
    c.apiServer = {
      manifestFile: sim.at(APISERVER_MANIFEST),
      manifestHash: manifestHash(fs.readFileSync(sim.at(APISERVER_MANIFEST), 'utf8')),
      state: 'running',
      since: now,
    };
    s.cluster = c;
    c.members = [{ root: sim.root, name: c.nodeName, controlPlane: true, address: c.advertiseAddress }];
    seedCluster(c, s, now, criSocket, cfg);
    const cm = minor <= 23 ? `kubelet-config-1.${k8sMinor}` : 'kubelet-config';
    sim.io.out(
      `[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace\n[kubelet] Creating a ConfigMap "${cm}" in namespace kube-system with the configuration for the kubelets in the cluster\n`,
    );
    if (f.flags['--upload-certs']) {
      c.uploadedCerts = { key: f.flags['--certificate-key'] ?? randomHex(32), expiresAt: now + UPLOADED_CERTS_MS };
      sim.io.out(uploadCertsText(c.uploadedCerts.key));
    } else sim.io.out('[upload-certs] Skipping phase. Please see --upload-certs\n');
    sim.io.out(
      `[mark-control-plane] Marking the node ${c.nodeName} as control-plane by adding the labels: ${controlPlaneLabelText(minor)}\n`,
    );
    sim.io.out(
      `[mark-control-plane] Marking the node ${c.nodeName} as control-plane by adding the taints [${controlPlaneTaintKeys(
        k8sMinor,
      )
        .map((k) => `${k}:NoSchedule`)
        .join(' ')}]\n`,
    );
    sim.io.out(
      `[bootstrap-token] Using token: ${c.token}\n[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles\n[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes\n[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials\n[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token\n[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster\n[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace\n`,
    );
    sim.io.out(
      '[kubelet-finalize] Updating "/etc/kubernetes/kubelet.conf" to point to a rotatable kubelet client certificate and key\n',
    );
    sim.io.out('[addons] Applied essential addon: CoreDNS\n[addons] Applied essential addon: kube-proxy\n');
    if (!f.flags['--skip-token-print']) sim.io.out(initTail(c, minor, cfg.controlPlaneEndpoint, c.uploadedCerts?.key));
    return 0;
  });
}

function writeCerts(sim: Sim, c: ClusterState): void {
  const pem = (what: string) => `-----BEGIN CERTIFICATE-----\nSIM ${what} ${c.id}\n-----END CERTIFICATE-----\n`;
  for (const f of [
    'ca',
    'apiserver',
    'apiserver-kubelet-client',
    'front-proxy-ca',
    'front-proxy-client',
    'apiserver-etcd-client',
    'etcd/ca',
    'etcd/server',
    'etcd/peer',
    'etcd/healthcheck-client',
  ]) {
    writeHostFile(sim, `/etc/kubernetes/pki/${f}.crt`, pem(f));
    writeHostFile(
      sim,
      `/etc/kubernetes/pki/${f}.key`,
      `-----BEGIN RSA PRIVATE KEY-----\nSIM\n-----END RSA PRIVATE KEY-----\n`,
    );
  }
  writeHostFile(sim, '/etc/kubernetes/pki/sa.key', 'SIM\n');
  writeHostFile(sim, '/etc/kubernetes/pki/sa.pub', 'SIM\n');
  sim.io.out(
    `[certs] Using certificateDir folder "/etc/kubernetes/pki"\n[certs] Generating "ca" certificate and key\n[certs] Generating "apiserver" certificate and key\n[certs] apiserver serving cert is signed for DNS names [kubernetes kubernetes.default kubernetes.default.svc kubernetes.default.svc.${c.dnsDomain} ${c.nodeName}] and IPs [${c.serviceSubnet.replace(/\.0\/\d+$/, '.1')} ${c.advertiseAddress}]\n[certs] Generating "apiserver-kubelet-client" certificate and key\n[certs] Generating "front-proxy-ca" certificate and key\n[certs] Generating "front-proxy-client" certificate and key\n[certs] Generating "etcd/ca" certificate and key\n[certs] Generating "etcd/server" certificate and key\n[certs] etcd/server serving cert is signed for DNS names [${c.nodeName} localhost] and IPs [${c.advertiseAddress} 127.0.0.1 ::1]\n[certs] Generating "etcd/peer" certificate and key\n[certs] etcd/peer serving cert is signed for DNS names [${c.nodeName} localhost] and IPs [${c.advertiseAddress} 127.0.0.1 ::1]\n[certs] Generating "etcd/healthcheck-client" certificate and key\n[certs] Generating "apiserver-etcd-client" certificate and key\n[certs] Generating "sa" key and public key\n`,
  );
}

function writeKubeconfigs(sim: Sim, c: ClusterState, minor: number): void {
  // kubeadm names the controlPlaneEndpoint in every kubeconfig when there is one.
  const server = `https://${joinAddress(c)}`;
  sim.io.out('[kubeconfig] Using kubeconfig folder "/etc/kubernetes"\n');
  const files: [string, string][] = [['admin.conf', 'kubernetes-admin']];
  if (minor >= 29) files.push(['super-admin.conf', 'kubernetes-super-admin']);
  files.push(
    ['kubelet.conf', `system:node:${c.nodeName}`],
    ['controller-manager.conf', 'system:kube-controller-manager'],
    ['scheduler.conf', 'system:kube-scheduler'],
  );
  for (const [file, user] of files) {
    writeHostFile(sim, `/etc/kubernetes/${file}`, kubeconfigText(c, user, server));
    sim.io.out(`[kubeconfig] Writing "${file}" kubeconfig file\n`);
  }
}

function seedCluster(c: ClusterState, s: SimState, now: number, criSocket: string, cfg: KubeadmConfig): void {
  for (const ns of SYSTEM_NAMESPACES) putObj(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, now);
  for (const ns of SYSTEM_NAMESPACES)
    putObj(c, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } }, now);
  for (const sa of [
    'kube-proxy',
    'coredns',
    'daemon-set-controller',
    'replicaset-controller',
    'deployment-controller',
    'bootstrap-signer',
    'token-cleaner',
  ]) {
    putObj(c, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: 'kube-system' } }, now);
  }
  for (const o of bootstrapRbac(c)) putObj(c, o, now);
  const data = uploadedConfig(cfg, parseMinor(s.versions.kubeadm), {
    version: c.version,
    podSubnet: c.podSubnet,
    serviceSubnet: c.serviceSubnet,
    dnsDomain: c.dnsDomain,
    registry: cfg.imageRepository ?? registry(c.minor),
  });
  putObj(
    c,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data },
    now,
  );
  putObj(
    c,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } },
      data: {
        'config.conf': `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nclusterCIDR: ${c.podSubnet ?? ''}\nkind: KubeProxyConfiguration\nmode: ""\n`,
      },
    },
    now,
  );
  putObj(
    c,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'coredns', namespace: 'kube-system' },
      data: {
        Corefile: `.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes ${c.dnsDomain} in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n`,
      },
    },
    now,
  );
  putObj(
    c,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-info', namespace: 'kube-public' },
      data: { kubeconfig: 'SIM' },
    },
    now,
  );
  putObj(
    c,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { component: 'apiserver', provider: 'kubernetes' },
      },
      spec: {
        clusterIP: c.serviceSubnet.replace(/\.0\/\d+$/, '.1'),
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: c.bindPort }],
        type: 'ClusterIP',
      },
    },
    now,
  );
  putObj(c, nodeObject(c, s.versions.kubelet, now, criSocket), now);
  putObj(c, kubeProxyDaemonSet(c), now);
  putObj(c, corednsDeployment(c), now);
  void uid;
}

// ------------------------------------------------------------------ reset

function resetOutput(sim: Sim, c: ClusterState | null, minor: number, haveFiles: boolean): string[] {
  const out: string[] = [];
  const err: string[] = [];
  const server = c ? `${c.advertiseAddress}:${c.bindPort}` : `${sim.peek().host.ip}:6443`;
  if (minor <= 28) {
    out.push(
      '[reset] Reading configuration from the cluster...',
      "[reset] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'",
    );
  } else if (minor >= 33) {
    out.push(
      '[reset] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...',
      "[reset] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.",
    );
  }
  if (!c) {
    const w = klog(
      'W',
      'reset.go:103',
      `[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: failed to get config map: Get "https://${server}/api/v1/namespaces/kube-system/configmaps/kubeadm-config?timeout=10s": dial tcp ${server}: connect: connection refused`,
    );
    if (minor <= 28 || minor >= 33) err.push(w);
  }
  sim.io.out(out.map((l) => `${l}\n`).join(''));
  if (err.length) sim.io.err(err.map((l) => `${l}\n`).join(''));
  const out2: string[] = ['[preflight] Running pre-flight checks'];
  sim.io.out(`${out2[0]}\n`);
  if (!c && haveFiles)
    sim.io.err(
      `${klog('W', minor <= 24 ? 'removeetcdmember.go:84' : 'removeetcdmember.go:106', '[reset] No kubeadm config, using etcd pod spec to get data directory')}\n`,
    );
  const files = [
    '/etc/kubernetes/admin.conf',
    ...(minor >= 29 ? ['/etc/kubernetes/super-admin.conf'] : []),
    '/etc/kubernetes/kubelet.conf',
    '/etc/kubernetes/bootstrap-kubelet.conf',
    '/etc/kubernetes/controller-manager.conf',
    '/etc/kubernetes/scheduler.conf',
  ];
  const lines: string[] = [];
  if (minor <= 26) {
    lines.push(
      '[reset] Stopping the kubelet service',
      '[reset] Unmounting mounted directories in "/var/lib/kubelet"',
      '[reset] Deleting contents of directories: [/etc/kubernetes/manifests /etc/kubernetes/pki]',
      `[reset] Deleting files: [${files.join(' ')}]`,
      `[reset] Deleting contents of stateful directories: [/var/lib/etcd /var/lib/kubelet${minor <= 24 ? ' /var/lib/dockershim' : ''} /var/run/kubernetes /var/lib/cni]`,
    );
  } else {
    lines.push(
      '[reset] Deleted contents of the etcd data directory: /var/lib/etcd',
      '[reset] Stopping the kubelet service',
      '[reset] Unmounting mounted directories in "/var/lib/kubelet"',
      '[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]',
      `[reset] Deleting files: [${files.join(' ')}]`,
    );
  }
  if (minor <= 32) {
    lines.push(
      '',
      'The reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d',
      '',
      'The reset process does not reset or clean up iptables rules or IPVS tables.',
      'If you wish to reset iptables, you must do so manually by using the "iptables" command.',
      '',
      'If your cluster was setup to utilize IPVS, run ipvsadm --clear (or similar)',
      "to reset your system's IPVS tables.",
      '',
      'The reset process does not clean your kubeconfig files and you must remove them manually.',
      'Please, check the contents of the $HOME/.kube/config file.',
    );
  } else {
    lines.push(
      '',
      'The reset process does not perform cleanup of CNI plugin configuration,',
      'network filtering rules and kubeconfig files.',
      '',
      'For information on how to perform this cleanup manually, please see:',
      '    https://k8s.io/docs/reference/setup-tools/kubeadm/kubeadm-reset/',
      '',
    );
  }
  return lines;
}

function emptyDir(sim: Sim, p: string): void {
  const d = sim.at(p);
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(d);
  } catch {
    return;
  }
  for (const e of entries) fs.rmSync(path.join(d, e), { recursive: true, force: true });
}

async function reset(sim: Sim, minor: number, args: string[]): Promise<number> {
  const f = checkFlags(args, {
    '-f': 'bool',
    '--force': 'bool',
    '--cri-socket': 'value',
    '--cleanup-tmp-dir': 'bool',
    '--ignore-preflight-errors': 'value',
    '--kubeconfig': 'value',
    '--config': 'value',
    '--dry-run': 'bool',
    '--skip-phases': 'value',
  });
  if (f.error) return fail(sim, f.error, minor);
  if (f.flags['--dry-run']) return fail(sim, 'the simulated node does not model kubeadm reset --dry-run', minor);
  const force = f.flags['-f'] === 'true' || f.flags['--force'] === 'true';
  if (!f.flags['--cri-socket'] && minor < 24 && fs.existsSync(sim.at('/var/run/docker.sock')))
    return fail(
      sim,
      'Found multiple CRI sockets, please use --cri-socket to select one: /var/run/dockershim.sock, /run/containerd/containerd.sock',
      minor,
    );
  const s0 = sim.peek();
  if (!s0.host.root) {
    sim.io.out('[preflight] Running pre-flight checks\n');
    sim.io.err(preflightBlock([{ name: 'IsPrivilegedUser', message: 'user is not running as root' }], minor));
    return 1;
  }
  if (!force) {
    sim.io.err(
      `${klog('W', 'reset.go:124', "[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted.")}\n`,
    );
    sim.io.out('[reset] Are you sure you want to proceed? [y/N]: ');
    const answer = sim.io.stdin().trim();
    if (!/^[yY]$/.test(answer.split('\n')[0] ?? ''))
      return fail(
        sim,
        "error execution phase preflight: won't proceed; the user didn't answer (Y|y) in order to continue",
        minor,
      );
  }
  return sim.update((s) => {
    const haveFiles = fs.existsSync(sim.at('/etc/kubernetes/manifests/etcd.yaml'));
    const lines = resetOutput(sim, s.cluster, minor, haveFiles);
    // On a cluster of several nodes, a node's reset takes only that node away (a control plane
    // leaves etcd too); the cluster goes with the last control plane. kubeadm reset does not
    // delete the Node object; the model drops it, and its pods, as `kubectl delete node` would.
    const c = s.cluster;
    const here = memberHere(sim, c);
    const others = (c?.members ?? []).filter((m) => m.root !== sim.root);
    const clusterStays = c !== null && c.members !== undefined && others.some((m) => m.controlPlane);
    if (clusterStays && c) {
      if (here) {
        for (const key of Object.keys(c.objects)) {
          const o = c.objects[key];
          if (
            (o.kind === 'Node' && o.metadata.name === here.name) ||
            (o.kind === 'Pod' && o.spec?.nodeName === here.name)
          )
            delete c.objects[key];
        }
        c.members = others;
        c.rv++;
        // The API server this model runs moves to a control plane that remains.
        if (c.apiServer?.manifestFile?.startsWith(sim.root)) {
          const next = others.find((m) => m.controlPlane)!;
          const file = path.join(next.root, APISERVER_MANIFEST);
          // That API server has run all along: no restart.
          c.apiServer = {
            manifestFile: file,
            manifestHash: manifestHash(fs.readFileSync(file, 'utf8')),
            state: 'running',
            since: c.apiServer.since,
          };
          c.nodeName = next.name;
          if (next.address) c.advertiseAddress = next.address;
        }
      }
    } else if (s.host.services.kubelet) s.host.services.kubelet.active = false;
    emptyDir(sim, '/var/lib/etcd');
    emptyDir(sim, '/etc/kubernetes/manifests');
    emptyDir(sim, '/etc/kubernetes/pki');
    emptyDir(sim, '/var/lib/kubelet');
    emptyDir(sim, '/var/run/kubernetes');
    if (minor <= 26) emptyDir(sim, '/var/lib/cni');
    for (const file of [
      'admin.conf',
      'super-admin.conf',
      'kubelet.conf',
      'bootstrap-kubelet.conf',
      'controller-manager.conf',
      'scheduler.conf',
    ])
      fs.rmSync(sim.at(`/etc/kubernetes/${file}`), { force: true });
    if (!clusterStays) {
      s.cluster = null;
      s.extraTokens = [];
    }
    sim.io.out(lines.map((l) => `${l}\n`).join(''));
    return 0;
  });
}

// ------------------------------------------------------------------ token, join

async function token(sim: Sim, minor: number, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create' && sub !== 'list')
    return fail(
      sim,
      sub ? `invalid subcommand: "${sub}"` : 'missing subcommand; "token" is not meant to be run on its own',
      minor,
    );
  const f = checkFlags(rest, {
    '--print-join-command': 'bool',
    '--ttl': 'value',
    '--kubeconfig': 'value',
    '--description': 'value',
    '--usages': 'value',
    '--groups': 'value',
    '--certificate-key': 'value',
    '-o': 'value',
    '--output': 'value',
  });
  if (f.error) return fail(sim, f.error, minor);
  const kubeconfig = f.flags['--kubeconfig'] ?? '/etc/kubernetes/admin.conf';
  if (!fs.existsSync(kubeconfig.startsWith(sim.root) ? kubeconfig : sim.at(kubeconfig)))
    return fail(sim, `failed to load admin kubeconfig: open ${kubeconfig}: no such file or directory`, minor);
  return sim.update((s) => {
    const c = s.cluster;
    if (!c)
      return fail(
        sim,
        `failed to create or update bootstrap token with name bootstrap-token-${randomToken().slice(0, 6)}: unable to create Secret: Post "https://${s.host.ip}:6443/api/v1/namespaces/kube-system/secrets?timeout=10s": dial tcp ${s.host.ip}:6443: connect: connection refused`,
        minor,
      );
    if (sub === 'list') {
      sim.io.out(
        'TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION                                                EXTRA GROUPS\n',
      );
      for (const t of [c.token, ...s.extraTokens])
        sim.io.out(
          `${t}   23h         ${new Date(c.createdAt + 86400000).toISOString().replace(/\.\d+Z$/, 'Z')}   authentication,signing   <none>                                                     system:bootstrappers:kubeadm:default-node-token\n`,
        );
      return 0;
    }
    const t = randomToken();
    s.extraTokens.push(t);
    if (f.flags['--print-join-command'])
      sim.io.out(`kubeadm join ${joinAddress(c)} --token ${t} --discovery-token-ca-cert-hash ${c.caHash} \n`);
    else sim.io.out(`${t}\n`);
    return 0;
  });
}

async function join(sim: Sim, minor: number, args: string[]): Promise<number> {
  const f = checkFlags(args, {
    '--token': 'value',
    '--discovery-token-ca-cert-hash': 'value',
    '--discovery-token-unsafe-skip-ca-verification': 'bool',
    '--node-name': 'value',
    '--cri-socket': 'value',
    '--ignore-preflight-errors': 'value',
    '--control-plane': 'bool',
    '--certificate-key': 'value',
    '--config': 'value',
    '--apiserver-advertise-address': 'value',
  });
  if (f.error) return fail(sim, f.error, minor);
  let endpoint: string | undefined = f.positional[0];
  let joinCfg: JoinConfig | undefined;
  if (f.flags['--config']) {
    const mixed = Object.keys(f.flags).filter((k) => !['--config', '--ignore-preflight-errors'].includes(k));
    if (mixed.length || endpoint)
      return fail(
        sim,
        `can not mix '--config' with arguments [${[...mixed.map((m) => m.slice(2)), ...(endpoint ? [endpoint] : [])].sort().join(' ')}]`,
        minor,
      );
    try {
      joinCfg = readJoinConfig(f.flags['--config'], minor);
    } catch (e) {
      if (e instanceof ConfigError) return fail(sim, e.message, minor);
      throw e;
    }
    endpoint = joinCfg.endpoint;
  }
  const criSocket = joinCfg?.criSocket ?? f.flags['--cri-socket'];
  // Before 1.24 kubeadm picks the runtime by the sockets it finds, and Docker's counts.
  if (!criSocket && minor < 24 && fs.existsSync(sim.at('/var/run/docker.sock')))
    return fail(
      sim,
      'Found multiple CRI sockets, please use --cri-socket to select one: /var/run/dockershim.sock, /run/containerd/containerd.sock',
      minor,
    );
  sim.io.out('[preflight] Running pre-flight checks\n');
  return sim.update((s) => {
    const ignore = new Set((f.flags['--ignore-preflight-errors'] ?? '').split(',').map((x) => x.toLowerCase()));
    const errors: Check[] = [];
    for (const file of ['kubelet.conf', 'bootstrap-kubelet.conf'])
      if (fs.existsSync(sim.at(`/etc/kubernetes/${file}`)))
        errors.push({
          name: `FileAvailable--etc-kubernetes-${file}`,
          message: `/etc/kubernetes/${file} already exists`,
        });
    if (fs.readFileSync(sim.at('/proc/sys/net/ipv4/ip_forward'), 'utf8').trim() !== '1')
      errors.push({
        name: 'FileContent--proc-sys-net-ipv4-ip_forward',
        message: '/proc/sys/net/ipv4/ip_forward contents are not set to 1',
      });
    const fatal = errors.filter((e) => !ignore.has('all') && !ignore.has(e.name.toLowerCase()));
    if (fatal.length) {
      sim.io.err(preflightBlock(fatal, minor));
      return 1;
    }
    const c = s.cluster;
    const tok = joinCfg?.token ?? f.flags['--token'];
    if (!c || !endpoint)
      return fail(
        sim,
        `error execution phase preflight: couldn't validate the identity of the API Server: Get "https://${endpoint ?? `${s.host.ip}:6443`}/api/v1/namespaces/kube-public/configmaps/cluster-info?timeout=10s": dial tcp ${endpoint ?? `${s.host.ip}:6443`}: connect: connection refused`,
        minor,
      );
    if (!tok || ![c.token, ...s.extraTokens].includes(tok))
      return fail(
        sim,
        `error execution phase preflight: couldn't validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "${(tok ?? '').split('.')[0]}"`,
        minor,
      );
    const name = (joinCfg?.nodeName ?? f.flags['--node-name'] ?? `${s.host.hostname}-worker`).toLowerCase();
    // The kubelet's --node-ip: kubeadm's flags (from kubeletExtraArgs), else KUBELET_EXTRA_ARGS from
    // the environment file this package's drop-in reads, else the default route's address (the NAT NIC).
    const nodeIp = joinCfg?.nodeIp ?? kubeletExtraArgsNodeIp(sim) ?? s.host.ip;
    const controlPlane = f.flags['--control-plane'] === 'true' || joinCfg?.controlPlane !== undefined;
    if (controlPlane) {
      const problem = controlPlaneJoinProblem(
        sim,
        s,
        c,
        joinCfg?.controlPlane?.certificateKey ?? f.flags['--certificate-key'],
      );
      if (problem) {
        sim.io.out(
          "[preflight] Reading configuration from the cluster...\n[preflight] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n",
        );
        return fail(sim, problem, minor);
      }
    }
    sim.io.out(
      controlPlane
        ? `[preflight] Reading configuration from the cluster...\n[preflight] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n[preflight] Running pre-flight checks before initializing the new control plane instance\n[download-certs] Downloading the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n[certs] Using certificateDir folder "/etc/kubernetes/pki"\n[kubeconfig] Generating kubeconfig files\n[kubeconfig] Using kubeconfig folder "/etc/kubernetes"\n[kubeconfig] Writing "admin.conf" kubeconfig file\n[kubeconfig] Writing "controller-manager.conf" kubeconfig file\n[kubeconfig] Writing "scheduler.conf" kubeconfig file\n[control-plane] Using manifest folder "/etc/kubernetes/manifests"\n[check-etcd] Checking that the etcd cluster is healthy\n[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"\n[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"\n[kubelet-start] Starting the kubelet\n[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...\n[etcd] Announced new etcd member joining to the existing etcd cluster\n[mark-control-plane] Marking the node ${name} as control-plane by adding the labels: ${controlPlaneLabelText(minor)}\n\nThis node has joined the cluster and a new control plane instance was created:\n\n* Certificate signing request was sent to apiserver and approval was received.\n* The Kubelet was informed of the new secure connection details.\n* Control plane label and taint were applied to the new node.\n* The Kubernetes control plane instances scaled up.\n* A new etcd member was added to the local/stacked etcd cluster.\n\nTo start administering your cluster from this node, you need to run the following as a regular user:\n\n\tmkdir -p $HOME/.kube\n\tsudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n\tsudo chown $(id -u):$(id -g) $HOME/.kube/config\n\nRun 'kubectl get nodes' to see this node join the cluster.\n\n`
        : `[preflight] Reading configuration from the cluster...\n[preflight] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'\n[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"\n[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"\n[kubelet-start] Starting the kubelet\n[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap...\n\nThis node has joined the cluster:\n* Certificate signing request was sent to apiserver and a response was received.\n* The Kubelet was informed of the new secure connection details.\n\nRun 'kubectl get nodes' on the control-plane to see this node join the cluster.\n\n`,
    );
    const node = nodeObject(
      { ...c, nodeName: name, advertiseAddress: nodeIp },
      s.versions.kubelet,
      sim.now(),
      'unix:///var/run/containerd/containerd.sock',
    );
    if (!controlPlane) {
      for (const l of Object.keys(node.metadata.labels))
        if (l.startsWith('node-role.') || l.startsWith('node.kubernetes.io/exclude')) delete node.metadata.labels[l];
      node.spec.taints = [{ effect: 'NoSchedule', key: 'node.kubernetes.io/not-ready' }];
    }
    putObj(c, node as KObj, sim.now());
    const address = joinCfg?.controlPlane?.advertiseAddress ?? nodeIp;
    c.members = [
      ...(c.members ?? []).filter((m) => m.root !== sim.root),
      { root: sim.root, name, controlPlane, ...(controlPlane ? { address } : {}) },
    ];
    if (controlPlane) {
      // What the new control plane instance has on disk: the shared certificates, kubeconfigs, manifests, etcd.
      const server = `https://${joinAddress(c)}`;
      for (const f of ['ca', 'front-proxy-ca', 'etcd/ca', 'sa'])
        writeHostFile(sim, `/etc/kubernetes/pki/${f}.${f === 'sa' ? 'pub' : 'crt'}`, `SIM ${f} ${c.id}\n`);
      for (const [file, user] of [
        ['admin.conf', 'kubernetes-admin'],
        ['controller-manager.conf', 'system:kube-controller-manager'],
        ['scheduler.conf', 'system:kube-scheduler'],
      ])
        writeHostFile(sim, `/etc/kubernetes/${file}`, kubeconfigText(c, user, server));
      for (const p of c.staticPods)
        writeHostFile(sim, `/etc/kubernetes/manifests/${p.metadata.name}.yaml`, yaml.dump(p, { lineWidth: -1 }));
      fs.mkdirSync(sim.at('/var/lib/etcd/member/snap'), { recursive: true });
    }
    // What the TLS bootstrap leaves on the node: its kubelet's kubeconfig and config.
    writeHostFile(
      sim,
      '/etc/kubernetes/kubelet.conf',
      kubeconfigText(c, `system:node:${name}`, `https://${joinAddress(c)}`),
    );
    writeHostFile(
      sim,
      '/var/lib/kubelet/kubeadm-flags.env',
      `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=${criSocket ?? 'unix:///var/run/containerd/containerd.sock'}${joinCfg?.nodeIp ? ` --node-ip=${joinCfg.nodeIp}` : ''}"\n`,
    );
    writeHostFile(
      sim,
      '/var/lib/kubelet/config.yaml',
      'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n',
    );
    return 0;
  });
}

/**
 * Why this node cannot become another control plane (kubeadm's preflight and download-certs
 * phases), or undefined: the cluster needs a controlPlaneEndpoint, and the certificates come
 * from kube-system/kubeadm-certs, which only the key `upload-certs` printed decrypts, for two hours.
 */
function controlPlaneJoinProblem(sim: Sim, s: SimState, c: ClusterState, key: string | undefined): string | undefined {
  const notSatisfied = (why: string) =>
    `error execution phase preflight: \nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n${why}\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n* The certificates that must be shared among control plane instances are provided.\n\n`;
  if (!c.controlPlaneEndpoint)
    return notSatisfied(
      "unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address",
    );
  if (!key)
    return notSatisfied(
      "[failure loading certificate for CA: couldn't load the certificate file /etc/kubernetes/pki/ca.crt: open /etc/kubernetes/pki/ca.crt: no such file or directory]",
    );
  const inUse = new Set(listeners(sim, s).map((l) => l.port));
  const busy = [c.bindPort, 10259, 10257, 2379, 2380].filter((p) => inUse.has(p));
  if (busy.length)
    return `error execution phase preflight: [preflight] Some fatal errors occurred:\n${busy.map((p) => `\t[ERROR Port-${p}]: Port ${p} is in use`).join('\n')}`;
  const dl = 'error execution phase control-plane-prepare/download-certs: error downloading certs:';
  if (!c.uploadedCerts || sim.now() > c.uploadedCerts.expiresAt)
    return `${dl} error downloading the secret: Secret "kubeadm-certs" was not found in the "kube-system" Namespace. This Secret might have expired. Please, run \`kubeadm init phase upload-certs --upload-certs\` on a control plane to generate a new one`;
  if (key !== c.uploadedCerts.key)
    return `${dl} error decoding secret data with provided key: cipher: message authentication failed`;
  const apiserver = c.staticPods.find((p) => p.metadata?.name === 'kube-apiserver');
  const admission = (apiserver?.spec?.containers?.[0]?.command ?? [])
    .find((a: string) => a.startsWith('--admission-control-config-file='))
    ?.split('=')[1];
  if (admission && !fs.existsSync(sim.at(admission)))
    return `sim: the kube-apiserver of this new control plane would crash-loop: ${admission}, which its --admission-control-config-file names, is not on this node (every control plane needs the host files before kubeadm join)`;
  return undefined;
}

/** The files the kubelet's systemd drop-in reads (EnvironmentFile=), in order, as the package installed it. */
function kubeletEnvironmentFiles(sim: Sim): string[] {
  for (const dir of ['/usr/lib/systemd/system', '/lib/systemd/system', '/etc/systemd/system']) {
    try {
      const text = fs.readFileSync(sim.at(`${dir}/kubelet.service.d/10-kubeadm.conf`), 'utf8');
      return [...text.matchAll(/^EnvironmentFile=-?(\S+)$/gm)].map((m) => m[1]);
    } catch {
      /* not in this directory */
    }
  }
  return [];
}

/** --node-ip from KUBELET_EXTRA_ARGS, if a file the drop-in reads sets it. */
function kubeletExtraArgsNodeIp(sim: Sim): string | undefined {
  for (const f of kubeletEnvironmentFiles(sim)) {
    if (f.endsWith('kubeadm-flags.env')) continue;
    let text = '';
    try {
      text = fs.readFileSync(sim.at(f), 'utf8');
    } catch {
      continue;
    }
    const m = /^KUBELET_EXTRA_ARGS=.*--node-ip[= ]([0-9a-fA-F.:]+)/m.exec(text);
    if (m) return m[1];
  }
  return undefined;
}
