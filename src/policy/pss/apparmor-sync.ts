/**
 * What a 1.30+ API server does to a new Pod before PodSecurity sees it
 * (pkg/registry/core/pod/strategy.go applyAppArmorVersionSkew): a container's deprecated
 * AppArmor annotation is copied into its securityContext.appArmorProfile when the field is
 * unset and the value differs from the pod-level profile; Windows pods are left alone. So a
 * pod with only the annotation is refused for both, as a real API server words it. Only Pods:
 * workload templates are stored as written.
 *
 * Returns the input object when nothing changes, else a copy.
 */
import type { Pod } from '../psp/pod.js';

const PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

interface AppArmorProfile {
  type: string;
  localhostProfile?: string;
}

/** podutil.ApparmorFieldForAnnotation, with the field validation the copy applies. */
function fieldForAnnotation(value: string): AppArmorProfile | undefined {
  if (value === 'unconfined') return { type: 'Unconfined' };
  if (value === 'runtime/default') return { type: 'RuntimeDefault' };
  if (value.startsWith('localhost/')) {
    const profile = value.slice('localhost/'.length);
    if (profile !== '' && profile.trim() === profile && profile.length <= 4095)
      return { type: 'Localhost', localhostProfile: profile };
  }
  return undefined;
}

function sameProfile(a: AppArmorProfile, b: unknown): boolean {
  const o = b as AppArmorProfile | null | undefined;
  return !!o && o.type === a.type && (o.localhostProfile ?? undefined) === a.localhostProfile;
}

export function syncAppArmorAnnotations(pod: Pod): Pod {
  const annotations = pod.metadata?.annotations ?? {};
  if (!Object.keys(annotations).some((k) => k.startsWith(PREFIX))) return pod;
  if ((pod.spec.os as { name?: string } | undefined)?.name === 'windows') return pod;
  const podProfile = (pod.spec.securityContext as { appArmorProfile?: unknown } | null | undefined)?.appArmorProfile;
  let changed = false;
  const spec: Record<string, unknown> = { ...pod.spec };
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    const containers = pod.spec[list] as
      | { name: string; securityContext?: Record<string, unknown> | null }[]
      | undefined;
    if (!containers) continue;
    spec[list] = containers.map((c) => {
      const value = annotations[PREFIX + c.name];
      if (value === undefined || c.securityContext?.appArmorProfile) return c;
      const field = fieldForAnnotation(value);
      if (!field || sameProfile(field, podProfile)) return c;
      changed = true;
      return { ...c, securityContext: { ...c.securityContext, appArmorProfile: field } };
    });
  }
  return changed ? ({ ...pod, spec } as Pod) : pod;
}
