/**
 * The cluster model: an object store and the controllers that act on it
 * (kubelet mirror pods, DaemonSet/Deployment/ReplicaSet controllers, the
 * scheduler, the kubelet starting pods, the node's Ready condition). Time is
 * modelled with timestamps: every process reconciles the model to "now" when
 * it starts, so a node turns Ready a fixed delay after its CNI pod ran, no
 * matter which process (if any) was running at that moment.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterState, KObj, SimState } from './types.js';
import type { Sim } from './state.js';
import { objKey, byKind } from './resources.js';
import { uid, ts, templateHash, randomHex, randSuffix } from './util.js';
import { admitPodCreate, controllerUser, nodeUser, type Requester } from './admission.js';
import { addKubeProxyRules, addFlannelRules } from './tools/iptables-model.js';
import { apiServerModel } from './apiserver.js';

/** Kinds whose changes can change an admission decision. */
const ADMISSION_INPUTS = new Set([
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'Namespace',
  'ServiceAccount',
]);

export function getObj(c: ClusterState, kind: string, namespace: string | undefined, name: string): KObj | undefined {
  return c.objects[objKey(kind, namespace, name)];
}

/** Objects by kind, sorted by namespace/name; rebuilt whenever the store changes (rv). */
const kindIndex = new WeakMap<ClusterState, { rv: number; byKind: Map<string, KObj[]> }>();

function indexFor(c: ClusterState): Map<string, KObj[]> {
  const hit = kindIndex.get(c);
  if (hit && hit.rv === c.rv) return hit.byKind;
  const byKind = new Map<string, KObj[]>();
  const keys = Object.keys(c.objects).sort();
  for (const k of keys) {
    const o = c.objects[k];
    let list = byKind.get(o.kind);
    if (!list) byKind.set(o.kind, (list = []));
    list.push(o);
  }
  kindIndex.set(c, { rv: c.rv, byKind });
  return byKind;
}

export function listObjs(c: ClusterState, kind: string, namespace?: string): KObj[] {
  const all = indexFor(c).get(kind) ?? [];
  return namespace === undefined ? [...all] : all.filter((o) => (o.metadata.namespace ?? '') === namespace);
}

/** Stores an object as the API server would: uid, resourceVersion, creationTimestamp, generation. */
export function putObj(c: ClusterState, obj: KObj, now: number): KObj {
  const r = byKind(obj.kind);
  const ns = r?.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
  if (r?.namespaced) obj.metadata.namespace = ns;
  else delete obj.metadata.namespace;
  const key = objKey(obj.kind, ns, obj.metadata.name);
  const prev = c.objects[key];
  obj.metadata.uid = prev?.metadata.uid ?? obj.metadata.uid ?? uid();
  obj.metadata.creationTimestamp = prev?.metadata.creationTimestamp ?? ts(now);
  obj.metadata.resourceVersion = String(++c.rv);
  if (['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'].includes(obj.kind)) {
    const specChanged = !prev || JSON.stringify(prev.spec) !== JSON.stringify(obj.spec);
    obj.metadata.generation = (prev?.metadata.generation ?? 0) + (specChanged ? 1 : 0);
  }
  if (obj.kind === 'Namespace') {
    obj.metadata.labels = {
      ...(obj.metadata.labels ?? {}),
      ...(c.minor >= 21 ? { 'kubernetes.io/metadata.name': obj.metadata.name } : {}),
    };
    obj.spec ??= { finalizers: ['kubernetes'] };
    obj.status ??= { phase: 'Active' };
  }
  obj._sim = { ...(prev?._sim ?? {}), ...(obj._sim ?? {}) };
  obj._sim.createdAt ??= now;
  c.objects[key] = obj;
  if (ADMISSION_INPUTS.has(obj.kind)) c.epoch++;
  return obj;
}

export function deleteObj(c: ClusterState, obj: KObj): void {
  const r = byKind(obj.kind);
  const key = objKey(obj.kind, r?.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
  delete c.objects[key];
  c.rv++;
  if (ADMISSION_INPUTS.has(obj.kind)) c.epoch++;
}

/** Records (or counts again) an event, as `kubectl get events` shows them. */
export function recordEvent(
  c: ClusterState,
  involved: KObj,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component: string,
  now: number,
): void {
  const ns = involved.metadata.namespace ?? 'default';
  const existing = listObjs(c, 'Event', ns).find(
    (o) => o.involvedObject.uid === involved.metadata.uid && o.reason === reason && o.message === message,
  );
  if (existing) {
    existing.count++;
    existing.lastTimestamp = ts(now);
    existing.metadata.resourceVersion = String(++c.rv);
    return;
  }
  const ev: KObj = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.metadata.name}.${randomHex(8)}`, namespace: ns },
    involvedObject: {
      apiVersion: involved.apiVersion,
      kind: involved.kind,
      name: involved.metadata.name,
      namespace: ns,
      resourceVersion: involved.metadata.resourceVersion,
      uid: involved.metadata.uid,
    },
    reason,
    message,
    source: { component },
    firstTimestamp: ts(now),
    lastTimestamp: ts(now),
    count: 1,
    type,
    eventTime: null,
    reportingComponent: component,
    reportingInstance: '',
  };
  putObj(c, ev, now);
}

// ---------------------------------------------------------------- scheduling helpers

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

function tolerates(tols: KObj[] | undefined, t: Taint): boolean {
  return (tols ?? []).some((tol) => {
    if (tol.effect && tol.effect !== t.effect) return false;
    if (tol.operator === 'Exists') return !tol.key || tol.key === t.key;
    return tol.key === t.key && (tol.value ?? '') === (t.value ?? '');
  });
}

function untolerated(node: KObj, tols: KObj[] | undefined): Taint | undefined {
  return ((node.spec.taints ?? []) as Taint[]).find(
    (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tols, t),
  );
}

function selectorMatches(node: KObj, spec: KObj): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms?.length) {
    const ok = terms.some((term: KObj) =>
      (term.matchExpressions ?? []).every((e: KObj) => {
        const has = Object.hasOwn(labels, e.key);
        if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key]);
        if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key]);
        if (e.operator === 'Exists') return has;
        if (e.operator === 'DoesNotExist') return !has;
        return false;
      }),
    );
    if (!ok) return false;
  }
  return true;
}

/** The scheduler's FailedScheduling text for one node (REAL-OUTPUTS §12). */
function unschedulableMessage(minor: number, taint: Taint | undefined): string {
  const tail =
    minor <= 24
      ? ''
      : minor === 26 || minor === 27 || minor === 28
        ? ' preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..'
        : ' preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.';
  if (!taint) return `0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.${tail}`;
  if (minor <= 24)
    return `0/1 nodes are available: 1 node(s) had taint {${taint.key}: ${taint.value ?? ''}}, that the pod didn't tolerate.`;
  if (minor >= 35) return `0/1 nodes are available: 1 node(s) had untolerated taint(s).${tail}`;
  return `0/1 nodes are available: 1 node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}.${tail}`;
}

