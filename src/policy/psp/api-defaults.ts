/**
 * What the v1 API's defaulting does to a pod before any admission plugin sees it,
 * limited to what PodSecurityPolicy looks at (pkg/apis/core/v1/defaults.go):
 * with hostNetwork, a container port without a hostPort gets hostPort = containerPort
 * (defaultHostNetworkPorts), so a host-network pod uses host ports even if its
 * manifest names none. (A volume without a source becomes an emptyDir; fstype.ts
 * classifies it that way without rewriting it.)
 *
 * Returns the input object when nothing changes, else a copy.
 */
import type { Container, Pod } from './pod.js';

function defaultHostNetworkPorts(containers: Container[] | null | undefined): Container[] | undefined {
  if (!containers) return undefined;
  let changed = false;
  const out = containers.map((c) => {
    if (!c.ports?.some((p) => !p.hostPort && p.containerPort)) return c;
    changed = true;
    return {
      ...c,
      ports: c.ports.map((p) => (!p.hostPort && p.containerPort ? { ...p, hostPort: p.containerPort } : p)),
    };
  });
  return changed ? out : undefined;
}

export function applyApiDefaults(pod: Pod): Pod {
  if (pod.spec.hostNetwork !== true) return pod;
  const containers = defaultHostNetworkPorts(pod.spec.containers);
  const initContainers = defaultHostNetworkPorts(pod.spec.initContainers);
  if (!containers && !initContainers) return pod;
  return {
    ...pod,
    spec: {
      ...pod.spec,
      ...(containers ? { containers } : {}),
      ...(initContainers ? { initContainers } : {}),
    },
  };
}
