/**
 * `kubestrap policy check` and `kubestrap policy can-i` as a user runs them: a real
 * process (the bundled dist/cli.js that users run), real files and stdin, exit codes and the
 * exact -o json shape the README documents for `policy check`.
 */
import test from 'ava';
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const FIX = 'test/fixtures/pods';

async function kubestrap(args: string[], input = '') {
  const r = await execa('node', [CLI, ...args], { input, reject: false });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function tmpFile(name: string, text: string): string {
  const dir = scratchDir('ks-cli');
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('seed 000: a privileged pod of a service account bound only to `unprivileged` is refused (exit 1)', async (t) => {
  const r = await kubestrap([
    'policy',
    'check',
    '-f',
    `${FIX}/seed-000.yaml`,
    '-f',
    `${FIX}/privileged-pod.yaml`,
    '-f',
    `${FIX}/plain-pod.yaml`,
  ]);
  t.is(r.code, 1, r.stderr);
  t.is(
    r.stdout,
    [
      'Pod demo/privileged: refused',
      '    spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
      'Pod demo/plain: admitted by unprivileged',
      '2 pods: 1 admitted, 1 refused',
    ].join('\n'),
  );
});

test('-o json prints exactly the contract array, one entry per pod in input order', async (t) => {
  const r = await kubestrap([
    'policy',
    'check',
    '-f',
    `${FIX}/privileged-pod.yaml`,
    '-f',
    `${FIX}/plain-pod.yaml`,
    '-f',
    `${FIX}/seed-000.yaml`,
    '-o',
    'json',
  ]);
  t.is(r.code, 1);
  const out = JSON.parse(r.stdout);
  t.true(Array.isArray(out));
  t.deepEqual(
    out.map((e: Record<string, unknown>) => Object.keys(e)),
    [
      ['kind', 'namespace', 'name', 'admitted', 'policy', 'pod', 'reasons'],
      ['kind', 'namespace', 'name', 'admitted', 'policy', 'pod', 'reasons'],
    ],
  );
  t.like(out[0], { kind: 'Pod', namespace: 'demo', name: 'privileged', admitted: false, policy: null });
  t.deepEqual(out[0].reasons, [
    'spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
  ]);
  t.like(out[1], {
    kind: 'Pod',
    namespace: 'demo',
    name: 'plain',
    admitted: true,
    policy: 'unprivileged',
    reasons: [],
  });
  t.is(out[1].pod.metadata.annotations['kubernetes.io/psp'], 'unprivileged');
});

test('stdin: a kubectl List piped in, policies from a file; workloads are named by kind', async (t) => {
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'demo' },
        spec: { template: { spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'nginx' }] } } },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'demo' } },
    ],
  };
  const r = await kubestrap(
    ['policy', 'check', '-f', '-', '-f', `${FIX}/seed-000.yaml`],
    JSON.stringify(list, null, 4),
  );
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'Deployment demo/web: admitted by unprivileged\n1 pod: 1 admitted, 0 refused');
  t.is(r.stderr, 'note: <stdin>: skipped 1 Service (not a pod, workload, PodSecurityPolicy or RBAC object)');
});

test('a defaulting policy is reported with what it changes', async (t) => {
  const r = await kubestrap(
    ['policy', 'check', '-f', `${FIX}/plain-pod.yaml`, '-f', '-', '--allow', 'nonroot'],
    [
      'apiVersion: policy/v1beta1',
      'kind: PodSecurityPolicy',
      'metadata: {name: nonroot}',
      'spec:',
      '  runAsUser: {rule: MustRunAsNonRoot}',
      '  seLinux: {rule: RunAsAny}',
      '  supplementalGroups: {rule: RunAsAny}',
      '  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}',
      '  volumes: ["*"]',
    ].join('\n'),
  );
  t.is(r.code, 0, r.stderr);
  t.is(
    r.stdout,
    [
      'Pod demo/plain: admitted by nonroot, which changes it:',
      '    spec.containers[0].securityContext: {"runAsNonRoot":true}',
      '    spec.securityContext: {"fsGroup":1}',
      '1 pod: 1 admitted, 1 of them changed by their policy, 0 refused',
    ].join('\n'),
  );
});