/** Tolerations the DaemonSet controller adds to its pods. */
function daemonTolerations(spec: KObj): KObj[] {
  const tols = [...(spec.tolerations ?? [])];
  const add = (key: string, effect: string) => {
    if (!tolerates(tols, { key, effect })) tols.push({ effect, key, operator: 'Exists' });
  };
  add('node.kubernetes.io/not-ready', 'NoExecute');
  add('node.kubernetes.io/unreachable', 'NoExecute');
  add('node.kubernetes.io/disk-pressure', 'NoSchedule');
  add('node.kubernetes.io/memory-pressure', 'NoSchedule');
  add('node.kubernetes.io/pid-pressure', 'NoSchedule');
  add('node.kubernetes.io/unschedulable', 'NoSchedule');
  if (spec.hostNetwork) add('node.kubernetes.io/network-unavailable', 'NoSchedule');
  return tols;
}

/** A CNI DaemonSet's pod: host network and the CNI config directory mounted from the host. */
export function isCniPod(pod: KObj): boolean {
  return !!pod.spec?.hostNetwork && (pod.spec.volumes ?? []).some((v: KObj) => v.hostPath?.path === '/etc/cni/net.d');
}

// ---------------------------------------------------------------- controllers

/** client-go's default controller rate limiter, per key: 5 ms after the first failure, doubling, at most 1000 s. */
export function controllerBackoffMs(failures: number): number {
  return Math.min(5 * 2 ** failures, 1_000_000);
}

/**
 * A controller (or the kubelet, for mirror pods) creates a pod through admission.
 * Mirror pods are retried whenever an admission input changes. Controllers retry on
 * their work queue's backoff: a refused key waits 5 ms, 10 ms, 20 ms ... up to 1000 s,
 * whatever changed meanwhile, so a policy applied after a long pause is noticed only
 * at the next retry, unless something requeues the key (`requeued`: a changed template
 * makes a new key; a changed node requeues a DaemonSet).
 */
async function createControlledPod(
  sim: Sim,
  s: SimState,
  c: ClusterState,
  owner: KObj,
  key: string,
  pod: KObj,
  user: Requester,
  component: string,
  now: number,
  simExtra: KObj = {},
  requeued = false,
): Promise<boolean> {
  const mirror = owner.kind === 'Pod';
  const b = mirror ? undefined : c.backoff?.[key];
  if (mirror && c.attempts[key] === c.epoch) return false;
  if (b && now < b.nextAt && !requeued) return false;
  const r = await admitPodCreate(s, c, pod, user);
  if (!r.allowed) {
    const msg = r.message ?? '';
    if (mirror) {
      c.attempts[key] = c.epoch;
      return true; // kubelet mirror pods: logged by the kubelet, no event
    }
    // The admission inputs did not change since the last reconcile, so every retry that
    // fell due meanwhile was refused the same way: count them all.
    let failures = b?.failures ?? 0;
    let at = b && !requeued ? b.nextAt : now;
    let tries = 0;
    do {
      at += controllerBackoffMs(failures++);
      tries++;
    } while (at <= now);
    c.backoff ??= {};
    c.backoff[key] = { failures, nextAt: at, nodeRv: simExtra.nodeRv };
    for (let i = 0; i < tries; i++)
      recordEvent(c, owner, 'Warning', 'FailedCreate', `Error creating: ${msg}`, component, now);
    return true;
  }
  if (mirror) delete c.attempts[key];
  else if (c.backoff) delete c.backoff[key];
  const stored = r.pod;
  const { nodeRv: _nodeRv, ...extra } = simExtra;
  stored._sim = { createdAt: now, owner: key, ...extra };
  putObj(c, stored, now);
  if (!mirror)
    recordEvent(c, owner, 'Normal', 'SuccessfulCreate', `Created pod: ${stored.metadata.name}`, component, now);
  void sim;
  return true;
}

function ownerRef(o: KObj): KObj {
  return {
    apiVersion: o.apiVersion,
    blockOwnerDeletion: true,
    controller: true,
    kind: o.kind,
    name: o.metadata.name,
    uid: o.metadata.uid,
  };
}

function ownedBy(p: KObj, o: KObj): boolean {
  return (p.metadata.ownerReferences ?? []).some((r: KObj) => r.uid === o.metadata.uid);
}

