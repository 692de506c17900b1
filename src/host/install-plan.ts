/**
 * What installing a node takes, as a pure function of its facts (install-facts.ts)
 * and the Kubernetes version: the commands, in order, each with the reason it is
 * there, and what was found missing or wrong. Every command is there because a fact
 * says the host differs from what the version needs, so a node that has everything
 * plans nothing. Files reach the host through `tee` reading stdin (Node's child stdin
 * is a socket, which `install /dev/stdin` cannot open), so the same commands work
 * through any runner and show in `plan` and `--dry-run`.
 */
import type { KubeVersion } from '../versions.js';
import {
  CONTAINERD_CONFIG_FILE,
  configServesKubelet,
  containerdConfig,
  isKubestrapConfig,
} from './containerd-config.js';
import type { FactQuery, InstallFacts } from './install-facts.js';
import { usesApt } from './install-facts.js';
import {
  type AptRepository,
  KEYRINGS_DIR,
  OLDEST_PACKAGED_MINOR,
  dockerAptRepository,
  kubeAptRepository,
  kubePackagePin,
  upstreamVersion,
} from './package-repos.js';
import type { HostPaths } from './paths.js';
import { containerdPackage, containerdRange, toolPackages } from './requirements.js';

export const KUBE_PACKAGES = ['kubeadm', 'kubelet', 'kubectl'] as const;
/** What fetching a repository's key takes; both are in every Debian and Ubuntu archive. */
const FETCH_PACKAGES = ['ca-certificates', 'curl'];
const CONTAINERD_DIR = '/etc/containerd';

export interface InstallAction {
  argv: string[];
  /** stdin: the content of the file the command writes. */
  input?: string;
  /** The host path a file goes to (for plan and dry-run listings). */
  file?: string;
  why: string;
}

export interface InstallPlan {
  /** What is missing or wrong, one line each. */
  findings: string[];
  actions: InstallAction[];
  /** Why nothing can be installed here (an unsupported host or minor): the actions are empty then. */
  blocked?: string;
  /** Worth saying, changes nothing (a running node's packages differ from the config). */
  notes: string[];
}

/** The facts a plan for this minor reads. */
export function installQuery(minor: number): FactQuery {
  const kube = kubeAptRepository(minor);
  const docker = containerdPackage(minor).source === 'docker';
  const dockerFiles = docker ? ['/etc/apt/sources.list.d/docker.list'] : [];
  return {
    packages: [...FETCH_PACKAGES, 'containerd', 'containerd.io', ...KUBE_PACKAGES, ...toolPackages(minor)],
    files: [kube.listFile, ...dockerFiles, CONTAINERD_CONFIG_FILE],
    exists: [KEYRINGS_DIR, kube.keyring, ...(docker ? [`${KEYRINGS_DIR}/docker.asc`] : []), CONTAINERD_DIR],
    arch: docker,
  };
}

const fmt = (v: number[]) => v.join('.');
const below = (v: number[], [major, minor]: [number, number]) => v[0] < major || (v[0] === major && v[1] < minor);

export function containerdFits(v: [number, number, number], minor: number): boolean {
  const range = containerdRange(minor);
  return !below(v, range.min) && !(range.below && !below(v, range.below));
}

function rangeText(minor: number): string {
  const r = containerdRange(minor);
  return r.below ? `${fmt(r.min)} up to (not including) ${fmt(r.below)}` : `${fmt(r.min)} or newer`;
}

