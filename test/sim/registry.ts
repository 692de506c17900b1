/**
 * What kube-apiserver's pod registry does to a new pod after the mutating admission
 * plugins and before the validating ones (pkg/registry/core/pod/strategy.go
 * PrepareForCreate), beyond defaulting: the version-skew copies between deprecated
 * annotations and fields. Both were seen on real API servers (test/real): 1.24 keeps
 * seccomp annotations and fields in step both ways; 1.30+ copies AppArmor annotations into
 * container fields (src/policy/pss/apparmor-sync.ts, shared with policy check).
 */
import type { KObj } from './types.js';

const POD_SECCOMP = 'seccomp.security.alpha.kubernetes.io/pod';
const CONTAINER_SECCOMP = 'container.seccomp.security.alpha.kubernetes.io/';

function annotationForField(f: KObj): string | undefined {
  if (f.type === 'Unconfined') return 'unconfined';
  if (f.type === 'RuntimeDefault') return 'runtime/default';
  if (f.type === 'Localhost' && f.localhostProfile) return `localhost/${f.localhostProfile}`;
  return undefined;
}

function fieldForAnnotation(a: string): KObj | undefined {
  if (a === 'unconfined') return { type: 'Unconfined' };
  if (a === 'runtime/default' || a === 'docker/default') return { type: 'RuntimeDefault' };
  if (a.startsWith('localhost/') && a.length > 'localhost/'.length)
    return { type: 'Localhost', localhostProfile: a.slice('localhost/'.length) };
  return undefined;
}

/**
 * applySeccompVersionSkew (1.19-1.26): a seccomp field without its annotation gets the
 * annotation, an annotation without its field gets the field, for the pod and each
 * container. Returns a copy.
 */
export function seccompVersionSkew(input: KObj): KObj {
  const pod = structuredClone(input);
  pod.spec ??= {};
  const ann: Record<string, string> = { ...(pod.metadata?.annotations ?? {}) };
  const sync = (key: string, holder: KObj | undefined, set: (f: KObj) => void) => {
    const field = holder?.seccompProfile;
    if (field && ann[key] === undefined) {
      const a = annotationForField(field);
      if (a) ann[key] = a;
    } else if (!field && ann[key] !== undefined) {
      const f = fieldForAnnotation(ann[key]);
      if (f) set(f);
    }
  };
  sync(POD_SECCOMP, pod.spec.securityContext, (f) => {
    pod.spec.securityContext = { ...pod.spec.securityContext, seccompProfile: f };
  });
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of pod.spec[list] ?? []) {
      sync(CONTAINER_SECCOMP + c.name, c.securityContext, (f) => {
        c.securityContext = { ...c.securityContext, seccompProfile: f };
      });
    }
  }
  if (Object.keys(ann).length) pod.metadata = { ...pod.metadata, annotations: ann };
  return pod;
}

const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** The warning a 1.30+ API server gives for each container annotation it copies or cannot copy. */
export function appArmorWarnings(pod: KObj): string[] {
  const ann: Record<string, string> = pod.metadata?.annotations ?? {};
  const podProfile = pod.spec?.securityContext?.appArmorProfile;
  const out: string[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const ctr of pod.spec?.[list] ?? []) {
      const key = APPARMOR_PREFIX + ctr.name;
      const value = ann[key];
      if (value === undefined || ctr.securityContext?.appArmorProfile) continue;
      const type =
        value === 'unconfined'
          ? 'Unconfined'
          : value === 'runtime/default'
            ? 'RuntimeDefault'
            : value.startsWith('localhost/') && value.length > 'localhost/'.length
              ? 'Localhost'
              : undefined;
      const profile = type === 'Localhost' ? value.slice('localhost/'.length) : undefined;
      const samePod = type !== undefined && podProfile?.type === type && podProfile?.localhostProfile === profile;
      if (!samePod) {
        out.push(`metadata.annotations[${key}]: deprecated since v1.30; use the "appArmorProfile" field instead`);
      }
    }
  }
  return out;
}
