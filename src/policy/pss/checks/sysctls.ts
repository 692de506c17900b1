/**
 * sysctls (baseline): pods may only set the "safe" (namespaced, isolated) sysctls in
 * `spec.securityContext.sysctls`. The safe set grows with the policy version.
 *
 * Upstream: policy/check_sysctls.go, revisions and sets:
 * - 1.0: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies,
 *   net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start (read at abd60651);
 * - 1.27: + net.ipv4.ip_local_reserved_ports (check_sysctls_test.go TestSysctls_1_27 at
 *   025f2834: refused by sysctls_1_0, allowed by sysctls_1_27);
 * - 1.29: + net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout,
 *   net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes (sysctlsAllowedV1Dot29;
 *   PR #121240 release note "allows this sysctl in v1.29+ versions");
 * - 1.32: + net.ipv4.tcp_rmem, net.ipv4.tcp_wmem (PR #127489: "Pod Security admission
 *   allows these sysctl in v1.32+ versions");
 * - 1.37: + net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat (PR #138389,
 *   merged for 1.37 with regenerated PSA fixtures; kubernetes/website#56276). This
 *   revision is what makes `latest` mean v1.37.
 * Detail: the refused names in spec order, comma-separated, unquoted.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { obj, str } from '../helpers.js';

const V1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const V1_27 = [...V1_0, 'net.ipv4.ip_local_reserved_ports'];
const V1_29 = [
  ...V1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const V1_32 = [...V1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const V1_37 = [...V1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

/** The safe sysctls by the policy minor they became safe at (for docs and tests). */
export const SAFE_SYSCTLS: ReadonlyArray<{ minimumMinor: number; names: readonly string[] }> = [
  { minimumMinor: 0, names: V1_0 },
  { minimumMinor: 27, names: V1_27 },
  { minimumMinor: 29, names: V1_29 },
  { minimumMinor: 32, names: V1_32 },
  { minimumMinor: 37, names: V1_37 },
];

function makeCheck(names: readonly string[]) {
  const allowed: ReadonlySet<string> = new Set(names);
  return function sysctls(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
    const list = obj(spec.securityContext)?.sysctls;
    if (!Array.isArray(list)) return null;
    let forbidden: string[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const name = str(obj(list[i] as { name?: unknown } | null)?.name);
      if (!allowed.has(name)) (forbidden ??= []).push(name);
    }
    if (!forbidden) return null;
    return { reason: 'forbidden sysctls', detail: forbidden.join(', ') };
  };
}

export const sysctls: CheckDefinition = {
  id: 'sysctls',
  level: 'baseline',
  versions: SAFE_SYSCTLS.map((s) => ({ minimumMinor: s.minimumMinor, check: makeCheck(s.names) })),
};