export function planInstall(facts: InstallFacts, version: KubeVersion, paths: HostPaths): InstallPlan {
  const minor = version.minor;
  const want = `1.${minor}.${version.patch}`;
  const plan: InstallPlan = { findings: [], actions: [], notes: [] };
  const os = facts.os;
  if (!os || !usesApt(os)) {
    plan.blocked = `${os ? os.prettyName : 'this host (no /etc/os-release)'} is not Debian or Ubuntu: the install step installs with apt only. Install containerd and kubeadm, kubelet, kubectl ${version.text} yourself (pkgs.k8s.io also has rpm repositories), then set host.install: false`;
    return plan;
  }
  const run = (argv: string[], why: string, extra: Partial<InstallAction> = {}) =>
    plan.actions.push({ argv, why, ...extra });
  const pkgs = facts.packages;

  // The Kubernetes packages, all three at the configured version.
  let kubeChange = false;
  for (const p of KUBE_PACKAGES) {
    const have = pkgs[p];
    if (!have) {
      plan.findings.push(`${p} is not installed`);
      kubeChange = true;
    } else if (upstreamVersion(have) !== want) {
      if (facts.clusterNode) {
        plan.notes.push(
          `${p} ${have} is installed and the config says ${version.text}; this node already runs a cluster, so its packages are left as they are (\`kubeadm upgrade\` changes them, or \`kubestrap rebuild\` starts over)`,
        );
      } else {
        plan.findings.push(`${p} ${have} is installed; Kubernetes ${version.text} needs ${want}`);
        kubeChange = true;
      }
    }
  }
  const tools = toolPackages(minor).filter((p) => !pkgs[p]);
  for (const p of tools) plan.findings.push(`${p} is not installed (kubeadm's preflight looks for what it brings)`);

  // containerd within what the minor's kubelet speaks.
  const cpkg = containerdPackage(minor);
  const current = facts.containerd;
  const containerdOk = current !== undefined && containerdFits(current, minor);
  if (!current) plan.findings.push('containerd is not installed');
  else if (!containerdOk)
    plan.findings.push(
      `containerd ${fmt(current)} is installed; kubelet v1.${minor} needs containerd ${rangeText(minor)}`,
    );

  const installs = [
    ...(containerdOk ? [] : [cpkg.pin ? `${cpkg.name}=${cpkg.pin}` : cpkg.name]),
    ...(kubeChange ? KUBE_PACKAGES.map((p) => `${p}=${kubePackagePin(version)}`) : []),
    ...tools,
  ];
  if (installs.length > 0 && minor < OLDEST_PACKAGED_MINOR) {
    plan.blocked = `Kubernetes ${version.text} cannot be installed by anyone today: pkgs.k8s.io serves v1.${OLDEST_PACKAGED_MINOR} and newer, and the old apt.kubernetes.io repository is gone. Install the packages of ${version.text} from an archive of your own, or use v1.${OLDEST_PACKAGED_MINOR} or newer; preflight lists what kubeadm needs. host.install: false skips this step`;
    return plan;
  }

  // Repositories: pkgs.k8s.io for the Kubernetes packages and cri-tools; Docker's for containerd 2.
  const repos: AptRepository[] = [];
  if (kubeChange || tools.includes('cri-tools')) repos.push(kubeAptRepository(minor));
  if (!containerdOk && cpkg.source === 'docker') {
    if (!os.codename || (os.id !== 'ubuntu' && os.id !== 'debian')) {
      plan.blocked = `containerd ${cpkg.major}.x comes from Docker's repository, which has builds for Debian and Ubuntu releases by name; ${os.prettyName} has no VERSION_CODENAME Docker knows. Install containerd ${rangeText(minor)} yourself, then run kubestrap up again`;
      return plan;
    }
    repos.push(dockerAptRepository({ id: os.id, codename: os.codename }, facts.arch ?? 'amd64'));
  }
  const stale = repos.filter((r) => (facts.files[r.listFile] ?? '').trim() !== r.line || !facts.exists[r.keyring]);
  const aptGet = (...args: string[]) => ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
  if (stale.length > 0) {
    const fetchMissing = FETCH_PACKAGES.filter((p) => !pkgs[p]);
    if (fetchMissing.length > 0) {
      run(aptGet('update', '-q'), 'refresh the package lists');
      run(
        aptGet('install', '-y', '-q', '--no-install-recommends', ...fetchMissing),
        `install ${fetchMissing.join(' and ')} to fetch the repositories' signing keys`,
      );
    }
    if (!facts.exists[KEYRINGS_DIR])
      run(['install', '-d', '-m', '0755', paths.at(KEYRINGS_DIR)], `create ${KEYRINGS_DIR} for the signing keys`);
    for (const r of stale) {
      run(['curl', '-fsSL', '--retry', '3', '-o', paths.at(r.keyring), r.keyUrl], `fetch the signing key of ${r.name}`);
      run(['tee', paths.at(r.listFile)], `use ${r.name}`, {
        input: `${r.line}\n`,
        file: r.listFile,
      });
    }
  }
  if (installs.length > 0) {
    run(aptGet('update', '-q'), 'refresh the package lists');
    run(
      aptGet(
        'install',
        '-y',
        '-q',
        '--no-install-recommends',
        '--allow-downgrades',
        '--allow-change-held-packages',
        '-o',
        'Dpkg::Options::=--force-confold',
        ...installs,
      ),
      `install ${installs.join(' ')}`,
    );
  }
  const held = new Set(facts.held);
  const notHeld = KUBE_PACKAGES.filter((p) => !held.has(p));
  if (kubeChange || notHeld.length > 0) {
    if (!kubeChange) plan.findings.push(`${notHeld.join(', ')} ${notHeld.length > 1 ? 'are' : 'is'} not held`);
    run(['apt-mark', 'hold', ...KUBE_PACKAGES], 'hold them at this version: an unattended upgrade must not move them');
  }

  // containerd's config: kubestrap's own, or someone else's that already serves the kubelet.
  const major = containerdOk ? current![0] : cpkg.major;
  const wanted = containerdConfig(major, minor);
  const config = facts.files[CONTAINERD_CONFIG_FILE];
  let writeConfig: boolean;
  if (!containerdOk) writeConfig = true;
  else if (config === undefined) writeConfig = true;
  else if (isKubestrapConfig(config)) writeConfig = config !== wanted;
  else writeConfig = !configServesKubelet(config);
  if (writeConfig && containerdOk) {
    plan.findings.push(
      config === undefined
        ? `${CONTAINERD_CONFIG_FILE} is missing (containerd's defaults use the cgroupfs driver)`
        : isKubestrapConfig(config)
          ? `${CONTAINERD_CONFIG_FILE} was written by kubestrap for another version`
          : `${CONTAINERD_CONFIG_FILE} turns the CRI plugin off or leaves runc on the cgroupfs driver`,
    );
  }
  if (writeConfig) {
    if (config !== undefined && !isKubestrapConfig(config) && containerdOk)
      run(
        ['cp', '-p', paths.at(CONTAINERD_CONFIG_FILE), paths.at(`${CONTAINERD_CONFIG_FILE}.before-kubestrap`)],
        'keep the config kubestrap replaces',
      );
    if (containerdOk && !facts.exists[CONTAINERD_DIR])
      run(['install', '-d', '-m', '0755', paths.at(CONTAINERD_DIR)], `create ${CONTAINERD_DIR}`);
    run(
      ['tee', paths.at(CONTAINERD_CONFIG_FILE)],
      `configure containerd ${major}.x for the kubelet: CRI on, runc with SystemdCgroup, the sandbox image kubeadm v1.${minor} expects`,
      { input: wanted, file: CONTAINERD_CONFIG_FILE },
    );
  }
  const svc = facts.services.containerd;
  // A package's maintainer scripts usually enable its unit; a fresh install is enabled here regardless.
  if (!svc.enabled) {
    if (containerdOk) plan.findings.push('the containerd service is not enabled');
    run(['systemctl', 'enable', 'containerd'], 'start containerd at boot');
  }
  if (writeConfig || (!svc.active && containerdOk)) {
    if (!svc.active && containerdOk) plan.findings.push('containerd is not running');
    run(['systemctl', 'restart', 'containerd'], 'run containerd with this config');
  }
  if (!facts.services.kubelet.enabled) {
    if (!kubeChange) plan.findings.push('the kubelet service is not enabled');
    run(['systemctl', 'enable', 'kubelet'], 'start the kubelet at boot (it waits for kubeadm until then)');
  }
  return plan;
}
