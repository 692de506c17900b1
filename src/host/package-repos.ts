/**
 * Where a Debian or Ubuntu node gets its Kubernetes packages, and containerd 2 when
 * the minor needs it: one apt repository per Kubernetes minor on pkgs.k8s.io (the
 * community-owned repositories; the Google-hosted apt.kubernetes.io is gone), and
 * Docker's repository for containerd.io. Each is signed by a key kept in its own
 * keyring under /etc/apt/keyrings and named by `signed-by`, so it vouches for that
 * repository only. apt reads ASCII-armoured keyrings when the file ends in `.asc`
 * (apt 1.4 and newer), so the keys are used as served: no gpg needed on the node.
 */

/** pkgs.k8s.io serves v1.24 and newer: nothing older can be installed from any repository today. */
export const OLDEST_PACKAGED_MINOR = 24;

export const KEYRINGS_DIR = '/etc/apt/keyrings';

export interface AptRepository {
  /** What it is, for messages. */
  name: string;
  /** The sources.list.d file that names it. */
  listFile: string;
  keyring: string;
  /** Where the signing key is downloaded from. */
  keyUrl: string;
  /** The one line of the list file. */
  line: string;
}

export function kubeRepoUrl(minor: number): string {
  return `https://pkgs.k8s.io/core:/stable:/v1.${minor}/deb/`;
}

/** The pkgs.k8s.io repository of one minor: a flat repository (suite `/`). */
export function kubeAptRepository(minor: number): AptRepository {
  const keyring = `${KEYRINGS_DIR}/kubernetes-apt-keyring.asc`;
  return {
    name: `the Kubernetes v1.${minor} package repository (pkgs.k8s.io)`,
    listFile: '/etc/apt/sources.list.d/kubernetes.list',
    keyring,
    keyUrl: `${kubeRepoUrl(minor)}Release.key`,
    line: `deb [signed-by=${keyring}] ${kubeRepoUrl(minor)} /`,
  };
}

/** Docker's repository for a distribution release (containerd.io), e.g. ubuntu noble amd64. */
export function dockerAptRepository(os: { id: 'debian' | 'ubuntu'; codename: string }, arch: string): AptRepository {
  const keyring = `${KEYRINGS_DIR}/docker.asc`;
  const base = `https://download.docker.com/linux/${os.id}`;
  return {
    name: `Docker's package repository for ${os.id} ${os.codename} (containerd.io)`,
    listFile: '/etc/apt/sources.list.d/docker.list',
    keyring,
    keyUrl: `${base}/gpg`,
    line: `deb [arch=${arch} signed-by=${keyring}] ${base} ${os.codename} stable`,
  };
}

/** The apt version pattern of a Kubernetes release: `1.31.4-*` matches pkgs.k8s.io's `1.31.4-1.1`. */
export function kubePackagePin(version: { minor: number; patch: number }): string {
  return `1.${version.minor}.${version.patch}-*`;
}

/** The upstream part of a Debian version: `1:1.24.17-1.1` -> `1.24.17`, `1.6.20~ds1-1+deb12u3` -> `1.6.20~ds1`. */
export function upstreamVersion(debVersion: string): string {
  return debVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}