async function kubeletMirrorPods(sim: Sim, s: SimState, c: ClusterState, now: number): Promise<boolean> {
  if (!s.host.services.kubelet?.active) return false;
  let changed = false;
  // Every control plane's kubelet runs the static pods (one set of specs in this model).
  const nodes = [
    c.nodeName,
    ...(c.members ?? []).filter((m) => m.controlPlane && m.name !== c.nodeName).map((m) => m.name),
  ];
  for (const nodeName of nodes)
    for (const sp of c.staticPods) if (await mirrorPod(sim, s, c, now, sp, nodeName)) changed = true;
  return changed;
}

/** The kubelet on `nodeName` mirrors one static pod into the API (through admission, as the node). */
async function mirrorPod(
  sim: Sim,
  s: SimState,
  c: ClusterState,
  now: number,
  sp: KObj,
  nodeName: string,
): Promise<boolean> {
  let changed = false;
  {
    const name = `${sp.metadata.name}-${nodeName}`;
    if (getObj(c, 'Pod', 'kube-system', name)) return false;
    const mirror: KObj = JSON.parse(JSON.stringify(sp));
    delete mirror.status;
    mirror.metadata.name = name;
    mirror.metadata.creationTimestamp = undefined;
    const hash = templateHash(sp)
      .replace(/[^a-f0-9]/g, '')
      .padEnd(32, '0')
      .slice(0, 32);
    mirror.metadata.annotations = {
      ...(mirror.metadata.annotations ?? {}),
      'kubernetes.io/config.hash': hash,
      'kubernetes.io/config.mirror': hash,
      'kubernetes.io/config.seen': new Date(c.createdAt).toISOString().replace('Z', '000000Z'),
      'kubernetes.io/config.source': 'file',
    };
    mirror.metadata.ownerReferences = [
      {
        apiVersion: 'v1',
        controller: true,
        kind: 'Node',
        name: nodeName,
        uid: getObj(c, 'Node', undefined, nodeName)?.metadata.uid,
      },
    ];
    mirror.spec.nodeName = nodeName;
    const fakeOwner = { kind: 'Pod', metadata: {} };
    const made = await createControlledPod(
      sim,
      s,
      c,
      fakeOwner,
      `mirror/${name}`,
      mirror,
      nodeUser(nodeName),
      'kubelet',
      now,
    );
    if (made) changed = true;
    const stored = getObj(c, 'Pod', 'kube-system', name);
    if (stored && !stored._sim.static) {
      // Static pods run whether or not the mirror exists: they started with the control plane.
      stored._sim.scheduledAt = c.createdAt;
      stored._sim.runningAt = c.createdAt;
      stored._sim.readyAt = c.createdAt;
      stored._sim.static = true;
    }
  }
  return changed;
}

async function daemonSetController(sim: Sim, s: SimState, c: ClusterState, now: number): Promise<boolean> {
  let changed = false;
  const nodes = listObjs(c, 'Node');
  for (const ds of listObjs(c, 'DaemonSet')) {
    const tpl = ds.spec?.template ?? {};
    const spec = tpl.spec ?? {};
    const pods = listObjs(c, 'Pod', ds.metadata.namespace).filter((p) => ownedBy(p, ds));
    for (const node of nodes) {
      const want = selectorMatches(node, spec) && !untolerated(node, daemonTolerations(spec));
      const mine = pods.filter((p) => p.spec.nodeName === node.metadata.name);
      // Rolling update: pods of an older generation go away; a new one comes.
      for (const p of mine) {
        if (!want || p._sim.generation !== ds.metadata.generation) {
          deleteObj(c, p);
          changed = true;
        }
      }
      if (!want) continue;
      if (
        mine.some(
          (p) =>
            p._sim.generation === ds.metadata.generation && getObj(c, 'Pod', p.metadata.namespace, p.metadata.name),
        )
      )
        continue;
      const pod: KObj = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...JSON.parse(JSON.stringify(tpl.metadata ?? {})),
          generateName: `${ds.metadata.name}-`,
          namespace: ds.metadata.namespace,
          ownerReferences: [ownerRef(ds)],
        },
        spec: {
          ...JSON.parse(JSON.stringify(spec)),
          nodeName: node.metadata.name,
          tolerations: daemonTolerations(spec),
        },
      };
      pod.metadata.labels = {
        ...(pod.metadata.labels ?? {}),
        'controller-revision-hash': templateHash(tpl),
        'pod-template-generation': String(ds.metadata.generation),
      };
      const key = `ds/${ds.metadata.namespace}/${ds.metadata.name}/${node.metadata.name}/${ds.metadata.generation}`;
      const nodeRv = String(node.metadata.resourceVersion);
      const extra = { generation: ds.metadata.generation, scheduledAt: now, nodeRv };
      // The DaemonSet controller watches nodes: a changed node (labels, taints) requeues it at once.
      const requeued = c.backoff?.[key] !== undefined && c.backoff[key].nodeRv !== nodeRv;
      if (
        await createControlledPod(
          sim,
          s,
          c,
          ds,
          key,
          pod,
          controllerUser('daemon-set-controller'),
          'daemonset-controller',
          now,
          extra,
          requeued,
        )
      )
        changed = true;
    }
  }
  return changed;
}

