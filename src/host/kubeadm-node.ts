/** Does this host carry a cluster kubeadm set up, or that kubestrap started to build? */
import type { HostAccess } from './access.js';

/**
 * The files kubeadm init writes, or kubestrap's state (written only once `up`
 * changed the host beyond preflight): any of them means there is something for
 * `reset` to tear down.
 */
export async function isKubeadmNode(host: HostAccess): Promise<boolean> {
  const found = await Promise.all(
    [
      '/etc/kubernetes/kubelet.conf',
      '/etc/kubernetes/admin.conf',
      '/etc/kubernetes/manifests',
      '/var/lib/kubestrap/state.json',
    ].map((p) => host.exists(host.paths.at(p))),
  );
  return found.some(Boolean);
}
