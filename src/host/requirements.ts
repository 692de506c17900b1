/**
 * What a node of a given Kubernetes minor needs from its host, as data: the tools
 * kubeadm's preflight looks for (cmd/kubeadm/app/preflight/checks.go, addExecChecks),
 * with the package that brings each, and which containerd releases its kubelet can
 * talk to. Preflight checks against this list; an install step installs from it.
 */

export interface HostTool {
  /** The executable. */
  name: string;
  /** A read-only call that succeeds when it is installed. */
  probe: string[];
  /** The package that brings it: Debian/Ubuntu, and RPM distributions. */
  packages: { deb: string; rpm: string };
  /** required: kubeadm (or kubestrap) refuses without it; recommended: kubeadm warns. */
  level: 'required' | 'recommended';
  why: string;
}

export function hostTools(minor: number): HostTool[] {
  const tools: HostTool[] = [
    {
      name: 'crictl',
      probe: ['crictl', '--version'],
      packages: { deb: 'cri-tools', rpm: 'cri-tools' },
      level: 'required',
      why:
        minor <= 30
          ? "kubeadm's preflight needs it for a CRI runtime (FileExisting-crictl), and kubestrap asks containerd's CRI plugin through it"
          : "kubestrap asks containerd's CRI plugin through it (kubeadm itself talks CRI from 1.31, kubernetes PR #124685)",
    },
  ];
  if (minor < 32) {
    tools.push({
      name: 'conntrack',
      probe: ['conntrack', '--version'],
      packages: { deb: 'conntrack', rpm: 'conntrack-tools' },
      level: 'required',
      why: "kube-proxy before 1.32 needs it and kubeadm's preflight refuses without it (FileExisting-conntrack); the kubelet package no longer pulls it in (kubernetes#135306)",
    });
  }
  tools.push(
    {
      name: 'ip',
      probe: ['ip', '-V'],
      packages: { deb: 'iproute2', rpm: 'iproute' },
      level: 'required',
      why: "kubeadm's preflight refuses without it",
    },
    {
      name: 'iptables',
      probe: ['iptables', '--version'],
      packages: { deb: 'iptables', rpm: 'iptables' },
      level: 'required',
      why: "kube-proxy programs Services with it; kubeadm's preflight refuses without it",
    },
    {
      name: 'mount',
      probe: ['mount', '--version'],
      packages: { deb: 'mount', rpm: 'util-linux' },
      level: 'required',
      why: "the kubelet mounts volumes with it; kubeadm's preflight refuses without it",
    },
    {
      name: 'nsenter',
      probe: ['nsenter', '--version'],
      packages: { deb: 'util-linux', rpm: 'util-linux' },
      level: 'required',
      why: "kubeadm's preflight refuses without it",
    },
    {
      name: 'ebtables',
      probe: ['ebtables', '--version'],
      packages: { deb: 'ebtables', rpm: 'ebtables' },
      level: 'recommended',
      why: 'kubeadm warns without it (FileExisting-ebtables)',
    },
    {
      name: 'ethtool',
      probe: ['ethtool', '--version'],
      packages: { deb: 'ethtool', rpm: 'ethtool' },
      level: 'recommended',
      why: 'kubeadm warns without it (FileExisting-ethtool)',
    },
    {
      name: 'socat',
      probe: ['socat', '-V'],
      packages: { deb: 'socat', rpm: 'socat' },
      level: 'recommended',
      why: 'kubeadm warns without it (FileExisting-socat); kubectl port-forward needs it with older runtimes',
    },
  );
  return tools;
}

/** The packages a node of this minor needs for its tools (what the install step installs). */
export function toolPackages(minor: number, family: 'deb' | 'rpm' = 'deb'): string[] {
  return [...new Set(hostTools(minor).map((t) => t.packages[family]))];
}

/** The first minor whose kubelet no longer supports containerd 1.x (Kubernetes v1.34 release blog). */
export const FIRST_CONTAINERD2_MINOR = 36;

/**
 * The containerd releases a minor's kubelet can talk to. kubelets before 1.23 speak only
 * CRI v1alpha2, which containerd 2.0 removed; from 1.26 the kubelet speaks only CRI v1,
 * which containerd has from 1.6 (kubernetes PR #110618; containerd's release notes, "Kubernetes
 * support"); from 1.36 containerd 1.x is no longer supported (announced with Kubernetes v1.34).
 */
export function containerdRange(minor: number): { min: [number, number]; below?: [number, number] } {
  if (minor < 23) return { min: [1, 2], below: [2, 0] };
  if (minor >= FIRST_CONTAINERD2_MINOR) return { min: [2, 0] };
  if (minor >= 26) return { min: [1, 6] };
  return { min: [1, 5] };
}

/**
 * The containerd package an install step puts on a Debian or Ubuntu node: the
 * distribution's (1.6 on Debian 12, 1.7 on Ubuntu 22.04/24.04) while the kubelet takes
 * containerd 1.x, Docker's containerd.io 2.x from the minor that needs containerd 2
 * (no Debian or Ubuntu LTS release ships containerd 2). `pin` is the apt version pattern.
 */
export function containerdPackage(minor: number): {
  name: 'containerd' | 'containerd.io';
  source: 'distribution' | 'docker';
  major: 1 | 2;
  pin?: string;
} {
  return minor >= FIRST_CONTAINERD2_MINOR
    ? { name: 'containerd.io', source: 'docker', major: 2, pin: '2.*' }
    : { name: 'containerd', source: 'distribution', major: 1 };
}

/**
 * The sandbox (pause) image kubeadm of a minor expects the runtime to use
 * (cmd/kubeadm/app/constants PauseVersion; kubeadm warns when the runtime's differs).
 * registry.k8s.io for every minor: kubestrap points kubeadm there (versions.ts imageRepository).
 */
export function sandboxImage(minor: number): string {
  const v =
    minor >= 34
      ? '3.10.1'
      : minor >= 31
        ? '3.10'
        : minor >= 26
          ? '3.9'
          : minor === 25
            ? '3.8'
            : minor === 24
              ? '3.7'
              : '3.6';
  return `registry.k8s.io/pause:${v}`;
}
