/**
 * A change to a live cluster, described before it is made: `--dry-run` prints
 * the list, the audit simulates it on a snapshot (so a command can say what it
 * would break before it breaks it), and the command then carries it out. Changes
 * to host files (the API server's manifest, the PodSecurity admission config) and
 * to the kubeadm ConfigMap carry their text before and after, shown as a diff.
 */
import { toGoYaml } from '../render/go-yaml.js';
import type { Io } from '../io.js';
import type { Kubectl } from '../kube/kubectl.js';
import type { Deadline } from '../workflow/wait.js';
import type { KObj, PssSettings } from '../audit/snapshot.js';
import { unifiedDiff } from './text-diff.js';

export type Change =
  /** Create or update an object (`kubectl apply`). */
  | { type: 'apply'; object: KObj; reason: string }
  | { type: 'delete'; kind: string; name: string; namespace?: string; reason: string }
  /** Set (string) or remove (null) labels of a namespace or a cluster-scoped object. */
  | { type: 'label'; kind: string; name: string; labels: Record<string, string | null>; reason: string }
  /** A host file (manifest, admission config): written by the admission flow, with a backup. */
  | { type: 'file'; path: string; before: string | null; after: string; reason: string }
  /** The ClusterConfiguration text in kube-system/kubeadm-config. */
  | { type: 'kubeadm-config'; before: string; after: string; reason: string }
  /**
   * What the API server does differently once it restarted with the new flags
   * (simulated by the audit; made real by the manifest change above).
   */
  | { type: 'admission'; psp?: boolean; pss?: PssSettings; reason: string };

function objRef(kind: string, name: string, namespace?: string): string {
  return `${kind.toLowerCase()}/${name}${namespace ? ` -n ${namespace}` : ''}`;
}

/** The changes as a person reviews them: what, why, and the exact objects and diffs. */
export function describeChanges(changes: readonly Change[]): string[] {
  const out: string[] = [];
  for (const c of changes) {
    switch (c.type) {
      case 'apply':
        out.push(`apply ${objRef(c.object.kind, c.object.metadata.name, c.object.metadata.namespace)}: ${c.reason}`);
        out.push(...indent(toGoYaml(c.object).trimEnd()));
        break;
      case 'delete':
        out.push(`delete ${objRef(c.kind, c.name, c.namespace)}: ${c.reason}`);
        break;
      case 'label':
        out.push(
          `label ${objRef(c.kind, c.name)} ${Object.entries(c.labels)
            .map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`))
            .join(' ')}: ${c.reason}`,
        );
        break;
      case 'file':
        out.push(`${c.before === null ? 'create' : 'change'} ${c.path}: ${c.reason}`);
        out.push(
          ...indent(
            c.before === null
              ? c.after
                  .trimEnd()
                  .split('\n')
                  .map((l) => `+${l}`)
                  .join('\n')
              : unifiedDiff(c.before, c.after, `${c.path}`, `${c.path} (new)`),
          ),
        );
        break;
      case 'kubeadm-config':
        out.push(`change the ClusterConfiguration in configmap kube-system/kubeadm-config: ${c.reason}`);
        out.push(...indent(unifiedDiff(c.before, c.after, 'ClusterConfiguration', 'ClusterConfiguration (new)')));
        break;
      case 'admission':
        out.push(`then: ${c.reason}`);
        break;
    }
  }
  return out;
}

function indent(text: string): string[] {
  return text.split('\n').map((l) => `    ${l}`);
}

export function printChanges(io: Io, title: string, changes: readonly Change[]): void {
  io.out(title);
  for (const l of describeChanges(changes)) io.out(`  ${l}`);
}

/**
 * Makes the cluster changes (apply, delete, label) in order, consecutive applies in
 * one `kubectl apply`. File, ConfigMap and admission changes belong to the admission
 * flow and are skipped here.
 */
export async function applyClusterChanges(
  kubectl: Kubectl,
  changes: readonly Change[],
  deadline: Deadline,
  io?: Io,
): Promise<void> {
  let batch: KObj[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const text = batch.map((o) => toGoYaml(o)).join('---\n');
    const r = await kubectl.applyText(text, deadline);
    for (const l of r.stdout.trimEnd().split('\n')) if (l) io?.err(`  ${l}`);
    batch = [];
  };
  for (const c of changes) {
    if (c.type === 'apply') {
      batch.push(c.object);
      continue;
    }
    await flush();
    if (c.type === 'delete') {
      const r = await kubectl.deleteObject(c.kind.toLowerCase(), c.name, c.namespace);
      if (r.stdout.trim()) io?.err(`  ${r.stdout.trim()}`);
    } else if (c.type === 'label') {
      const r = await kubectl.label(c.kind.toLowerCase(), c.name, c.labels);
      if (r.stdout.trim()) io?.err(`  ${r.stdout.trim()}`);
    }
  }
  await flush();
}
