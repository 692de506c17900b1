/**
 * A change, played on a snapshot of the cluster: the snapshot as it would be afterwards
 * (objects applied, deleted, relabelled; admission flags), for the audit to judge.
 */
import { audit, type AuditOptions, type AuditReport } from '../audit/report.js';
import type { ClusterSnapshot } from '../audit/snapshot.js';
import type { KubeObject } from '../k8s/objects.js';
import type { Change } from './plan.js';

function key(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** The snapshot as it would be after the changes (objects applied, deleted, relabelled; admission flags). */
export function simulate(snapshot: ClusterSnapshot, changes: readonly Change[]): ClusterSnapshot {
  const byKey = new Map<string, KubeObject>();
  for (const o of snapshot.objects) byKey.set(key(o.kind, o.metadata.namespace, o.metadata.name), o);
  let apiServer = snapshot.apiServer;
  let pss = snapshot.pss;
  for (const c of changes) {
    if (c.type === 'apply') {
      const k = key(c.object.kind, c.object.metadata.namespace, c.object.metadata.name);
      const prev = byKey.get(k);
      byKey.set(k, prev ? { ...prev, ...c.object, metadata: { ...prev.metadata, ...c.object.metadata } } : c.object);
    } else if (c.type === 'delete') {
      byKey.delete(key(c.kind, c.namespace, c.name));
    } else if (c.type === 'label') {
      const k = key(c.kind, undefined, c.name);
      const prev = byKey.get(k);
      if (!prev) continue;
      const labels = { ...(prev.metadata.labels ?? {}) };
      for (const [l, v] of Object.entries(c.labels)) {
        if (v === null) delete labels[l];
        else labels[l] = v;
      }
      byKey.set(k, { ...prev, metadata: { ...prev.metadata, labels } });
    } else if (c.type === 'admission') {
      const flags = apiServer?.flags ?? {
        enabled: [],
        disabled: [],
        psp: false,
        podSecurity: snapshot.version.minor >= 23,
      };
      if (c.psp !== undefined) {
        const enabled = c.psp
          ? [...flags.enabled.filter((p) => p !== 'PodSecurityPolicy'), 'PodSecurityPolicy']
          : flags.enabled.filter((p) => p !== 'PodSecurityPolicy');
        apiServer = { source: apiServer?.source ?? 'the change', flags: { ...flags, enabled, psp: c.psp } };
      }
      if (c.pss !== undefined) pss = c.pss;
    }
  }
  return { ...snapshot, objects: [...byKey.values()], apiServer, pss, notes: [...snapshot.notes] };
}

/** The audit of the cluster now and after the changes; `labels` name the change in the report. */
export function auditChanges(
  snapshot: ClusterSnapshot,
  labels: string[],
  changes: readonly Change[],
  opts: AuditOptions = {},
): AuditReport {
  return audit(snapshot, { labels, after: simulate(snapshot, changes) }, opts);
}
