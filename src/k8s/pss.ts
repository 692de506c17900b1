/**
 * The Pod Security Standards levels (kubernetes/pod-security-admission api.Level):
 * the one definition every part of kubestrap names a level with.
 */

/** Strictest first, the order the docs and kubestrap's messages list them in. */
export const PSS_LEVELS = ['restricted', 'baseline', 'privileged'] as const;

export type PssLevel = (typeof PSS_LEVELS)[number];

export function isPssLevel(value: unknown): value is PssLevel {
  return typeof value === 'string' && (PSS_LEVELS as readonly string[]).includes(value);
}

/** The levels that have checks of their own (privileged has none). */
export type PssCheckedLevel = Exclude<PssLevel, 'privileged'>;

/**
 * The capabilities the Baseline level lets a container add: the default Docker/containerd
 * set less NET_RAW (pod-security-admission check_capabilities_baseline.go). The PSP
 * library's baseline policy, the PSS check and `policy migrate` all read this one list.
 */
export const BASELINE_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/** BASELINE_CAPABILITIES for lookups. */
export const BASELINE_CAPABILITY_SET: ReadonlySet<string> = new Set(BASELINE_CAPABILITIES);
