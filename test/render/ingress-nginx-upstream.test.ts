/**
 * kubestrap's ingress-nginx is upstream's bare-metal manifest of the pinned release
 * (test/fixtures/upstream: v1.3.0 for 1.20-1.24, v1.14.5 from 1.25) except where kubestrap
 * must differ: no Namespace object (kubestrap's own comes first, with its pod security),
 * the namespace when the config names another, and with ingress.hostPorts the node's ports
 * (hostPort, a ClusterIP service, and for v1.3 a rolling update that frees them first).
 * Anything else that drifts fails here. The pods it makes are admitted by the offline engines
 * as the API server would: by the ingress-nginx policy in PSP mode, at the namespace's level
 * in PSS mode, the certgen jobs' too.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { INGRESS_NGINX_RELEASES, ingressNginxFor } from '../../src/versions.js';
import { REPO_ROOT } from '../sim/install.js';
import { renderText } from '../helpers/render.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../lab/helpers.js';

type Obj = Record<string, any>;

function upstream(version: string): Obj[] {
  const file = path.join(REPO_ROOT, `test/fixtures/upstream/ingress-nginx-${version}-baremetal.yaml`);
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
}

const key = (o: Obj) => `${o.kind}/${o.metadata.name}`;

/** Sets what kubestrap may change back to upstream's, naming each difference it found. */
function normalise(o: Obj, like: Obj): string[] {
  const seen = new Set<string>();
  const set = (what: string, get: () => unknown, put: (v: unknown) => void, to: unknown) => {
    if (JSON.stringify(get()) !== JSON.stringify(to)) seen.add(what);
    put(to);
  };
  if (like.metadata.namespace !== undefined)
    set(
      'namespace',
      () => o.metadata.namespace,
      (v) => (o.metadata.namespace = v),
      like.metadata.namespace,
    );
  (o.subjects ?? []).forEach((s: Obj, i: number) =>
    set(
      'namespace',
      () => s.namespace,
      (v) => (s.namespace = v),
      like.subjects[i].namespace,
    ),
  );
  (o.webhooks ?? []).forEach((w: Obj, i: number) =>
    set(
      'namespace',
      () => w.clientConfig.service.namespace,
      (v) => (w.clientConfig.service.namespace = v),
      like.webhooks[i].clientConfig.service.namespace,
    ),
  );
  if (o.kind === 'Service' && o.metadata.name === 'ingress-nginx-controller')
    set(
      'Service type',
      () => o.spec.type,
      (v) => (o.spec.type = v),
      like.spec.type,
    );
  if (o.kind === 'Deployment') {
    for (const p of o.spec.template.spec.containers[0].ports)
      if (p.hostPort !== undefined) {
        seen.add('hostPort');
        delete p.hostPort;
      }
    set(
      'strategy',
      () => o.spec.strategy,
      (v) => (o.spec.strategy = v),
      like.spec.strategy,
    );
    if (o.spec.strategy === undefined) delete o.spec.strategy;
  }
  return [...seen];
}

function compare(t: import('ava').ExecutionContext, config: string, version: string, allowed: string[]) {
  const theirs = new Map(upstream(version).map((o) => [key(o), o]));
  const ours = renderText(config).file('04-ingress-nginx.yaml').objects as Obj[];
  const differences = new Set<string>();
  for (const o of ours) {
    const mine = structuredClone(o);
    const like = theirs.get(key(mine));
    if (!like) {
      t.fail(`${key(mine)} is not one of upstream's objects`);
      continue;
    }
    for (const d of normalise(mine, like)) differences.add(d);
    t.deepEqual(mine, like, `${key(mine)} matches upstream apart from the allowed differences`);
  }
  const missing = [...theirs.keys()].filter((k) => !ours.some((o) => key(o) === k));
  t.deepEqual(
    missing,
    ['Namespace/ingress-nginx'],
    "every upstream object but the Namespace (kubestrap's own comes first)",
  );
  t.deepEqual([...differences].sort(), [...allowed].sort(), 'exactly the differences this config calls for');
}

test('1.31 (PSS) installs upstream ingress-nginx v1.14.5 as released: the same objects, images and NodePort service', (t) => {
  compare(t, 'kubernetesVersion: v1.31.4\ningress: {enabled: true}\n', 'v1.14.5', []);
});

test('1.24 (PSP) installs upstream v1.3.0; another namespace and host ports are the only differences they make', (t) => {
  compare(t, 'kubernetesVersion: v1.24.17\ningress: {enabled: true}\n', 'v1.3.0', []);
  compare(t, 'kubernetesVersion: v1.24.17\ningress: {enabled: true, namespace: edge, hostPorts: true}\n', 'v1.3.0', [
    'namespace',
    'Service type',
    'hostPort',
    'strategy',
  ]);
  compare(t, 'kubernetesVersion: v1.37.1\ningress: {enabled: true, hostPorts: true}\n', 'v1.14.5', [
    'Service type',
    'hostPort',
  ]);
});

