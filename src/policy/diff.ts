/**
 * What admission changed in a pod, as `path: value` lines a person can read at a
 * glance (`spec.containers[0].securityContext.runAsNonRoot: true`). A value that
 * appeared whole (a new seLinuxOptions object) is shown whole, not field by field.
 */

function segment(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${key}]`;
}

function show(v: unknown): string {
  return v === undefined ? '(removed)' : JSON.stringify(v);
}

export function changes(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (a === b) return;
    const aObj = a !== null && typeof a === 'object';
    const bObj = b !== null && typeof b === 'object';
    if (aObj && bObj && Array.isArray(a) === Array.isArray(b)) {
      if (Array.isArray(a)) {
        const bs = b as unknown[];
        if (a.length !== bs.length) {
          out.push(`${path}: ${show(b)}`);
          return;
        }
        for (let i = 0; i < a.length; i++) walk(a[i], bs[i], `${path}[${i}]`);
        return;
      }
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) walk(ao[k], bo[k], `${path}${segment(k)}`);
      return;
    }
    if ((a === undefined || a === null) && (b === undefined || b === null)) return;
    out.push(`${path}: ${show(b)}`);
  };
  walk(before, after, '');
  return out.map((l) => (l.startsWith('.') ? l.slice(1) : l));
}
