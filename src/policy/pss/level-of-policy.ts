/**
 * The Pod Security Standards level a namespace gets in PSS mode when its tenant
 * names a PodSecurityPolicy. Built-in templates map by intent; a custom policy
 * starts from its template's level and is relaxed (never tightened) by every
 * override that the level would refuse, so PSS never blocks a pod that the
 * policy was written to admit. `kubestrap policy migrate` gives the full,
 * field-by-field mapping.
 */
import type { Level, PolicyConfig } from '../../config/schema.js';
import type { BuiltinPolicyName } from '../templates.js';
import { isBuiltinPolicy } from '../templates.js';
import type { PspAnnotations, PspSpec } from '../psp/schema.js';
import { PSP_ANNOTATIONS } from '../psp/annotations.js';

const TEMPLATE_LEVEL: Record<BuiltinPolicyName, Level> = {
  restricted: 'restricted',
  baseline: 'baseline',
  privileged: 'privileged',
  // Both allow every capability and (the first) hostPath volumes: beyond baseline.
  'privileged-restricted': 'privileged',
  'privileged-root-volumes-restricted': 'privileged',
  // The current ingress-nginx controller passes restricted (FIELD-NOTES.md).
  'ingress-nginx': 'restricted',
};

/** Capabilities the baseline level lets a container add. */
export const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

const ORDER: Level[] = ['restricted', 'baseline', 'privileged'];
const looser = (a: Level, b: Level): Level => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

/** The loosest level any of these overrides needs. */
export function levelNeededBy(spec: Partial<PspSpec>, annotations: PspAnnotations = {}): Level {
  let level: Level = 'restricted';
  const need = (l: Level) => (level = looser(level, l));
  if (spec.privileged || spec.hostPID || spec.hostIPC || spec.hostNetwork) need('privileged');
  if ((spec.hostPorts ?? []).length > 0) need('privileged');
  for (const v of spec.volumes ?? []) {
    if (v === '*' || v === 'hostPath') need('privileged');
    else if (!RESTRICTED_VOLUMES.has(v)) need('baseline');
  }
  for (const c of [...(spec.allowedCapabilities ?? []), ...(spec.defaultAddCapabilities ?? [])]) {
    if (c === '*' || !BASELINE_CAPABILITIES.has(c)) need('privileged');
    else if (c !== 'NET_BIND_SERVICE') need('baseline');
  }
  if (spec.requiredDropCapabilities && !spec.requiredDropCapabilities.includes('ALL')) need('baseline');
  if (spec.allowPrivilegeEscalation === true) need('baseline');
  if (spec.runAsUser && (spec.runAsUser.rule === 'RunAsAny' || (spec.runAsUser.ranges ?? []).some((r) => r.min === 0))) {
    need('baseline');
  }
  if ((spec.allowedUnsafeSysctls ?? []).length > 0) need('privileged');
  if ((spec.allowedProcMountTypes ?? []).includes('Unmasked')) need('privileged');
  const seccomp = annotations[PSP_ANNOTATIONS.seccompAllowed];
  if (seccomp && seccomp.split(',').some((p) => p.trim() === '*' || p.trim() === 'unconfined')) need('baseline');
  const apparmor = annotations[PSP_ANNOTATIONS.apparmorAllowed];
  if (apparmor && apparmor.split(',').some((p) => p.trim() === '*' || p.trim() === 'unconfined')) need('privileged');
  return level;
}

export function levelForPolicy(name: string, custom: PolicyConfig[]): Level {
  if (isBuiltinPolicy(name)) return TEMPLATE_LEVEL[name];
  const def = custom.find((p) => p.name === name);
  if (!def || !isBuiltinPolicy(def.template)) throw new Error(`policy ${name} is neither built in nor defined`);
  return looser(TEMPLATE_LEVEL[def.template], levelNeededBy(def.spec, def.annotations ?? {}));
}