function deploymentController(c: ClusterState, now: number): boolean {
  let changed = false;
  for (const d of listObjs(c, 'Deployment')) {
    const tpl = d.spec?.template ?? {};
    const hash = templateHash(tpl);
    const rsName = `${d.metadata.name}-${hash}`;
    const ns = d.metadata.namespace;
    const replicas = d.spec?.replicas ?? 1;
    let rs = getObj(c, 'ReplicaSet', ns, rsName);
    if (!rs) {
      const t = JSON.parse(JSON.stringify(tpl));
      t.metadata = { ...(t.metadata ?? {}), labels: { ...(t.metadata?.labels ?? {}), 'pod-template-hash': hash } };
      rs = putObj(
        c,
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(replicas),
              'deployment.kubernetes.io/max-replicas': String(replicas + 1),
              'deployment.kubernetes.io/revision': '1',
            },
            labels: { ...(tpl.metadata?.labels ?? {}), 'pod-template-hash': hash },
            name: rsName,
            namespace: ns,
            ownerReferences: [ownerRef(d)],
          },
          spec: {
            replicas,
            selector: { matchLabels: { ...(d.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
            template: t,
          },
        },
        now,
      );
      recordEvent(
        c,
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${rsName} to ${replicas}`,
        'deployment-controller',
        now,
      );
      changed = true;
    } else if (rs.spec.replicas !== replicas) {
      rs.spec.replicas = replicas;
      changed = true;
    }
    for (const old of listObjs(c, 'ReplicaSet', ns).filter((r) => ownedBy(r, d) && r.metadata.name !== rsName)) {
      if (old.spec.replicas !== 0) {
        old.spec.replicas = 0;
        changed = true;
      }
    }
  }
  return changed;
}

async function replicaSetController(sim: Sim, s: SimState, c: ClusterState, now: number): Promise<boolean> {
  let changed = false;
  for (const rs of listObjs(c, 'ReplicaSet')) {
    const pods = listObjs(c, 'Pod', rs.metadata.namespace).filter((p) => ownedBy(p, rs));
    const want = rs.spec?.replicas ?? 1;
    for (const extra of pods.slice(want)) {
      deleteObj(c, extra);
      changed = true;
    }
    for (let i = pods.length; i < want; i++) {
      const tpl = rs.spec.template ?? {};
      const pod: KObj = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...JSON.parse(JSON.stringify(tpl.metadata ?? {})),
          generateName: `${rs.metadata.name}-`,
          namespace: rs.metadata.namespace,
          ownerReferences: [ownerRef(rs)],
        },
        spec: JSON.parse(JSON.stringify(tpl.spec ?? {})),
      };
      const key = `rs/${rs.metadata.namespace}/${rs.metadata.name}/${i}`;
      const made = await createControlledPod(
        sim,
        s,
        c,
        rs,
        key,
        pod,
        controllerUser('replicaset-controller'),
        'replicaset-controller',
        now,
      );
      if (made) changed = true;
      if (c.backoff?.[key]) break; // refused: the controller backs off for this key
    }
  }
  return changed;
}

/**
 * The Job controller: one pod per Job (completions 1), created through admission like any
 * controller's; when the pod has run to completion the Job is Complete, and with
 * ttlSecondsAfterFinished: 0 the TTL controller deletes it and its pod at once.
 */
async function jobController(sim: Sim, s: SimState, c: ClusterState, now: number): Promise<boolean> {
  let changed = false;
  for (const job of listObjs(c, 'Job')) {
    if (job.status?.completionTime) continue;
    const ns = job.metadata.namespace;
    const pods = listObjs(c, 'Pod', ns).filter((p) => ownedBy(p, job));
    const done = pods.find((p) => p._sim.succeededAt !== undefined && now >= p._sim.succeededAt);
    if (done) {
      jobEffects(c, done, now);
      if (job.spec?.ttlSecondsAfterFinished === 0) {
        for (const p of pods) deleteObj(c, p);
        deleteObj(c, job);
      } else {
        job.status = {
          ...(job.status ?? {}),
          active: undefined,
          succeeded: 1,
          completionTime: ts(done._sim.succeededAt),
          conditions: [{ type: 'Complete', status: 'True', lastProbeTime: ts(now), lastTransitionTime: ts(now) }],
        };
      }
      changed = true;
      continue;
    }
    if (pods.length > 0) continue;
    const tpl = job.spec?.template ?? {};
    const labels = { ...(tpl.metadata?.labels ?? {}), 'job-name': job.metadata.name };
    const pod: KObj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...JSON.parse(JSON.stringify(tpl.metadata ?? {})),
        labels,
        name: undefined,
        generateName: `${job.metadata.name}-`,
        namespace: ns,
        ownerReferences: [ownerRef(job)],
      },
      spec: JSON.parse(JSON.stringify(tpl.spec ?? {})),
    };
    delete pod.metadata.name;
    const key = `job/${ns}/${job.metadata.name}`;
    if (await createControlledPod(sim, s, c, job, key, pod, controllerUser('job-controller'), 'job-controller', now)) {
      changed = true;
      if (!c.backoff?.[key]) job.status = { startTime: ts(now), active: 1 };
    }
  }
  return changed;
}

/** A completed pod of ingress-nginx's kube-webhook-certgen: `create` writes the webhook's Secret, `patch` its caBundle. */
function jobEffects(c: ClusterState, pod: KObj, now: number): void {
  const ctr = pod.spec.containers?.[0];
  if (!String(ctr?.image ?? '').includes('kube-webhook-certgen')) return;
  const args: string[] = ctr.args ?? [];
  const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const ns = pod.metadata.namespace;
  const secretName = flag('secret-name') ?? '';
  const b64 = (t: string) => Buffer.from(t).toString('base64');
  if (args[0] === 'create' && !getObj(c, 'Secret', ns, secretName)) {
    putObj(
      c,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName, namespace: ns },
        type: 'Opaque',
        data: { ca: b64('sim-ca'), cert: b64('sim-cert'), key: b64('sim-key') },
      },
      now,
    );
  }
  if (args[0] === 'patch') {
    const hook = getObj(c, 'ValidatingWebhookConfiguration', undefined, flag('webhook-name') ?? '');
    const secret = getObj(c, 'Secret', ns, secretName);
    if (hook && secret) {
      for (const w of hook.webhooks ?? []) w.clientConfig = { ...w.clientConfig, caBundle: secret.data.ca };
      putObj(c, hook, now);
    }
  }
}

/** A certgen patch pod cannot finish before the create pod made its Secret (it fails and restarts meanwhile). */
function jobPodCanFinish(c: ClusterState, p: KObj): boolean {
  const ctr = p.spec.containers?.[0];
  const args: string[] = ctr?.args ?? [];
  if (!String(ctr?.image ?? '').includes('kube-webhook-certgen') || args[0] !== 'patch') return true;
  const name = args.find((a) => a.startsWith('--secret-name='))?.split('=')[1] ?? '';
  return getObj(c, 'Secret', p.metadata.namespace, name) !== undefined;
}

function scheduler(c: ClusterState, now: number): boolean {
  let changed = false;
  const nodes = listObjs(c, 'Node');
  for (const p of listObjs(c, 'Pod')) {
    if (p.spec.nodeName) continue;
    let placed = false;
    let blocking: Taint | undefined;
    let selectorMiss = false;
    for (const n of nodes) {
      if (!selectorMatches(n, p.spec)) {
        selectorMiss = true;
        continue;
      }
      const t = untolerated(n, p.spec.tolerations);
      if (t) {
        blocking = t;
        continue;
      }
      p.spec.nodeName = n.metadata.name;
      p._sim.scheduledAt = Math.max(p._sim.createdAt, c.node.taintsChangedAt);
      placed = true;
      changed = true;
      break;
    }
    if (!placed) {
      const msg =
        nodes.length === 0
          ? 'no nodes available to schedule pods'
          : unschedulableMessage(c.minor, selectorMiss && !blocking ? undefined : blocking);
      if (p._sim.unschedulable !== msg) {
        p._sim.unschedulable = msg;
        p.status = {
          conditions: [
            {
              lastProbeTime: null,
              lastTransitionTime: ts(now),
              message: msg,
              reason: 'Unschedulable',
              status: 'False',
              type: 'PodScheduled',
            },
          ],
          phase: 'Pending',
          qosClass: qosClass(p),
        };
        recordEvent(c, p, 'Warning', 'FailedScheduling', msg, 'default-scheduler', now);
        changed = true;
      }
    }
  }
  return changed;
}

function qosClass(p: KObj): string {
  const ctrs: KObj[] = p.spec.containers ?? [];
  if (ctrs.every((x) => !x.resources?.requests && !x.resources?.limits)) return 'BestEffort';
  const guaranteed = ctrs.every((x) => x.resources?.limits?.cpu && x.resources?.limits?.memory);
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * When kube-proxy started on the node: Service IPs (the API server's 10.96.0.1 too) work
 * from then on. Never, when the host's iptables is nf_tables and kube-proxy's image only
 * knows iptables-legacy (before 1.17, kubernetes PR #82966): its rules go where no
 * packet looks.
 */
function kubeProxyRunningAt(s: SimState, c: ClusterState, nodeName: string): number | undefined {
  if (c.minor < 17 && (s.host.iptablesMode ?? 'nft') === 'nft') return undefined;
  const at = listObjs(c, 'Pod', 'kube-system')
    .filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-proxy' && p.spec.nodeName === nodeName)
    .map((p) => p._sim?.runningAt)
    .filter((t): t is number => t !== undefined);
  return at.length ? Math.min(...at) : undefined;
}

/**
 * Pods that reach the API server through its Service IP: flannel (kube-subnet-mgr) exits
 * with "dial tcp 10.96.0.1:443: i/o timeout" and crash-loops until kube-proxy runs on its
 * node; CoreDNS stays unready until its kubernetes plugin has synced with the API.
 */
function needsServiceNetwork(p: KObj): boolean {
  if (p._sim?.static || p.metadata.labels?.['k8s-app'] === 'kube-proxy') return false;
  return isCniPod(p) || p.metadata.labels?.['k8s-app'] === 'kube-dns';
}

/** The kubelet: scheduled pods start (host-network ones at once, others once the network is ready). */
function kubeletPods(s: SimState, c: ClusterState, now: number): boolean {
  let changed = false;
  const t = s.timing;
  for (const p of listObjs(c, 'Pod')) {
    if (!p.spec.nodeName || p._sim.scheduledAt === undefined) continue;
    const sim = p._sim;
    const probe = (p.spec.containers ?? []).some((x: KObj) => x.readinessProbe);
    if (sim.runningAt === undefined) {
      const netReady = p.spec.hostNetwork ? sim.scheduledAt : c.node.readyAt;
      if (netReady === undefined) {
        changed = setPodStatus(c, p, now, 'creating') || changed;
        continue;
      }
      const start = Math.max(sim.scheduledAt, netReady) + t.podStartMs;
      if (now < start) {
        changed = setPodStatus(c, p, now, 'creating') || changed;
        continue;
      }
      sim.runningAt = start;
      sim.readyAt = needsServiceNetwork(p) ? undefined : start + (probe ? t.podReadyMs : 0);
      changed = true;
    }
    if (isCniPod(p) && !c.podSubnet) {
      changed = setPodStatus(c, p, now, 'crashloop') || changed;
      continue;
    }
    if (sim.readyAt === undefined && needsServiceNetwork(p)) {
      const proxy = kubeProxyRunningAt(s, c, p.spec.nodeName);
      if (proxy === undefined || now < proxy) {
        changed = setPodStatus(c, p, now, isCniPod(p) ? 'crashloop' : 'running') || changed;
        continue;
      }
      sim.readyAt = Math.max(sim.runningAt, proxy) + (probe ? t.podReadyMs : 0);
      changed = true;
    }
    if (p.metadata.ownerReferences?.[0]?.kind === 'Job') {
      // A job's container runs to completion (about as long as a start takes).
      if (sim.succeededAt === undefined && jobPodCanFinish(c, p)) {
        sim.succeededAt = Math.max(now, sim.runningAt + t.podStartMs);
        changed = true;
      }
      const over = sim.succeededAt !== undefined && now >= sim.succeededAt;
      changed = setPodStatus(c, p, now, over ? 'succeeded' : 'running') || changed;
      continue;
    }
    changed = setPodStatus(c, p, now, sim.readyAt !== undefined && now >= sim.readyAt ? 'ready' : 'running') || changed;
  }
  return changed;
}

function setPodStatus(
  c: ClusterState,
  p: KObj,
  now: number,
  state: 'creating' | 'running' | 'ready' | 'crashloop' | 'succeeded',
): boolean {
  const sim = p._sim;
  const restarts = state === 'crashloop' ? Math.floor((now - sim.runningAt) / 10_000) + 1 : 0;
  const tag = `${state}/${restarts}`;
  if (sim.status === tag) return false;
  sim.status = tag;
  const T = (ms: number | undefined) => ts(ms ?? now);
  const ready = state === 'ready';
  const running = state === 'running' || state === 'ready' || state === 'crashloop';
  const podIP = p.spec.hostNetwork
    ? c.advertiseAddress
    : `10.244.0.${2 + (parseInt(p.metadata.uid.slice(0, 2), 16) % 250)}`;
  const conditions: KObj[] = [];
  if (c.minor >= 29)
    conditions.push({
      lastProbeTime: null,
      lastTransitionTime: T(sim.runningAt ?? now),
      status: running ? 'True' : 'False',
      type: 'PodReadyToStartContainers',
    });
  conditions.push(
    { lastProbeTime: null, lastTransitionTime: T(sim.scheduledAt), status: 'True', type: 'Initialized' },
    {
      lastProbeTime: null,
      lastTransitionTime: T(ready ? sim.readyAt : sim.scheduledAt),
      status: ready ? 'True' : 'False',
      type: 'Ready',
      ...(ready
        ? {}
        : {
            message:
              state === 'crashloop'
                ? `containers with unready status: [${p.spec.containers[0].name}]`
                : `containers with unready status: [${(p.spec.containers ?? []).map((x: KObj) => x.name).join(' ')}]`,
            reason: 'ContainersNotReady',
          }),
    },
    {
      lastProbeTime: null,
      lastTransitionTime: T(ready ? sim.readyAt : sim.scheduledAt),
      status: ready ? 'True' : 'False',
      type: 'ContainersReady',
      ...(ready
        ? {}
        : {
            message: `containers with unready status: [${(p.spec.containers ?? []).map((x: KObj) => x.name).join(' ')}]`,
            reason: 'ContainersNotReady',
          }),
    },
    { lastProbeTime: null, lastTransitionTime: T(sim.scheduledAt), status: 'True', type: 'PodScheduled' },
  );
  if (state === 'succeeded') {
    p.status = {
      conditions: conditions.map((x) =>
        x.type === 'Ready' || x.type === 'ContainersReady' ? { ...x, status: 'False', reason: 'PodCompleted' } : x,
      ),
      containerStatuses: (p.spec.containers ?? []).map((x: KObj) => ({
        image: x.image,
        name: x.name,
        ready: false,
        restartCount: 0,
        started: false,
        state: {
          terminated: { exitCode: 0, reason: 'Completed', startedAt: T(sim.runningAt), finishedAt: T(sim.succeededAt) },
        },
      })),
      hostIP: c.advertiseAddress,
      phase: 'Succeeded',
      qosClass: qosClass(p),
      startTime: T(sim.scheduledAt),
    };
    return true;
  }
  p.status = {
    conditions,
    containerStatuses: (p.spec.containers ?? []).map((x: KObj) => ({
      containerID: running ? `containerd://${randomHex(32)}` : undefined,
      image: x.image,
      imageID: running ? `${String(x.image).split(':')[0]}@sha256:${randomHex(32)}` : '',
      lastState: {},
      name: x.name,
      ready,
      restartCount: restarts,
      started: running && state !== 'crashloop',
      state:
        state === 'creating'
          ? { waiting: { reason: 'ContainerCreating' } }
          : state === 'crashloop'
            ? {
                waiting: {
                  message: `back-off 10s restarting failed container=${x.name} pod=${p.metadata.name}_${p.metadata.namespace}(${p.metadata.uid})`,
                  reason: 'CrashLoopBackOff',
                },
              }
            : { running: { startedAt: T(sim.runningAt) } },
    })),
    hostIP: c.advertiseAddress,
    phase: running ? 'Running' : 'Pending',
    podIP: running ? podIP : undefined,
    podIPs: running ? [{ ip: podIP }] : undefined,
    qosClass: qosClass(p),
    startTime: T(sim.scheduledAt),
  };
  return true;
}

