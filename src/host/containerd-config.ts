/**
 * /etc/containerd/config.toml as the kubelet needs it: the CRI plugin on (Docker's
 * containerd.io ships `disabled_plugins = ["cri"]`), runc on the systemd cgroup driver
 * (the kubelet's; kubeadm configures systemd), the sandbox image the minor's kubeadm
 * expects, and for 1.x the CNI binaries where flannel and kubernetes-cni put them
 * (Debian's package points them at /usr/lib/cni). Everything else stays containerd's
 * default: containerd merges a config file over its built-in defaults.
 *
 * The format follows containerd's major: config version 2 for 1.x, version 3 (the CRI
 * plugin split into io.containerd.cri.v1.runtime and .images) for 2.x.
 */
import { sandboxImage } from './requirements.js';

export const CONTAINERD_CONFIG_FILE = '/etc/containerd/config.toml';

/** The first line of a config kubestrap wrote: such a file is kubestrap's to rewrite. */
export const KUBESTRAP_CONFIG_HEADER = '# Written by kubestrap for the kubelet';

export function containerdConfig(major: number, minor: number): string {
  const header = `${KUBESTRAP_CONFIG_HEADER} (Kubernetes v1.${minor}, containerd ${major}.x).`;
  const sandbox = sandboxImage(minor);
  if (major >= 2) {
    return [
      header,
      'version = 3',
      '',
      "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
      `  sandbox = '${sandbox}'`,
      '',
      "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
      "  runtime_type = 'io.containerd.runc.v2'",
      '',
      "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
      '  SystemdCgroup = true',
      '',
    ].join('\n');
  }
  return [
    header,
    'version = 2',
    '',
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = "${sandbox}"`,
    '',
    '[plugins."io.containerd.grpc.v1.cri".cni]',
    '  bin_dir = "/opt/cni/bin"',
    '  conf_dir = "/etc/cni/net.d"',
    '',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '  SystemdCgroup = true',
    '',
  ].join('\n');
}

/** A config someone else wrote that the kubelet can work with: CRI on, runc on systemd. */
export function configServesKubelet(text: string): boolean {
  const disabled = /^\s*disabled_plugins\s*=\s*\[([^\]]*)\]/m.exec(text);
  const criOff = disabled !== null && /["'](cri|io\.containerd\.grpc\.v1\.cri)["']/.test(disabled[1]);
  return !criOff && /^\s*SystemdCgroup\s*=\s*true\s*$/m.test(text);
}

export function isKubestrapConfig(text: string): boolean {
  return text.startsWith(KUBESTRAP_CONFIG_HEADER);
}