test('--as: the requester may use a policy its own RBAC grants', async (t) => {
  const rbac = tmpFile(
    'rbac.yaml',
    [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: {name: jane-privileged}',
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "psp:privileged"}',
      'subjects: [{kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}]',
    ].join('\n'),
  );
  const args = ['policy', 'check', '-f', `${FIX}/seed-000.yaml`, '-f', rbac, '-f', `${FIX}/privileged-pod.yaml`];
  t.is((await kubestrap(args)).code, 1);
  const r = await kubestrap([...args, '--as', 'jane']);
  t.is(r.code, 0, r.stdout);
  t.is(r.stdout.split('\n')[0], 'Pod demo/privileged: admitted by privileged');
});

test('a mirror pod has no service account when PodSecurityPolicy runs: only the node may make a policy usable', async (t) => {
  // The real 1.24 API server: ServiceAccount admission leaves mirror pods alone, so PSP asks
  // only about the requester (the node), never about the namespace's default account.
  const rbac = tmpFile(
    'rbac.yaml',
    [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: {name: default-privileged, namespace: demo}',
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "psp:privileged"}',
      'subjects: [{kind: ServiceAccount, name: default, namespace: demo}]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: {name: nodes-unprivileged}',
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "psp:unprivileged"}',
      'subjects: [{kind: Group, name: "system:nodes", apiGroup: rbac.authorization.k8s.io}]',
    ].join('\n'),
  );
  const mirror = tmpFile(
    'mirror.yaml',
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: static-web-cp, namespace: demo, annotations: {kubernetes.io/config.mirror: abc}}',
      'spec:',
      '  nodeName: cp',
      '  containers: [{name: c, image: busybox, securityContext: {privileged: true}}]',
    ].join('\n'),
  );
  const plain = tmpFile(
    'plain.yaml',
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: web, namespace: demo}',
      'spec:',
      '  containers: [{name: c, image: busybox, securityContext: {privileged: true}}]',
    ].join('\n'),
  );
  const args = ['policy', 'check', '-f', `${FIX}/seed-000.yaml`, '-f', rbac, '--as', 'system:node:cp'];
  const r = await kubestrap([...args, '--as-group', 'system:nodes', '-f', mirror, '-f', plain]);
  t.is(
    r.stdout,
    [
      'Pod demo/static-web-cp: refused',
      '    spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
      'Pod demo/web: admitted by privileged',
      '2 pods: 1 admitted, 1 refused',
    ].join('\n'),
  );
});

test('no usable policy: an empty refusal, and who could not use any', async (t) => {
  const r = await kubestrap(['policy', 'check', '-f', `${FIX}/seed-000.yaml`, '-f', `${FIX}/host-network-pod.yaml`]);
  t.is(r.code, 1);
  t.is(
    r.stdout,
    [
      'Pod demo/host-network: refused',
      '    PodSecurityPolicy: unable to admit pod: []',
      '    no PodSecurityPolicy may be used by serviceaccount demo/default in namespace demo (see the RBAC input, --as and --allow)',
      '1 pod: 0 admitted, 1 refused',
    ].join('\n'),
  );
});

test('--level: a pod is judged as the API server (1.30+) stores it, its AppArmor annotation copied into the field', async (t) => {
  // A real 1.37 API server's refusal of this pod (test/real): PodSecurity sees the field the
  // registry filled in from the annotation, beside the annotation itself.
  const pod = tmpFile(
    'apparmor.yaml',
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: aa, namespace: demo, annotations: {container.apparmor.security.beta.kubernetes.io/app: unconfined}}',
      'spec:',
      '  containers: [{name: app, image: busybox}]',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web, namespace: demo}',
      'spec:',
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}, annotations: {container.apparmor.security.beta.kubernetes.io/app: unconfined}}',
      '    spec: {containers: [{name: app, image: busybox}]}',
    ].join('\n'),
  );
  const r = await kubestrap(['policy', 'check', '-f', pod, '--level', 'baseline']);
  t.is(r.code, 1, r.stderr);
  t.is(
    r.stdout,
    [
      'Pod demo/aa: violates PodSecurity "baseline:latest"',
      '    forbidden AppArmor profiles (container "app" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/app="unconfined"")',
      // Pod templates are checked as written: only pods go through the registry's copy.
      'Deployment demo/web: violates PodSecurity "baseline:latest"',
      '    forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/app="unconfined"")',
      '2 pods: 0 admitted, 2 refused',
    ].join('\n'),
  );
});

