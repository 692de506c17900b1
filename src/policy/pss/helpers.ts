/**
 * Shared pieces of the Pod Security Standards checks: the loose shape of the pod
 * JSON we read, the container visitor order, and the plugin's text helpers.
 *
 * Upstream: kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/
 * `helpers.go` (joinQuote, pluralize, relaxPolicyForUserNamespacePod) and `visitor.go`
 * (visitContainers). Read at commits e8bd3f62 (the v1.35 user-namespace change) and
 * 95f08499 (release-1.3x helpers.go).
 *
 * Inputs are untrusted JSON (kubectl output, YAML files), so every accessor guards
 * against null and wrong types instead of trusting the TypeScript shapes below: a
 * value of the wrong type is treated the way Go's zero value would be (absent).
 */

/** A JSON object as parsed from YAML or JSON; fields are read defensively. */
export type Obj = Record<string, unknown>;

export interface SecurityContextLike {
  privileged?: unknown;
  allowPrivilegeEscalation?: unknown;
  runAsNonRoot?: unknown;
  runAsUser?: unknown;
  procMount?: unknown;
  capabilities?: { add?: unknown; drop?: unknown } | null;
  seLinuxOptions?: { type?: unknown; user?: unknown; role?: unknown } | null;
  seccompProfile?: { type?: unknown } | null;
  appArmorProfile?: { type?: unknown } | null;
  windowsOptions?: { hostProcess?: unknown } | null;
}

export interface ContainerLike {
  name?: unknown;
  securityContext?: SecurityContextLike | null;
  ports?: unknown;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  startupProbe?: unknown;
  lifecycle?: { postStart?: unknown; preStop?: unknown } | null;
}

export interface PodSecurityContextLike extends SecurityContextLike {
  sysctls?: unknown;
}

export interface PodSpecLike {
  hostNetwork?: unknown;
  hostPID?: unknown;
  hostIPC?: unknown;
  hostUsers?: unknown;
  os?: { name?: unknown } | null;
  securityContext?: PodSecurityContextLike | null;
  initContainers?: unknown;
  containers?: unknown;
  ephemeralContainers?: unknown;
  volumes?: unknown;
}

export interface PodMetaLike {
  name?: unknown;
  annotations?: unknown;
}

/** What a check returns when it refuses the pod; `null` means allowed (no allocation). */
export interface CheckOutcome {
  reason: string;
  detail: string;
}

export type CheckFn = (meta: PodMetaLike, spec: PodSpecLike) => CheckOutcome | null;

const EMPTY: ContainerLike = Object.freeze({}) as ContainerLike;

/**
 * The container lists in the order upstream's visitContainers walks them:
 * initContainers, containers, ephemeralContainers (visitor.go). Index 0..2.
 * Returns undefined when the list is absent or not an array.
 */
export function containerList(spec: PodSpecLike, which: number): unknown[] | undefined {
  const list = which === 0 ? spec.initContainers : which === 1 ? spec.containers : spec.ephemeralContainers;
  return Array.isArray(list) ? list : undefined;
}

/**
 * Calls `visit` with each container, in the order upstream's visitContainers walks
 * them (init, regular, then ephemeral); a `null` entry is Go's zero Container. The one
 * walk over a pod's containers every check uses.
 */
export function forEachContainer(spec: PodSpecLike, visit: (c: ContainerLike) => void): void {
  for (let l = 0; l < 3; l++) {
    const list = containerList(spec, l);
    if (!list) continue;
    for (let i = 0; i < list.length; i++) visit(asContainer(list[i]));
  }
}

/**
 * Names of the containers (init, regular, then ephemeral: the plugin's order)
 * for which `bad` holds; undefined when there is none, so the common case
 * allocates nothing.
 */
export function containersWhere(spec: PodSpecLike, bad: (c: ContainerLike) => boolean): string[] | undefined {
  let out: string[] | undefined;
  forEachContainer(spec, (c) => {
    if (bad(c)) (out ??= []).push(nameOf(c));
  });
  return out;
}

/** A list entry as a container; `null` entries decode to Go's zero Container. */
export function asContainer(entry: unknown): ContainerLike {
  return entry !== null && typeof entry === 'object' ? (entry as ContainerLike) : EMPTY;
}

/** Go decodes a missing name as "". */
export function nameOf(c: ContainerLike | Obj): string {
  const n = (c as ContainerLike).name;
  return typeof n === 'string' ? n : n === undefined || n === null ? '' : String(n);
}

/** A Go `string` field: absent or null reads as "". */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/** A Go pointer-to-struct field: present when it is a JSON object. */
export function obj<T>(v: T | null | undefined): T | undefined {
  return v !== null && typeof v === 'object' ? v : undefined;
}

/**
 * Pods that run in a user namespace (`spec.hostUsers: false`) get the relaxations of
 * policy v1.35 (helpers.go relaxPolicyForUserNamespacePod; before v1.35 the same test
 * was additionally behind the alpha UserNamespacesPodSecurityStandards gate, which the
 * v1.35 policy versions replaced, so the v1.0/v1.23 functions never relax).
 */
export function inUserNamespace(spec: PodSpecLike): boolean {
  return spec.hostUsers === false;
}

/** `spec.os.name == "windows"`: the Windows exemptions of policy v1.25 key off this. */
export function isWindowsPod(spec: PodSpecLike): boolean {
  const os = obj(spec.os);
  return os !== undefined && os.name === 'windows';
}

/** helpers.go pluralize. */
export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** helpers.go joinQuote: `"a", "b"` with no escaping of the items themselves. */
export function joinQuote(items: readonly string[]): string {
  if (items.length === 0) return '';
  return `"${items.join('", "')}"`;
}

/**
 * Go's string order (bytewise on UTF-8, i.e. code point order), which `sort.Strings`
 * and the sorted `sets.List()` use. JS's default sort compares UTF-16 code units and
 * differs for characters beyond U+FFFF, so compare code points.
 */
export function goCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only surrogates (0xD800-0xDFFF) sort differently by code point than by code unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    return xs ? 1 : -1; // a surrogate pair encodes a code point above every BMP character
  }
  return a.length - b.length;
}

/** sets.NewString(items...).List(): de-duplicated and in Go string order. */
export function sortedSet(items: readonly string[]): string[] {
  const out = Array.from(new Set(items));
  out.sort(goCompare);
  return out;
}

const SIMPLE_ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  12: '\\f',
  10: '\\n',
  13: '\\r',
  9: '\\t',
  11: '\\v',
  34: '\\"',
  92: '\\\\',
};

// Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII
// space. Everything else (controls, format characters, other spaces) is escaped.
const NON_PRINT = /[\p{C}\p{Z}]/u;

/** Go's `%q` (strconv.Quote) for the annotation texts the checks print as `key="value"`. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const simple = SIMPLE_ESCAPES[cp];
    if (simple !== undefined) {
      out += simple;
    } else if (cp === 0x20 || !NON_PRINT.test(ch)) {
      out += ch;
    } else if (cp < 0x20 || cp === 0x7f) {
      out += `\\x${cp.toString(16).padStart(2, '0')}`;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      out += '\ufffd'; // a lone surrogate reaches Go as U+FFFD, which is printable
    } else if (cp < 0x10000) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

/** `container "a"` / `containers "a", "b"`: the subject most details start with. */
export function containersPhrase(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}