function nodeStatus(s: SimState, c: ClusterState, now: number): boolean {
  let changed = false;
  if (c.node.cniRunningAt === undefined) {
    const cni = listObjs(c, 'Pod').find(
      (p) =>
        isCniPod(p) &&
        p.spec.nodeName === c.nodeName &&
        p._sim.runningAt !== undefined &&
        p._sim.status?.startsWith('ready'),
    );
    if (cni) {
      c.node.cniRunningAt = cni._sim.readyAt ?? cni._sim.runningAt;
      changed = true;
    }
  }
  if (
    c.node.readyAt === undefined &&
    c.node.cniRunningAt !== undefined &&
    now >= c.node.cniRunningAt + s.timing.nodeReadyAfterCniMs
  ) {
    c.node.readyAt = c.node.cniRunningAt + s.timing.nodeReadyAfterCniMs;
    changed = true;
  }
  for (const node of listObjs(c, 'Node')) {
    // The CNI runs on every node at once in this model: nodes turn Ready together.
    const readyAt = c.node.readyAt === undefined ? undefined : Math.max(c.node.readyAt, node._sim?.createdAt ?? 0);
    const ready = readyAt !== undefined && now >= readyAt;
    if (ready && (node.spec.taints ?? []).some((t: Taint) => t.key === 'node.kubernetes.io/not-ready')) {
      node.spec.taints = (node.spec.taints ?? []).filter((t: Taint) => t.key !== 'node.kubernetes.io/not-ready');
      if (node.spec.taints.length === 0) delete node.spec.taints;
      c.node.taintsChangedAt = Math.max(c.node.taintsChangedAt, readyAt!);
      node.metadata.resourceVersion = String(++c.rv);
      changed = true;
    }
    const tag = ready ? 'ready' : 'notready';
    if (node._sim.status === tag) continue;
    node._sim.status = tag;
    const hb = ts(now);
    const since = ts(node._sim.createdAt ?? c.createdAt);
    const readyCond = ready
      ? {
          lastHeartbeatTime: hb,
          lastTransitionTime: ts(readyAt!),
          message: 'kubelet is posting ready status',
          reason: 'KubeletReady',
          status: 'True',
          type: 'Ready',
        }
      : {
          lastHeartbeatTime: hb,
          lastTransitionTime: since,
          message:
            'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
          reason: 'KubeletNotReady',
          status: 'False',
          type: 'Ready',
        };
    node.status.conditions = [
      {
        lastHeartbeatTime: hb,
        lastTransitionTime: since,
        message: 'kubelet has sufficient memory available',
        reason: 'KubeletHasSufficientMemory',
        status: 'False',
        type: 'MemoryPressure',
      },
      {
        lastHeartbeatTime: hb,
        lastTransitionTime: since,
        message: 'kubelet has no disk pressure',
        reason: 'KubeletHasNoDiskPressure',
        status: 'False',
        type: 'DiskPressure',
      },
      {
        lastHeartbeatTime: hb,
        lastTransitionTime: since,
        message: 'kubelet has sufficient PID available',
        reason: 'KubeletHasSufficientPID',
        status: 'False',
        type: 'PIDPressure',
      },
      readyCond,
    ];
    changed = true;
  }
  return changed;
}

