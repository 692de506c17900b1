/**
 * hostNamespaces (baseline, v1.0+): sharing the host's network, PID or IPC namespace
 * is refused.
 *
 * Upstream: policy/check_hostNamespaces.go (kubernetes/kubernetes staging, read at
 * 9df7b734; detail order hostNetwork, hostPID, hostIPC fixed by
 * check_hostNamespaces_test.go at 89b74acb). One revision at MinimumVersion 1.0.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';

function hostNamespaces1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  const net = spec.hostNetwork === true;
  const pid = spec.hostPID === true;
  const ipc = spec.hostIPC === true;
  if (!net && !pid && !ipc) return null;
  const parts: string[] = [];
  if (net) parts.push('hostNetwork=true');
  if (pid) parts.push('hostPID=true');
  if (ipc) parts.push('hostIPC=true');
  // What to change: drop these fields (or set them false).
  return { reason: 'host namespaces', detail: parts.join(', ') };
}

export const hostNamespaces: CheckDefinition = {
  id: 'hostNamespaces',
  level: 'baseline',
  versions: [{ minimumMinor: 0, check: hostNamespaces1_0 }],
};
