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

/** Debian packages a node of this minor needs for its tools (for an install step). */
export function toolPackages(minor: number, family: 'deb' | 'rpm' = 'deb'): string[] {
  return [...new Set(hostTools(minor).map((t) => t.packages[family]))];
}

/**
 * The containerd releases a minor's kubelet can talk to. kubelets before 1.23 speak only
 * CRI v1alpha2, which containerd 2.0 removed; from 1.26 the kubelet speaks only CRI v1,
 * which containerd has from 1.6 (kubernetes PR #110618; containerd's release notes, "Kubernetes support").
 */
export function containerdRange(minor: number): { min: [number, number]; below?: [number, number] } {
  if (minor < 23) return { min: [1, 2], below: [2, 0] };
  if (minor >= 26) return { min: [1, 6] };
  return { min: [1, 5] };
}
