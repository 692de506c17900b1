/**
 * The part of a pod PodSecurityPolicy admission decides and may change: the policy
 * annotation, the seccomp/AppArmor annotations, the pod's and every container's security
 * context, and the runtime class. The API server also defaults many other fields and the
 * ServiceAccount plugin adds a token volume; those are not the engine's business, so two
 * pods are compared through this view.
 */
const ANNOTATION =
  /^(kubernetes\.io\/psp|seccomp\.security\.alpha\.kubernetes\.io\/|container\.seccomp\.security\.alpha\.kubernetes\.io\/|container\.apparmor\.security\.beta\.kubernetes\.io\/)/;

/** null, empty objects and empty lists are "not set", as they are for the Go API types. */
export function clean(v: any): any {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const out = v.map(clean);
    return out.length ? out : undefined;
  }
  if (typeof v === 'object') {
    const out: Record<string, any> = {};
    for (const k of Object.keys(v).sort()) {
      const c = clean(v[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

export function pspView(pod: any): any {
  const annotations = Object.fromEntries(
    Object.entries(pod.metadata?.annotations ?? {}).filter(([k]) => ANNOTATION.test(k)),
  );
  const containers = (list: any[] | undefined) =>
    (list ?? []).map((c) => ({ name: c.name, securityContext: c.securityContext }));
  return clean({
    annotations,
    securityContext: pod.spec?.securityContext,
    initContainers: containers(pod.spec?.initContainers),
    containers: containers(pod.spec?.containers),
    runtimeClassName: pod.spec?.runtimeClassName,
  });
}

/** Paths where two views differ, for a readable disagreement. */
export function differences(a: any, b: any, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differences(a[k], b[k], at ? `${at}.${k}` : k));
  }
  return [`${at || '(root)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
}

/**
 * The offline engine's pod goes through what a 1.19-1.26 registry does after the mutating
 * admission plugins (the seccomp annotation/field copies, shared with the simulated API
 * server) before it is compared with the server's: that copy is not PodSecurityPolicy's.
 */
export { seccompVersionSkew } from '../../sim/registry.js';