test('the release per minor follows its support table, with a warning where no release lists the minor', (t) => {
  t.is(ingressNginxFor(19), undefined);
  t.is(ingressNginxFor(24)?.release.version, 'v1.3.0');
  t.deepEqual(ingressNginxFor(31), { release: INGRESS_NGINX_RELEASES[1], tested: true });
  t.false(ingressNginxFor(37)!.tested);
  t.deepEqual(renderText('kubernetesVersion: v1.31.4\ningress: {enabled: true}\n').warnings, []);
  t.regex(
    renderText('kubernetesVersion: v1.37.1\ningress: {enabled: true}\n').warnings.join('\n'),
    /ingress-nginx v1\.14\.5, the release kubestrap installs on v1\.37, is tested on 1\.30-1\.34 only/,
  );
});

/** The controller Deployment and both certgen Jobs as the offline admission engines judge them. */
async function judge(t: import('ava').ExecutionContext, config: string, extra: string[]) {
  const r = renderText(config);
  const dir = tmpDir('ingress');
  const files = ['03-ingress.yaml', '04-ingress-nginx.yaml'].map((f) => {
    const p = path.join(dir, f);
    writeFileSync(p, r.file(f).text);
    return p;
  });
  const out = await runCli(['policy', 'check', ...files.flatMap((f) => ['-f', f]), ...extra, '-o', 'json']);
  const verdicts = JSON.parse(out.stdout) as Obj[];
  t.deepEqual(verdicts.map((v) => `${v.kind}/${v.name}`).sort(), [
    'Deployment/ingress-nginx-controller',
    'Job/ingress-nginx-admission-create',
    'Job/ingress-nginx-admission-patch',
  ]);
  return { verdicts, exitCode: out.exitCode };
}

test('PSP mode: the controller and the certgen jobs are admitted by the ingress-nginx policy, host ports only with hostPorts', async (t) => {
  for (const hostPorts of [false, true]) {
    const { verdicts, exitCode } = await judge(
      t,
      `kubernetesVersion: v1.24.17\ningress: {enabled: true, hostPorts: ${hostPorts}}\n`,
      [],
    );
    t.is(exitCode, 0);
    for (const v of verdicts)
      t.like(v, { admitted: true, policy: 'ingress-nginx' }, `${v.name} (hostPorts ${hostPorts})`);
  }
  const policy = renderText('kubernetesVersion: v1.24.17\ningress: {enabled: true}\n').find(
    'PodSecurityPolicy',
    'ingress-nginx',
  ) as Obj;
  t.is(policy.spec.hostPorts, undefined, 'no host ports unless asked for');
});

test("PSS mode: they pass the namespace's level (restricted for v1.14, baseline for v1.3's controller), privileged with host ports", async (t) => {
  const enforce = (config: string) =>
    (renderText(config).find('Namespace', 'ingress-nginx') as Obj).metadata.labels[
      'pod-security.kubernetes.io/enforce'
    ];
  t.is(enforce('kubernetesVersion: v1.31.4\ningress: {enabled: true}\n'), 'restricted');
  t.is(enforce('kubernetesVersion: v1.24.17\npodSecurity: {mode: pss}\ningress: {enabled: true}\n'), 'baseline');
  const old = await judge(t, 'kubernetesVersion: v1.24.17\npodSecurity: {mode: pss}\ningress: {enabled: true}\n', [
    '--level',
    'baseline',
    '--pss-version',
    'v1.24',
  ]);
  for (const v of old.verdicts) t.true(v.admitted, `v1.3.0 ${v.name} at baseline`);
  for (const l of ['baseline', 'restricted']) {
    const { verdicts } = await judge(t, 'kubernetesVersion: v1.31.4\ningress: {enabled: true}\n', [
      '--level',
      l,
      '--pss-version',
      'v1.31',
    ]);
    for (const v of verdicts) t.true(v.admitted, `${v.name} at ${l}: ${JSON.stringify(v.violations)}`);
  }
  const hp = renderText('kubernetesVersion: v1.31.4\ningress: {enabled: true, hostPorts: true}\n');
  t.is(
    (hp.find('Namespace', 'ingress-nginx') as Obj).metadata.labels['pod-security.kubernetes.io/enforce'],
    'privileged',
  );
  const { verdicts } = await judge(t, 'kubernetesVersion: v1.31.4\ningress: {enabled: true, hostPorts: true}\n', [
    '--level',
    'baseline',
  ]);
  t.false(verdicts.find((v) => v.kind === 'Deployment')!.admitted, 'baseline refuses host ports: hence privileged');
});

test('before 1.20 ingress.enabled is refused with the field and what to do', async (t) => {
  const dir = tmpDir('ingress-old');
  writeFileSync(
    path.join(dir, 'cluster.yaml'),
    'kubernetesVersion: v1.19.16\ningress:\n  enabled: true\npodSecurity: {privilegedNamespaces: [kube-system, kube-flannel]}\n',
  );
  const r = await runCli(['render', '-o', path.join(dir, 'out')], { cwd: dir });
  t.is(r.exitCode, 2);
  t.regex(
    r.stderr,
    /cluster\.yaml:3:\d+: ingress\.enabled: kubestrap installs ingress-nginx on Kubernetes v1\.20 and newer/,
  );
});