function workloadStatuses(c: ClusterState): void {
  const nodes = listObjs(c, 'Node');
  const isReady = (p: KObj) => p._sim?.status?.startsWith('ready');
  for (const ds of listObjs(c, 'DaemonSet')) {
    const spec = ds.spec?.template?.spec ?? {};
    const desired = nodes.filter((n) => selectorMatches(n, spec) && !untolerated(n, daemonTolerations(spec))).length;
    const pods = listObjs(c, 'Pod', ds.metadata.namespace).filter((p) => ownedBy(p, ds) && p.spec.nodeName);
    const updated = pods.filter((p) => p._sim.generation === ds.metadata.generation);
    const ready = pods.filter(isReady).length;
    const available = updated.filter(isReady).length;
    ds.status = {
      currentNumberScheduled: pods.length,
      desiredNumberScheduled: desired,
      numberAvailable: available || undefined,
      numberMisscheduled: 0,
      numberReady: ready,
      numberUnavailable: desired - available > 0 ? desired - available : undefined,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: updated.length || undefined,
    };
  }
  for (const rs of listObjs(c, 'ReplicaSet')) {
    const pods = listObjs(c, 'Pod', rs.metadata.namespace).filter((p) => ownedBy(p, rs));
    const ready = pods.filter(isReady).length;
    rs.status = {
      availableReplicas: ready || undefined,
      fullyLabeledReplicas: pods.length || undefined,
      observedGeneration: rs.metadata.generation,
      readyReplicas: ready || undefined,
      replicas: pods.length,
    };
  }
  for (const d of listObjs(c, 'Deployment')) {
    const rss = listObjs(c, 'ReplicaSet', d.metadata.namespace).filter((r) => ownedBy(r, d));
    const hash = templateHash(d.spec?.template ?? {});
    const cur = rss.find((r) => r.metadata.name === `${d.metadata.name}-${hash}`);
    const replicas = rss.reduce((n, r) => n + (r.status?.replicas ?? 0), 0);
    const ready = rss.reduce((n, r) => n + (r.status?.readyReplicas ?? 0), 0);
    const want = d.spec?.replicas ?? 1;
    const available = ready;
    const created = d.metadata.creationTimestamp;
    d.status = {
      availableReplicas: available || undefined,
      conditions: [
        available >= want - 1 && available > 0
          ? {
              lastTransitionTime: created,
              lastUpdateTime: created,
              message: 'Deployment has minimum availability.',
              reason: 'MinimumReplicasAvailable',
              status: 'True',
              type: 'Available',
            }
          : {
              lastTransitionTime: created,
              lastUpdateTime: created,
              message: 'Deployment does not have minimum availability.',
              reason: 'MinimumReplicasUnavailable',
              status: 'False',
              type: 'Available',
            },
        {
          lastTransitionTime: created,
          lastUpdateTime: created,
          message: `ReplicaSet "${cur?.metadata.name ?? d.metadata.name}" is progressing.`,
          reason: 'ReplicaSetUpdated',
          status: 'True',
          type: 'Progressing',
        },
      ],
      observedGeneration: d.metadata.generation,
      readyReplicas: ready || undefined,
      replicas: replicas || undefined,
      unavailableReplicas: want - available > 0 ? want - available : undefined,
      updatedReplicas: cur?.status?.replicas || undefined,
    };
  }
}

