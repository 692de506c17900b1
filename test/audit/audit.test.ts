/**
 * The audit's verdicts offline, on snapshots built from fixtures: the seeds'
 * scenarios (a privileged pod whose service account may use only `unprivileged`;
 * a root pod under privileged-root-volumes-restricted), proposed changes, who
 * creates a pod, and Pod Security Standards levels.
 */
import test from 'ava';
import { audit, printAudit } from '../../src/audit/report.js';
import { collectSubjects } from '../../src/audit/evaluate.js';
import { changesForIf, planBind, planDisassociate, planUnbind } from '../../src/changes/pod-security.js';
import { auditChanges, simulate } from '../../src/changes/simulate.js';
import { render } from '../../src/render/index.js';
import { UserError } from '../../src/errors.js';
import type { KubeObject } from '../../src/k8s/objects.js';
import { apiServerMirror, config, fixtureObjects, ns, running, snapshot } from './helpers.js';

const PSP_ON = ['--enable-admission-plugins=NodeRestriction,PodSecurityPolicy'];
const PSP_OFF = ['--enable-admission-plugins=NodeRestriction'];

function seed000(flags: string[]): KubeObject[] {
  const [priv] = fixtureObjects('privileged-pod.yaml');
  const [plain] = fixtureObjects('plain-pod.yaml');
  return [
    ns('demo'),
    ns('kube-system'),
    ...fixtureObjects('seed-000.yaml'),
    // The admin (system:masters may use every policy) created it, so `privileged` admitted it.
    running(
      priv,
      flags.some((f) => f.includes('PodSecurityPolicy')) ? { annotations: { 'kubernetes.io/psp': 'privileged' } } : {},
    ),
    running(plain),
    apiServerMirror(flags),
  ];
}

function lines(r: ReturnType<typeof audit>): string[] {
  const out: string[] = [];
  printAudit({ out: (l) => out.push(l), err: () => {} }, r);
  return out;
}

test('seed 000: the privileged pod runs (its creator could use `privileged`) but would be refused if re-created', (t) => {
  const r = audit(snapshot(seed000(PSP_ON)));
  const e = r.entries.find((x) => x.name === 'privileged')!;
  t.is(e.admittedBy, 'privileged');
  t.like(e.now, { mode: 'psp', enforced: true, admitted: false, policy: null });
  t.deepEqual(e.now.mode === 'psp' && e.now.reasons, [
    'spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
  ]);
  t.is(e.createdBy, 'its creator (not recorded: only the service account counts)');
  t.like(r.entries.find((x) => x.name === 'plain')!.now, { admitted: true, policy: 'unprivileged' });
  // Seed 000 grants `privileged` to kube-system's service accounts only. A mirror pod has no
  // service account when PodSecurityPolicy runs, so only the node counts, and it may use
  // nothing: a real 1.24 API server refuses the control plane's mirror pods (test/real).
  t.like(r.entries.find((x) => x.name === 'kube-apiserver-cp')!.now, { admitted: false, policy: null, reasons: [] });
  t.like(r.summary, { pods: 3, workloads: 0, refusedNow: 2, refusedAfter: null });
  t.true(r.admission.podSecurityPolicy);
  const text = lines(r);
  t.true(text.includes('Pod demo/privileged (sa app): refused; running, admitted by privileged when created'));
  t.true(
    text.includes(
      '    spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
    ),
  );
  t.true(text.includes('Pod demo/plain (sa app): admitted by unprivileged'));
  t.is(text.at(-1), '3 pods and 0 workload templates, 2 refused now');
  // The JSON document is the same report.
  const json = JSON.parse(JSON.stringify(r));
  t.deepEqual(json.blockers, []);
  t.is(json.entries.find((x: any) => x.name === 'privileged').now.reasons.length, 1);
});

test('seed 000 with the plugin off: `--if enable` names exactly the pod that turning it on would refuse', (t) => {
  const s = snapshot(seed000(PSP_OFF));
  const now = audit(s);
  t.false(now.admission.podSecurityPolicy);
  t.like(now.summary, { refusedNow: 0 });
  t.like(now.entries.find((x) => x.name === 'privileged')!.now, { enforced: false, admitted: false });
  const changes = changesForIf({ snapshot: s, config: config() }, ['enable'], {
    level: 'restricted',
    exempt: ['kube-system'],
  });
  // kubestrap's default policy and what kube-system needs, then the plugin.
  t.deepEqual(
    changes.map((c) => (c.type === 'apply' ? `${c.object.kind}/${c.object.metadata.name}` : c.type)),
    [
      'PodSecurityPolicy/restricted',
      'ClusterRole/psp:restricted',
      'ClusterRoleBinding/psp:restricted',
      'RoleBinding/psp:privileged',
      'admission',
    ],
  );
  const r = auditChanges(s, ['enable'], changes);
  t.deepEqual(
    r.blockers.map((b) => `${b.kind} ${b.namespace}/${b.name}`),
    ['Pod demo/privileged'],
  );
  t.like(r.summary, { refusedNow: 0, refusedAfter: 1, newlyRefused: 1 });
  t.true(
    lines(r).includes('Pod demo/privileged (sa app): now PodSecurityPolicy off (when on: refused); after: REFUSED'),
    lines(r).join('\n'),
  );
});

