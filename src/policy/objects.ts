/**
 * Sorts the objects read from the input into what `policy check` uses:
 * - pods to check: Pods, and the pod template of Deployments, DaemonSets,
 *   StatefulSets, ReplicaSets, Jobs (spec.template) and CronJobs
 *   (spec.jobTemplate.spec.template), in the workload's namespace;
 * - PodSecurityPolicies;
 * - RBAC objects;
 * - everything else, which is ignored (the caller notes it on stderr).
 * Objects kubestrap cannot use (a Pod with a string where a boolean belongs, a
 * PodSecurityPolicy the API server would refuse to store) are a UserError (exit 2)
 * naming the file, line and field.
 */
import { UserError } from '../errors.js';
import type { SourceObject } from './input.js';
import type { Pod } from './psp/pod.js';
import { podView, PodShapeError, type PodView } from './psp/pod-view.js';
import type { PolicyObject } from './psp/provider.js';
import { checkPspSpec } from './psp/spec-check.js';
import { RBAC_KINDS, type RbacObject } from './rbac.js';

/** A pod to check, with what to call it in reports. */
export interface PodInput {
  type: 'pod';
  /** The object's kind: Pod, Deployment, CronJob, ... */
  kind: string;
  name: string;
  namespace: string;
  /** The pod, in the namespace it would be created in. */
  pod: Pod;
  /** The pod read and type-checked for admission. */
  view: PodView;
  where: SourceObject;
}

/** `Deployment demo/web`: how reports name a pod to check. */
export function title(p: PodInput): string {
  return `${p.kind} ${p.namespace}/${p.name || '(unnamed)'}`;
}

export type Classified =
  | PodInput
  | { type: 'psp'; policy: PolicyObject; where: SourceObject }
  | { type: 'rbac'; object: RbacObject; where: SourceObject }
  | { type: 'ignored'; kind: string; where: SourceObject };

/** Where the pod template sits in each workload kind. */
const TEMPLATE_PATH: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fail(src: SourceObject, message: string): never {
  throw new UserError(message, { file: src.file, line: src.line });
}

function label(kind: string, o: Obj): string {
  const meta = isObj(o.metadata) ? o.metadata : {};
  const name =
    typeof meta.name === 'string'
      ? meta.name
      : typeof meta.generateName === 'string'
        ? `${meta.generateName}*`
        : '(unnamed)';
  return `${kind} ${name}`;
}

export function classify(src: SourceObject): Classified {
  const o = src.obj;
  if (!isObj(o)) fail(src, `expected a Kubernetes object, found ${Array.isArray(o) ? 'a list' : JSON.stringify(o)}`);
  const kind = typeof o.kind === 'string' ? o.kind : '';
  if (kind === '') fail(src, 'object has no kind');
  const meta = isObj(o.metadata) ? o.metadata : {};
  const name =
    typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? meta.generateName : '';
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';

  if (kind === 'Pod') {
    const pod = o as unknown as Pod;
    // The namespace the pod would be created in: kubectl's default when the manifest has none.
    const placed = pod.metadata?.namespace ? pod : { ...pod, metadata: { ...pod.metadata, namespace } };
    return { type: 'pod', kind, name, namespace, pod: placed, view: read(placed, '', src, kind, o), where: src };
  }

  const path = TEMPLATE_PATH[kind];
  if (path) {
    let t: unknown = o;
    for (const seg of path) t = isObj(t) ? t[seg] : undefined;
    if (!isObj(t)) fail(src, `${label(kind, o)}: ${path.join('.')} is required`);
    const tMeta = isObj(t.metadata) ? t.metadata : {};
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      // Controllers create the pods in their own namespace, whatever the template says.
      metadata: { ...tMeta, namespace },
      spec: t.spec as Pod['spec'],
    };
    return { type: 'pod', kind, name, namespace, pod, view: read(pod, `${path.join('.')}.`, src, kind, o), where: src };
  }

  if (kind === 'PodSecurityPolicy') return { type: 'psp', policy: toPolicy(o, src), where: src };
  if (RBAC_KINDS.has(kind)) return { type: 'rbac', object: o as unknown as RbacObject, where: src };
  return { type: 'ignored', kind, where: src };
}

/** The pod read for admission; a field of the wrong type is a UserError naming it (relative to the object). */
function read(pod: Pod, prefix: string, src: SourceObject, kind: string, o: Obj): PodView {
  try {
    return podView(pod);
  } catch (e) {
    if (e instanceof PodShapeError) fail(src, `${label(kind, o)}: ${prefix}${e.message}`);
    throw e;
  }
}

/** A PodSecurityPolicy object checked against the policy/v1beta1 schema. */
function toPolicy(o: Obj, src: SourceObject): PolicyObject {
  const meta = isObj(o.metadata) ? o.metadata : {};
  if (typeof meta.name !== 'string' || meta.name === '') fail(src, 'PodSecurityPolicy: metadata.name is required');
  const name = meta.name;
  const annotations = meta.annotations;
  if (annotations != null && (!isObj(annotations) || Object.values(annotations).some((v) => typeof v !== 'string'))) {
    fail(src, `PodSecurityPolicy ${name}: metadata.annotations must be a map of strings`);
  }
  const checked = checkPspSpec(o.spec ?? {});
  if (!checked.ok) {
    const where = ['spec', ...checked.issue.path.map(String)].join('.');
    fail(src, `PodSecurityPolicy ${name}: ${where}: ${checked.issue.message}`);
  }
  return {
    metadata: { name, annotations: (annotations as Record<string, string> | undefined) ?? undefined },
    spec: checked.spec,
  };
}