/** What running pods do to the host: kube-proxy's and flannel's iptables rules, flannel's files and links. */
function hostEffects(sim: Sim, s: SimState, c: ClusterState): void {
  const running = listObjs(c, 'Pod').filter((p) => p._sim?.runningAt !== undefined);
  if (!c.hostEffects.kubeProxy && running.some((p) => p.metadata.name.startsWith('kube-proxy-'))) {
    addKubeProxyRules(s.host, c);
    c.hostEffects.kubeProxy = true;
  }
  const cni = running.find((p) => isCniPod(p));
  if (!c.hostEffects.cni && cni && c.podSubnet) {
    c.hostEffects.cni = true;
    const flannel = cni.metadata.name.includes('flannel');
    const cfg = listObjs(c, 'ConfigMap', cni.metadata.namespace).find((m) => m.data?.['cni-conf.json']);
    const conf =
      cfg?.data?.['cni-conf.json'] ?? '{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel"}]}\n';
    writeHostFile(sim, '/etc/cni/net.d/10-flannel.conflist', conf);
    if (flannel) {
      const podCidr = getObj(c, 'Node', undefined, c.nodeName)?.spec?.podCIDR ?? '10.244.0.0/24';
      const subnet = podCidr.replace(/\.0\/24$/, '.1/24');
      writeHostFile(
        sim,
        '/run/flannel/subnet.env',
        `FLANNEL_NETWORK=${c.podSubnet}\nFLANNEL_SUBNET=${subnet}\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n`,
      );
      if (!s.host.links.some((l) => l.name === 'flannel.1'))
        s.host.links.push({ name: 'flannel.1', kind: 'vxlan', mtu: 1450, mac: macAddr() });
      addFlannelRules(s.host, c.podSubnet);
    }
  }
  if (!c.hostEffects.cni0 && c.hostEffects.cni && running.some((p) => !p.spec.hostNetwork)) {
    c.hostEffects.cni0 = true;
    if (!s.host.links.some((l) => l.name === 'cni0'))
      s.host.links.push({ name: 'cni0', kind: 'bridge', mtu: 1450, mac: macAddr() });
    for (const p of running.filter((x) => !x.spec.hostNetwork)) {
      if (p.status?.podIP) writeHostFile(sim, `/var/lib/cni/networks/cbr0/${p.status.podIP}`, `${randomHex(32)}\neth0`);
    }
  }
}

