/**
 * IPv4 addresses and CIDR blocks, enough to validate subnets the way
 * kube-apiserver and kube-controller-manager would reject them.
 */

export interface Cidr {
  text: string;
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const p of parts) {
    // No leading zeros: Go's net.ParseIP rejects them since Go 1.17.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(value / 2 ** s) % 256).join('.');
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: string };

export function parseCidr(text: string): CidrResult {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) {
    if (text.includes(':'))
      return { ok: false, reason: 'IPv6 subnets are not supported yet; use an IPv4 CIDR such as 10.244.0.0/16' };
    return { ok: false, reason: 'not a CIDR; expected an IPv4 block such as 10.244.0.0/16' };
  }
  const addr = parseIPv4(m[1]);
  if (addr === undefined) {
    if (m[1].includes(':'))
      return { ok: false, reason: 'IPv6 subnets are not supported yet; use an IPv4 CIDR such as 10.244.0.0/16' };
    return { ok: false, reason: `"${m[1]}" is not an IPv4 address` };
  }
  const prefix = Number(m[2]);
  if (prefix > 32) return { ok: false, reason: `prefix length /${prefix} is larger than 32` };
  const size = 2 ** (32 - prefix);
  const base = addr - (addr % size);
  if (base !== addr) {
    return { ok: false, reason: `host bits are set; the network is ${formatIPv4(base)}/${prefix}` };
  }
  return { ok: true, cidr: { text: `${formatIPv4(base)}/${prefix}`, base, prefix } };
}

export function cidrContains(outer: Cidr, addr: number): boolean {
  return addr >= outer.base && addr < outer.base + 2 ** (32 - outer.prefix);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b.base) || cidrContains(b, a.base);
}

/**
 * IPv4 ranges a node address, pod or service range must not use: packets there are
 * never routed between hosts (RFC 6890's special-purpose registry; 100.64.0.0/10,
 * shared address space, is fine for clusters and stays allowed).
 */
export const SPECIAL_RANGES: { cidr: Cidr; name: string }[] = [
  ['0.0.0.0/8', '"this network"'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
].map(([text, name]) => {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(`bad built-in range ${text}`);
  return { cidr: r.cidr, name };
});

/** The special range a block overlaps, if any. */
export function specialRangeOverlapping(block: Cidr): { cidr: Cidr; name: string } | undefined {
  return SPECIAL_RANGES.find((r) => cidrsOverlap(r.cidr, block));
}

/** The special range an address is in, if any (255.255.255.255 falls in reserved). */
export function specialRangeOf(addr: number): { cidr: Cidr; name: string } | undefined {
  return SPECIAL_RANGES.find((r) => cidrContains(r.cidr, addr));
}
