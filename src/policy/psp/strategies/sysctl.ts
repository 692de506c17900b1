/**
 * Sysctls (pkg/security/podsecuritypolicy/sysctl/mustmatchpatterns.go, 1.24):
 * forbiddenSysctls first, then the safe set, then allowedUnsafeSysctls; entries
 * ending in `*` are prefixes. Note upstream's error path starts with `pod.`.
 */
import type { FieldError } from '../field-error.js';
import { forbidden, go, NO_ERRORS } from '../field-error.js';
import type { Sysctl } from '../pod.js';

/**
 * The kubelet's safe sysctls in 1.24 (SafeSysctlAllowlist). Later releases added
 * more (ip_local_reserved_ports in 1.27, tcp keepalive ones in 1.29); PSP was gone by then.
 */
export const SAFE_SYSCTLS_1_24: readonly string[] = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];

export interface SysctlsStrategy {
  validate(sysctls: readonly Sysctl[] | null | undefined): readonly FieldError[];
}

function matcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    if (p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}

export function createSysctlsStrategy(
  allowedUnsafe: readonly string[] = [],
  forbiddenSysctls: readonly string[] = [],
): SysctlsStrategy {
  const isForbidden = matcher(forbiddenSysctls);
  const isAllowedUnsafe = matcher(allowedUnsafe);
  const safe = new Set(SAFE_SYSCTLS_1_24);
  return {
    validate(sysctls) {
      const errs: FieldError[] = [];
      (sysctls ?? []).forEach((s, i) => {
        const path = `pod.spec.securityContext.sysctls[${i}]`;
        if (isForbidden(s.name)) errs.push(forbidden(path, `sysctl ${go.str(s.name)} is not allowed`));
        else if (safe.has(s.name) || isAllowedUnsafe(s.name)) return;
        else errs.push(forbidden(path, `unsafe sysctl ${go.str(s.name)} is not allowed`));
      });
      return errs.length > 0 ? errs : NO_ERRORS;
    },
  };
}
