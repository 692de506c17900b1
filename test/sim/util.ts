/** Small helpers shared by the fake tools. */
import { randomBytes, createHash } from 'node:crypto';

/** Parses a Go duration (`300s`, `5m`, `1m30s`, `1.5h`, `250ms`, `0`) to ms; undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let neg = false;
  let t = text;
  if (t.startsWith('-')) {
    neg = true;
    t = t.slice(1);
  }
  if (t === '') return undefined;
  re.lastIndex = 0;
  while (pos < t.length) {
    re.lastIndex = pos;
    const m = re.exec(t);
    if (!m) return undefined;
    const v = Number(m[1]);
    const unit = m[2];
    const mult =
      unit === 'h'
        ? 3_600_000
        : unit === 'm'
          ? 60_000
          : unit === 's'
            ? 1000
            : unit === 'ms'
              ? 1
              : unit === 'ns'
                ? 1e-6
                : 1e-3;
    total += v * mult;
    pos = re.lastIndex;
  }
  return neg ? -total : total;
}

/** klog's header: `W0515 15:03:11.771080   25796 reset.go:103] `. */
export function klog(level: 'I' | 'W' | 'E', where: string, msg: string, now = Date.now()): string {
  const d = new Date(now);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const micros = String(d.getUTCMilliseconds() * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0');
  return `${level}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${micros} ${String(process.pid).padStart(7, ' ')} ${where}] ${msg}`;
}

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** What the API server appends to a generateName (utilrand.String(5)). */
export function randSuffix(n = 5): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_ALPHABET[bytes[i] % NAME_ALPHABET.length];
  return s;
}

/** A pod-template-hash: safe-encoded, 10 characters, stable for a given template. */
export function templateHash(template: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(template)).digest();
  let s = '';
  for (let i = 0; i < 10; i++) s += NAME_ALPHABET[h[i] % NAME_ALPHABET.length];
  return s;
}

export function randomToken(): string {
  const a = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const b = randomBytes(22);
  let s = '';
  for (let i = 0; i < 22; i++) s += a[b[i] % a.length];
  return `${s.slice(0, 6)}.${s.slice(6)}`;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function uid(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** RFC 3339 seconds, as Kubernetes prints timestamps. */
export function ts(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Go's %q for plain strings. */
export function q(s: string): string {
  return JSON.stringify(s);
}

/** JSON with keys sorted at every level, indented as kubectl -o json (4 spaces). */
export function kubectlJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 4);
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) {
      if (k === '_sim') continue;
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Stable stringify for comparisons (key order ignored). */
export function canonical(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

export function parseMinor(version: string): number {
  const m = /^v?1\.(\d+)/.exec(version);
  if (!m) throw new Error(`bad version ${version}`);
  return Number(m[1]);
}

/** `v1.24.17` -> `1.24.17` */
export function bare(version: string): string {
  return version.replace(/^v/, '');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A blocking sleep, for lock spinning. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Column output as kubectl's tabwriter prints it (3 spaces of padding, last column unpadded). */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('')).join('\n')}\n`;
}

/** kubectl's age column (duration.HumanDuration, roughly). */
export function age(fromMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - fromMs) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}
