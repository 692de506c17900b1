/** Does this host carry a cluster kubeadm set up, or that kubestrap started to build? */
import { existsSync } from 'node:fs';
import type { HostPaths } from './paths.js';

/**
 * The files kubeadm init writes, or kubestrap's state (written only once `up`
 * changed the host beyond preflight): any of them means there is something for
 * `reset` to tear down.
 */
export function isKubeadmNode(paths: HostPaths): boolean {
  return [
    '/etc/kubernetes/kubelet.conf',
    '/etc/kubernetes/admin.conf',
    '/etc/kubernetes/manifests',
    '/var/lib/kubestrap/state.json',
  ].some((p) => existsSync(paths.at(p)));
}
