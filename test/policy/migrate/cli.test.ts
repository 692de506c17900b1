/**
 * `kubestrap policy migrate` as a user runs it: a real process, files and stdin, exit
 * codes, and each output format (-o yaml with --to vap is only Kubernetes objects for
 * `kubectl apply -f -`, the explanations on stderr).
 */
import test from 'ava';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { schemaProblems } from '../../helpers/k8s-schema.js';
import { scratchDir } from '../../helpers/scratch.js';
import { CLI } from '../../helpers/cli.js';

const SEED = 'test/fixtures/pods/seed-000.yaml';

async function kubestrap(args: string[], input = '') {
  const r = await execa('node', [CLI, 'policy', 'migrate', ...args], {
    input,
    reject: false,
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function tmpFile(name: string, text: string): string {
  const dir = scratchDir('ks-migrate');
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('--to vap -o yaml: only Kubernetes objects on stdout, valid for their schema; the report on stderr', async (t) => {
  const r = await kubestrap(['-f', SEED, '--to', 'vap', '-o', 'yaml', '--kubernetes-version', 'v1.30']);
  t.is(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  t.deepEqual(
    docs.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.name}`),
    [
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy psp-privileged',
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding psp-privileged',
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy psp-unprivileged',
      'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding psp-unprivileged',
    ],
  );
  for (const d of docs) t.deepEqual(schemaProblems(d), []);
  t.deepEqual(docs[3].spec.matchResources.namespaceSelector.matchExpressions, [
    { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['demo'] },
  ]);
  t.regex(r.stderr, /^PodSecurityPolicy privileged$/m);
  t.regex(
    r.stderr,
    /ValidatingAdmissionPolicy psp-unprivileged \(admissionregistration.k8s.io\/v1\), \d+ rules, bound to namespaces demo/,
  );
  t.notRegex(r.stdout, /PodSecurityPolicy unprivileged$/m);
});

test('-o json: one document with the policies, namespaces and objects', async (t) => {
  const r = await kubestrap(['-f', SEED, '-o', 'json', '--kubernetes-version', '1.31']);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.deepEqual(Object.keys(out), ['kubernetesVersion', 'to', 'policies', 'namespaces', 'objects', 'notes']);
  t.like(out, { kubernetesVersion: 'v1.31', to: 'all' });
  const unprivileged = out.policies.find((p: { name: string }) => p.name === 'unprivileged');
  t.deepEqual(unprivileged.namespaces, ['demo']);
  t.like(unprivileged.pss, { level: 'privileged', target: 'privileged' });
  t.true(unprivileged.vap.validations.some((v: { id: string }) => v.id === 'privileged'));
  t.like(out.namespaces[0], { namespace: 'demo', policies: ['unprivileged'], target: 'privileged' });
  t.deepEqual(out.namespaces[0].dryRun, [
    'kubectl',
    'label',
    '--dry-run=server',
    '--overwrite',
    'ns',
    'demo',
    'pod-security.kubernetes.io/enforce=privileged',
    'pod-security.kubernetes.io/enforce-version=v1.31',
  ]);
  t.is(out.objects.length, 4);
  t.is(r.stderr, '');
});

test('--to pss, text: the level, defaults, gaps and the dry run per namespace', async (t) => {
  const policy = tmpFile(
    'restricted.yaml',
    [
      'apiVersion: policy/v1beta1',
      'kind: PodSecurityPolicy',
      'metadata:',
      '  name: restricted',
      '  annotations:',
      '    seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default',
      '    seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default',
      'spec:',
      '  privileged: false',
      '  allowPrivilegeEscalation: false',
      '  requiredDropCapabilities: [ALL]',
      '  volumes: [configMap, secret, emptyDir, projected]',
      '  runAsUser: {rule: MustRunAsNonRoot}',
      '  seLinux: {rule: RunAsAny}',
      '  supplementalGroups: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}',
      '  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: {name: "psp:restricted"}',
      'rules: [{apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use], resourceNames: [restricted]}]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: {name: "psp:restricted", namespace: shop}',
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "psp:restricted"}',
      'subjects: [{kind: Group, name: "system:serviceaccounts:shop", apiGroup: rbac.authorization.k8s.io}, {kind: User, name: jane}]',
    ].join('\n'),
  );
  const r = await kubestrap(['-f', policy, '--to', 'pss', '--kubernetes-version', 'v1.29.3']);
  t.is(r.code, 0, r.stderr);
  const out = r.stdout;
  t.regex(
    out,
    /^  Pod Security Standards: restricted; only privileged admits everything the policy admits, because of:$/m,
  );
  t.regex(out, /^    seLinux \{"rule":"RunAsAny"\}: Baseline & Restricted: rule MustRunAs/m);
  t.regex(out, /^    spec.securityContext.fsGroup: 1  \(spec.fsGroup, when the pod does not set it\)$/m);
  t.regex(out, /^    spec.\{initContainers,containers\}\[\*\].securityContext.runAsNonRoot: true/m);
  t.regex(out, /^    spec.supplementalGroups: supplementalGroups outside 1-65535$/m);
  t.regex(out, /^    not carried over: user jane via RoleBinding shop\/psp:restricted/m);
  t.regex(out, /^  shop: restricted \(policies: restricted\)$/m);
  t.regex(
    out,
    /^    check first: kubectl label --dry-run=server --overwrite ns shop pod-security.kubernetes.io\/enforce=restricted pod-security.kubernetes.io\/enforce-version=v1.29$/m,
  );
  t.regex(
    out,
    /^    if the dry run lists pods you cannot change: enforce=privileged admits every pod the policies admitted/m,
  );
  t.notRegex(out, /ValidatingAdmissionPolicy/);
});

test('stdin, v1.28: v1beta1 objects and the feature gate it needs', async (t) => {
  const { readFileSync } = await import('node:fs');
  const r = await kubestrap(
    ['-f', '-', '--to', 'vap', '-o', 'yaml', '--kubernetes-version', 'v1.28'],
    readFileSync(SEED, 'utf8'),
  );
  t.is(r.code, 0, r.stderr);
  const kinds = parseAllDocuments(r.stdout).map((d) => d.toJS().apiVersion);
  t.deepEqual([...new Set(kinds)], ['admissionregistration.k8s.io/v1beta1']);
  t.regex(
    r.stderr,
    /--feature-gates=ValidatingAdmissionPolicy=true --runtime-config=admissionregistration.k8s.io\/v1beta1=true/,
  );
});

test('-o yaml --to pss: the report as YAML', async (t) => {
  const r = await kubestrap(['-f', SEED, '--to', 'pss', '-o', 'yaml', '--kubernetes-version', 'v1.30']);
  t.is(r.code, 0, r.stderr);
  const doc = parseAllDocuments(r.stdout);
  t.is(doc.length, 1);
  t.like(doc[0].toJS(), { kubernetesVersion: 'v1.30', to: 'pss', objects: [] });
});

test('a version too old for ValidatingAdmissionPolicy is refused (exit 2)', async (t) => {
  for (const to of ['vap', 'all']) {
    const r = await kubestrap(['-f', SEED, '--to', to, '--kubernetes-version', 'v1.27']);
    t.is(r.code, 2);
    t.is(r.stdout, '');
    t.is(
      r.stderr,
      'error: --kubernetes-version v1.27: ValidatingAdmissionPolicy needs v1.28 or newer (admissionregistration.k8s.io/v1beta1 on v1.28-v1.29, v1 from v1.30); use --to pss, or name the version you are moving to',
    );
  }
  const pss = await kubestrap(['-f', SEED, '--to', 'pss', '--kubernetes-version', 'v1.22']);
  t.is(pss.code, 2);
  t.regex(pss.stderr, /Pod Security admission needs v1.23 or newer/);
  t.is((await kubestrap(['-f', SEED, '--kubernetes-version', 'v2.0'])).code, 2);
  t.is((await kubestrap(['-f', SEED, '--to', 'opa'])).code, 2);
});

test('bad input names the file, line and column (exit 2)', async (t) => {
  const broken = tmpFile(
    'broken.yaml',
    'apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: a}\nspec:\n  privileged: [true\n',
  );
  const r = await kubestrap(['-f', broken]);
  t.is(r.code, 2);
  t.regex(r.stderr, new RegExp(`^error: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML: `));
  const wrongType = tmpFile(
    'wrong.yaml',
    'kind: Namespace\nmetadata: {name: x}\n---\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: a}\nspec:\n  privileged: "yes"\n',
  );
  const w = await kubestrap(['-f', wrongType]);
  t.is(w.code, 2);
  // The line of the document (its `---`), as policy check reports it.
  t.is(
    w.stderr,
    `error: ${wrongType}:3: PodSecurityPolicy a: spec.privileged: Invalid input: expected boolean, received string`,
  );
});

test('no PodSecurityPolicy in the input, or no file: exit 2', async (t) => {
  const rbacOnly = tmpFile(
    'rbac.yaml',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n',
  );
  const r = await kubestrap(['-f', rbacOnly]);
  t.is(r.code, 2);
  t.regex(
    r.stderr,
    /note: skipped 1 Pod \(migrate reads PodSecurityPolicies and RBAC\)\nerror: the input has no PodSecurityPolicy to migrate/,
  );
  t.is((await kubestrap(['-f', '/nonexistent/psp.yaml'])).code, 2);
});

test('a policy the admission controller could not use is skipped with a warning', async (t) => {
  const file = tmpFile(
    'p.yaml',
    [
      'apiVersion: policy/v1beta1',
      'kind: PodSecurityPolicy',
      'metadata: {name: broken}',
      'spec: {seLinux: {rule: RunAsAny}, runAsUser: {rule: MustRunAs}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}}',
      '---',
      'apiVersion: policy/v1beta1',
      'kind: PodSecurityPolicy',
      'metadata: {name: fine}',
      'spec: {seLinux: {rule: RunAsAny}, runAsUser: {rule: RunAsAny}, supplementalGroups: {rule: RunAsAny}, fsGroup: {rule: RunAsAny}, volumes: ["*"]}',
    ].join('\n'),
  );
  const r = await kubestrap(['-f', file, '-o', 'json', '--kubernetes-version', 'v1.30']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /warning: PodSecurityPolicy broken admitted no pod \(MustRunAs requires at least one range\)/);
  t.deepEqual(
    JSON.parse(r.stdout).policies.map((p: { name: string }) => p.name),
    ['fine'],
  );
});