function macAddr(): string {
  return randomHex(6)
    .replace(/(..)(?!$)/g, '$1:')
    .replace(/^./, '2');
}

export function writeHostFile(sim: Sim, p: string, text: string): void {
  const f = sim.at(p);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
}

/** The service-account and root-CA controllers: every namespace gets `default` and `kube-root-ca.crt`. */
function namespaceControllers(c: ClusterState, now: number): boolean {
  let changed = false;
  for (const ns of listObjs(c, 'Namespace')) {
    const name = ns.metadata.name;
    if (!getObj(c, 'ServiceAccount', name, 'default')) {
      putObj(c, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } }, now);
      changed = true;
    }
    if (c.minor >= 20 && !getObj(c, 'ConfigMap', name, 'kube-root-ca.crt')) {
      putObj(
        c,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            annotations: {
              'kubernetes.io/description':
                'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
            },
            name: 'kube-root-ca.crt',
            namespace: name,
          },
          data: { 'ca.crt': `-----BEGIN CERTIFICATE-----\nSIM-CLUSTER-CA ${c.id}\n-----END CERTIFICATE-----\n` },
        },
        now,
      );
      changed = true;
    }
  }
  return changed;
}

/** Where nodes join: the controlPlaneEndpoint (with the API server port when it names none), else the API server. */
export function joinAddress(c: ClusterState): string {
  const e = c.controlPlaneEndpoint;
  if (!e) return `${c.advertiseAddress}:${c.bindPort}`;
  return /:\d+$/.test(e) ? e : `${e}:${c.bindPort}`;
}

/** host:port pairs an API server of the cluster answers on: each control plane's, and the endpoint in front of them. */
export function apiServerAddresses(c: ClusterState): string[] {
  return [
    `${c.advertiseAddress}:${c.bindPort}`,
    joinAddress(c),
    ...(c.members ?? []).filter((m) => m.controlPlane && m.address).map((m) => `${m.address}:${c.bindPort}`),
  ];
}

/** Brings the model up to "now". Called before and after every tool's own work. */
export async function reconcile(sim: Sim, s: SimState): Promise<void> {
  const c = s.cluster;
  if (!c) return;
  const now = sim.now();
  // While the API server is away nothing reaches the store (the kubelet's pods keep running).
  if (!apiServerModel(sim, s, c, now)) return;
  for (let i = 0; i < 8; i++) {
    let changed = namespaceControllers(c, now);
    changed = (await kubeletMirrorPods(sim, s, c, now)) || changed;
    changed = deploymentController(c, now) || changed;
    changed = (await daemonSetController(sim, s, c, now)) || changed;
    changed = (await replicaSetController(sim, s, c, now)) || changed;
    changed = (await jobController(sim, s, c, now)) || changed;
    changed = scheduler(c, now) || changed;
    changed = kubeletPods(s, c, now) || changed;
    changed = nodeStatus(s, c, now) || changed;
    if (!changed) break;
  }
  workloadStatuses(c);
  hostEffects(sim, s, c);
}

export { randSuffix };