test('--level: Pod Security Standards mode and its JSON shape', async (t) => {
  const r = await kubestrap([
    'policy',
    'check',
    '-f',
    `${FIX}/ingress-nginx-controller.yaml`,
    '-f',
    `${FIX}/privileged-pod.yaml`,
    '--level',
    'restricted',
    '--pss-version',
    'v1.24',
    '-o',
    'json',
  ]);
  t.is(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  t.deepEqual(Object.keys(out[0]), ['kind', 'namespace', 'name', 'admitted', 'level', 'version', 'violations']);
  t.like(out[0], {
    kind: 'Deployment',
    namespace: 'ingress-nginx',
    name: 'ingress-nginx-controller',
    admitted: true,
    level: 'restricted',
    version: 'v1.24',
    violations: [],
  });
  t.like(out[1], { kind: 'Pod', name: 'privileged', admitted: false });
  t.true(out[1].violations.length > 0);
  t.deepEqual(Object.keys(out[1].violations[0]), ['check', 'message']);
  t.is(out[1].violations[0].message, 'privileged (container "c" must not set securityContext.privileged=true)');
});

test('--level restricted: a volume with no source is the emptyDir the API server makes of it (exit 0)', async (t) => {
  // Stdin, so this test writes no file. restrictedvolumes0's shape: `volumes: [{name: volume0}]`.
  const pod = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: scratch, namespace: demo}',
    'spec:',
    '  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}',
    '  containers:',
    '    - name: c',
    '      image: registry.example/app:1',
    '      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}',
    '      volumeMounts: [{name: volume0, mountPath: /scratch}]',
    '  volumes:',
    '    - name: volume0',
  ].join('\n');
  const r = await kubestrap(['policy', 'check', '-f', '-', '--level', 'restricted'], pod);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(r.stdout, 'Pod demo/scratch: allowed by restricted:latest\n1 pod: 1 admitted, 0 refused');
});

test('bad input is exit 2 with the file, line and column, and nothing on stdout', async (t) => {
  const broken = tmpFile('broken.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n');
  const r = await kubestrap(['policy', 'check', '-f', `${FIX}/seed-000.yaml`, '-f', broken, '-o', 'json']);
  t.is(r.code, 2);
  t.is(r.stdout, '');
  t.is(r.stderr, `error: ${broken}:5:3: invalid YAML: duplicated mapping key`);
});