test('seed 002: a pod that names no user is admitted by privileged-root-volumes-restricted with runAsNonRoot forced, and warned about', (t) => {
  const cfg = config(
    'v1.24.17',
    'tenants: [{namespace: ops, serviceAccounts: [runner], policy: privileged-root-volumes-restricted}]\n',
  );
  const rendered = render(cfg)
    .artifacts.filter((a) => a.kind === 'manifest')
    .flatMap((a) => a.objects) as unknown as KubeObject[];
  const [plain] = fixtureObjects('plain-pod.yaml');
  const pod = running({
    ...plain,
    metadata: { ...plain.metadata, namespace: 'ops' },
    spec: { ...plain.spec, serviceAccountName: 'runner' },
  });
  const r = audit(snapshot([ns('kube-system'), ...rendered, pod, apiServerMirror(PSP_ON)]));
  const e = r.entries.find((x) => x.namespace === 'ops')!;
  t.like(e.now, { admitted: true, policy: 'privileged-root-volumes-restricted' });
  t.true(
    e.now.mode === 'psp' &&
      e.now.changes.includes(
        'spec.containers[0].securityContext: {"runAsNonRoot":true,"allowPrivilegeEscalation":false}',
      ),
  );
  t.regex(e.now.warnings[0], /runAsNonRoot: the kubelet will refuse to start a container whose image runs as root/);
  const text = lines(r);
  const at = text.indexOf(
    'Pod ops/plain (sa runner): admitted by privileged-root-volumes-restricted, which changes it',
  );
  t.true(at >= 0, text.join('\n'));
  t.is(text[at + 1], '    spec.containers[0].securityContext: {"runAsNonRoot":true,"allowPrivilegeEscalation":false}');
  t.regex(text.slice(at).find((l) => l.includes('warning:'))!, /^    warning: the policy sets runAsNonRoot/);
});

test('who creates a pod: controllers, the node for mirror pods; owned workloads and finished pods are not judged twice', (t) => {
  const dep: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo', uid: 'd1' },
    spec: { template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'web-1',
      namespace: 'demo',
      uid: 'r1',
      ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }],
    },
    spec: dep.spec,
  };
  const pod: KubeObject = running({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1-x',
      namespace: 'demo',
      ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1', controller: true }],
    },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
  const done: KubeObject = { ...pod, metadata: { ...pod.metadata, name: 'job-x' }, status: { phase: 'Succeeded' } };
  const subjects = collectSubjects(snapshot([ns('demo'), dep, rs, pod, done, apiServerMirror(PSP_ON)]));
  t.deepEqual(
    subjects.map((s) => `${s.kind} ${s.name} ${s.createdBy}${s.requester ? ` as ${s.requester.name}` : ''}`),
    [
      'Deployment web replicaset-controller as system:serviceaccount:kube-system:replicaset-controller',
      'Pod web-1-x replicaset-controller as system:serviceaccount:kube-system:replicaset-controller',
      'Pod kube-apiserver-cp node cp (mirror pod) as system:node:cp',
    ],
  );
});

