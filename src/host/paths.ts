/**
 * Where kubestrap reads and writes on the host. Everything is relative to a
 * root (`/` on a real node): tests and staging point KUBESTRAP_ROOT at a
 * scratch directory, and the simulated node resolves the same paths.
 */
import path from 'node:path';

export interface HostPaths {
  root: string;
  /** An absolute host path under the root. */
  at(p: string): string;
  stateDir: string;
  stateFile: string;
  renderDir: string;
  logFile: string;
  adminConf: string;
  manifestsDir: string;
}

export function hostPaths(root = process.env.KUBESTRAP_ROOT ?? '/'): HostPaths {
  const at = (p: string) => (root === '/' ? p : path.join(root, p));
  return {
    root,
    at,
    stateDir: at('/var/lib/kubestrap'),
    stateFile: at('/var/lib/kubestrap/state.json'),
    renderDir: at('/var/lib/kubestrap/rendered'),
    logFile: at('/var/log/kubestrap.log'),
    adminConf: at('/etc/kubernetes/admin.conf'),
    manifestsDir: at('/etc/kubernetes/manifests'),
  };
}