test('bad input after pods were judged: exit 2 and still nothing on stdout, in both modes', async (t) => {
  // Pods are judged as they are read; their results must not escape before the input is known good.
  const pods = Array.from({ length: 300 }, (_, i) =>
    [
      '---',
      'apiVersion: v1',
      'kind: Pod',
      `metadata: {name: p${i}, namespace: demo}`,
      'spec:',
      '  containers: [{name: c, image: x}]',
    ].join('\n'),
  ).join('\n');
  const file = tmpFile('late-error.yaml', `${pods}\n---\nkind: Pod\nmetadata: {name: bad\n`);
  const line = 300 * 6 + 4;
  for (const args of [
    ['--level', 'restricted', '-o', 'json'],
    ['--level', 'baseline'],
    ['-f', `${FIX}/seed-000.yaml`, '-o', 'json'],
  ]) {
    const r = await kubestrap(['policy', 'check', ...args, '-f', file]);
    t.is(r.code, 2, args.join(' '));
    t.is(r.stdout, '', args.join(' '));
    t.regex(
      r.stderr,
      new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: invalid YAML: `),
    );
  }
});

test('PSP mode: policies after the pods give the same results as policies first (a second pass)', async (t) => {
  const first = await kubestrap([
    'policy',
    'check',
    '-f',
    `${FIX}/seed-000.yaml`,
    '-f',
    `${FIX}/privileged-pod.yaml`,
    '-f',
    `${FIX}/plain-pod.yaml`,
    '-o',
    'json',
  ]);
  const last = await kubestrap([
    'policy',
    'check',
    '-f',
    `${FIX}/privileged-pod.yaml`,
    '-f',
    `${FIX}/plain-pod.yaml`,
    '-f',
    `${FIX}/seed-000.yaml`,
    '-o',
    'json',
  ]);
  t.is(first.code, 1);
  t.is(last.code, 1);
  t.is(JSON.parse(first.stdout).length, 2);
  t.is(last.stdout, first.stdout);
  // Policies split around the pods: the pods are judged with both, as with both first.
  const docs = readFileSync(`${FIX}/seed-000.yaml`, 'utf8')
    .split(/^---\n/m)
    .filter((d) => d.trim() !== '');
  const half = Math.ceil(docs.length / 2);
  const a = tmpFile(
    'a.yaml',
    docs
      .slice(0, half)
      .map((d) => `---\n${d}`)
      .join(''),
  );
  const b = tmpFile(
    'b.yaml',
    docs
      .slice(half)
      .map((d) => `---\n${d}`)
      .join(''),
  );
  const split = await kubestrap([
    'policy',
    'check',
    '-f',
    a,
    '-f',
    `${FIX}/privileged-pod.yaml`,
    '-f',
    `${FIX}/plain-pod.yaml`,
    '-f',
    b,
    '-o',
    'json',
  ]);
  t.is(split.stdout, first.stdout);
});

test('neither PodSecurityPolicies nor --level is exit 2 with a clear message', async (t) => {
  const r = await kubestrap(['policy', 'check', '-f', `${FIX}/plain-pod.yaml`]);
  t.is(r.code, 2);
  t.regex(r.stderr, /no PodSecurityPolicy and no --level was given/);
});

test('-f is required; a missing file is exit 2', async (t) => {
  t.is((await kubestrap(['policy', 'check'])).code, 2);
  const r = await kubestrap(['policy', 'check', '-f', 'nope.yaml']);
  t.is(r.code, 2);
  t.is(r.stderr, 'error: nope.yaml: no such file');
});

test('can-i answers yes/no like kubectl, with the 1.24 scope warning', async (t) => {
  const yes = await kubestrap([
    'policy',
    'can-i',
    'use',
    'podsecuritypolicy/unprivileged',
    '--as',
    'system:serviceaccount:demo:app',
    '-n',
    'demo',
    '-f',
    `${FIX}/seed-000.yaml`,
  ]);
  t.is(yes.code, 0);
  t.is(yes.stdout, 'yes');
  t.is(yes.stderr, "Warning: resource 'podsecuritypolicies' is not namespace scoped in group 'policy'");

  const no = await kubestrap([
    'policy',
    'can-i',
    'use',
    'psp/privileged',
    '--as',
    'system:serviceaccount:demo:app',
    '-n',
    'demo',
    '-f',
    `${FIX}/seed-000.yaml`,
  ]);
  t.is(no.code, 1);
  t.is(no.stdout, 'no');

  const kubeSystem = await kubestrap([
    'policy',
    'can-i',
    'use',
    'podsecuritypolicy/privileged',
    '--as',
    'system:serviceaccount:kube-system:x',
    '-n',
    'kube-system',
    '-f',
    `${FIX}/seed-000.yaml`,
    '-q',
  ]);
  t.is(kubeSystem.code, 0);
  t.is(kubeSystem.stdout, '');

  const cluster = await kubestrap([
    'policy',
    'can-i',
    'use',
    'podsecuritypolicy/unprivileged',
    '--as',
    'system:serviceaccount:demo:app',
    '-A',
    '-f',
    `${FIX}/seed-000.yaml`,
  ]);
  t.is(cluster.code, 1, 'a RoleBinding does not grant cluster-wide');
  t.is(cluster.stderr, '');
});

test('warnings: a policy that cannot be used, spaces in profile lists, an --allow naming nothing', async (t) => {
  const psps = tmpFile(
    'psps.yaml',
    [
      'apiVersion: policy/v1beta1',
      'kind: PodSecurityPolicy',
      'metadata: {name: no-ranges}',
      'spec: {runAsUser: {rule: MustRunAs}, seLinux: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}}',
      '---',
      'apiVersion: policy/v1beta1',
      'kind: PodSecurityPolicy',
      'metadata:',
      '  name: spaced',
      '  annotations: {seccomp.security.alpha.kubernetes.io/allowedProfileNames: "docker/default, runtime/default"}',
      'spec: {runAsUser: {rule: RunAsAny}, seLinux: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}, volumes: ["*"]}',
    ].join('\n'),
  );
  const r = await kubestrap([
    'policy',
    'check',
    '-f',
    psps,
    '-f',
    `${FIX}/plain-pod.yaml`,
    '--allow',
    'spaced,no-ranges,typo',
  ]);
  t.is(r.code, 1);
  t.deepEqual(r.stderr.split('\n'), [
    'warning: PodSecurityPolicy no-ranges cannot be used (MustRunAs requires at least one range); the admission controller skips it',
    'warning: PodSecurityPolicy spaced: seccomp.security.alpha.kubernetes.io/allowedProfileNames has spaces around a name; Kubernetes does not trim them, so that name matches no profile',
    'warning: --allow typo: no PodSecurityPolicy of that name in the input',
  ]);
});