test('disassociating the default policy: pods that relied on it are named by namespace; kube-system keeps privileged', (t) => {
  const cfg = config();
  const rendered = render(cfg)
    .artifacts.filter((a) => a.step === 'pod-security')
    .flatMap((a) => a.objects) as unknown as KubeObject[];
  const [plain] = fixtureObjects('plain-pod.yaml');
  const s = snapshot([ns('demo'), ns('kube-system'), ...rendered, running(plain), apiServerMirror(PSP_ON)]);
  const { changes } = planDisassociate({ snapshot: s, config: cfg }, 'restricted');
  t.deepEqual(
    changes.map((c) => `${c.type} ${c.type === 'apply' ? c.object.metadata.name : 'name' in c ? c.name : ''}`),
    ['delete psp:restricted', 'label psp:restricted'],
  );
  const r = auditChanges(s, ['disassociate'], changes, { assumeEnforced: true });
  t.deepEqual(r.blockers, [
    { kind: 'Pod', namespace: 'demo', name: 'plain', reasons: ['PodSecurityPolicy: unable to admit pod: []'] },
  ]);
  t.like(r.entries.find((e) => e.name === 'kube-apiserver-cp')!.after, { admitted: true, policy: 'privileged' });

  // Bound in its namespace first, the same disassociation breaks nothing.
  const inp = { snapshot: s, config: cfg };
  const bind = planBind(inp, { namespace: 'demo', serviceAccounts: ['app'], all: false, policy: 'restricted' });
  const bound = simulate(s, bind);
  t.deepEqual(
    planBind(
      { snapshot: bound, config: cfg },
      { namespace: 'demo', serviceAccounts: ['app'], all: false, policy: 'restricted' },
    ),
    [],
    'bind is idempotent',
  );
  const after = auditChanges(
    bound,
    ['disassociate'],
    planDisassociate({ snapshot: bound, config: cfg }, 'restricted').changes,
    { assumeEnforced: true },
  );
  t.deepEqual(after.blockers, []);
  // Unbinding the only subject deletes the binding and kubestrap's Role.
  t.deepEqual(
    planUnbind(
      { snapshot: bound, config: cfg },
      { namespace: 'demo', serviceAccounts: ['app'], all: false, policy: 'restricted' },
    ).map((c) => `${c.type} ${'kind' in c ? c.kind : ''}`),
    ['delete RoleBinding', 'delete Role'],
  );
});

test('Pod Security Standards: each namespace level (label, default, exempt), what its pods meet, and `--if level=`', (t) => {
  const [plain] = fixtureObjects('plain-pod.yaml');
  const [priv] = fixtureObjects('privileged-pod.yaml');
  const objects = [
    ns('demo', { 'pod-security.kubernetes.io/enforce': 'restricted' }),
    ns('apps'),
    ns('kube-system'),
    running(plain),
    running({ ...priv, metadata: { ...priv.metadata, namespace: 'apps' } }),
    apiServerMirror(['--enable-admission-plugins=NodeRestriction']),
  ];
  const s = snapshot(objects, 'v1.31.4', 'pss');
  const r = audit(s);
  t.deepEqual(
    r.namespaces.map((n) => `${n.namespace} ${n.now.level}:${n.now.version} ${n.now.source} meets ${n.now.meets}`),
    [
      'apps privileged:latest default meets privileged',
      'demo restricted:latest label meets baseline',
      'kube-system privileged:latest default meets privileged',
    ],
  );
  const plainVerdict = r.entries.find((e) => e.name === 'plain')!.now;
  t.like(plainVerdict, { mode: 'pss', admitted: false, level: 'restricted' });
  t.is(r.summary.refusedNow, 1);
  const inp = { snapshot: s, config: config('v1.31.4') };
  const baseline = auditChanges(
    s,
    ['level=apps:baseline'],
    changesForIf(inp, ['level=apps:baseline'], { level: 'restricted', exempt: [] }),
  );
  t.deepEqual(
    baseline.blockers.map((b) => b.name),
    ['privileged'],
  );
  t.regex(
    baseline.blockers[0].reasons[0],
    /^privileged \(container "c" must not set securityContext\.privileged=true\)$/,
  );
  const enable = auditChanges(
    s,
    ['enable'],
    changesForIf(inp, ['enable=baseline'], { level: 'restricted', exempt: ['kube-system'] }),
  );
  t.deepEqual(
    enable.blockers.map((b) => `${b.namespace}/${b.name}`),
    ['apps/privileged'],
  );
  t.like(enable.namespaces.find((n) => n.namespace === 'kube-system')!.after, { source: 'exempt' });
});

test('bad --if values are input errors naming the flag', (t) => {
  const s = snapshot(seed000(PSP_ON));
  const inp = { snapshot: s, config: config() };
  const opts = { level: 'restricted' as const, exempt: [] };
  for (const [arg, msg] of [
    ['turn-on', /unknown change "turn-on"/],
    ['level=demo:restricted', /level=NS:LEVEL is for Pod Security Standards/],
    ['enable=strict', /"strict" is not a level/],
    ['bind=demo', /bind needs NAMESPACE:POLICY/],
    ['bind=nope:restricted', /namespace nope does not exist/],
  ] as const) {
    const e = t.throws(() => changesForIf(inp, [arg], opts), { instanceOf: UserError });
    t.regex(e.toString(), msg);
  }
});
