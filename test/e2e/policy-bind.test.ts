/**
 * `kubestrap policy bind|unbind|bindings|default` on a running cluster: the
 * association rules, idempotent, and a disassociation of the default policy that
 * is refused while it would leave running pods without a policy.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { changesMade, DEMO, existingCluster, objectsOf } from './existing.js';

const FIX = path.resolve('test/fixtures/pods');

test('bind and unbind are idempotent; bindings lists every association rule (text and JSON)', async (t) => {
  const c = await existingCluster();
  t.teardown(() => c.node.cleanup());
  await c.apply(DEMO);
  await c.apply('apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: worker, namespace: demo}\n');
  const bind = (sa: string) =>
    c.kubestrap(['policy', 'bind', '--namespace', 'demo', '--serviceaccount', sa, '--policy', 'restricted', '--yes']);
  const first = await bind('app');
  t.is(first.exitCode, 0, first.stderr);
  t.regex(first.stdout, /^ {2}apply podsecuritypolicy\/restricted: the policy restricted does not exist yet$/m);
  t.regex(first.stdout, /^Done: serviceaccount demo\/app may use the policy restricted in demo\.$/m);
  const mark = c.mark();
  const again = await bind('app');
  t.is(again.exitCode, 0);
  t.is(again.stdout, 'Nothing to change: serviceaccount demo/app may use the policy restricted in demo already.');
  t.deepEqual(changesMade(c.callsSince(mark)), []);
  t.is((await bind('worker')).exitCode, 0);
  const rb = () =>
    objectsOf(c, 'RoleBinding').find((o) => o.metadata.namespace === 'demo' && o.metadata.name === 'psp:restricted');
  t.deepEqual(
    rb().subjects.map((s: any) => s.name),
    ['app', 'worker'],
  );
  t.deepEqual(rb().roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'psp:restricted' });

  const text = await c.kubestrap(['policy', 'bindings']);
  t.is(text.exitCode, 0);
  t.regex(text.stdout, /^NAMESPACE +POLICY +BINDING +SUBJECTS +MANAGED$/m);
  t.regex(
    text.stdout,
    /^demo +restricted +RoleBinding\/psp:restricted +ServiceAccount demo\/app, ServiceAccount demo\/worker +kubestrap$/m,
  );
  const json = JSON.parse((await c.kubestrap(['policy', 'bindings', '-o', 'json'])).stdout);
  t.deepEqual(json.bindings, [
    {
      namespace: 'demo',
      policy: 'restricted',
      binding: { kind: 'RoleBinding', name: 'psp:restricted' },
      role: { kind: 'Role', name: 'psp:restricted' },
      subjects: [
        { kind: 'ServiceAccount', name: 'app', namespace: 'demo' },
        { kind: 'ServiceAccount', name: 'worker', namespace: 'demo' },
      ],
      managedByKubestrap: true,
    },
  ]);

  // --dry-run shows the binding without the subject and changes nothing.
  const dryMark = c.mark();
  const dry = await c.kubestrap([
    'policy',
    'unbind',
    '--namespace',
    'demo',
    '--serviceaccount',
    'app',
    '--policy',
    'restricted',
    '--dry-run',
  ]);
  t.is(dry.exitCode, 0, dry.stderr);
  t.regex(
    dry.stdout,
    /^ {2}apply rolebinding\/psp:restricted -n demo: serviceaccount app may no longer use restricted in demo$/m,
  );
  t.deepEqual(changesMade(c.callsSince(dryMark)), []);
  t.deepEqual(
    rb().subjects.map((s: any) => s.name),
    ['app', 'worker'],
  );
  const unbind = (sa: string) =>
    c.kubestrap(['policy', 'unbind', '--namespace', 'demo', '--serviceaccount', sa, '--policy', 'restricted', '--yes']);
  t.is((await unbind('app')).exitCode, 0);
  t.deepEqual(
    rb().subjects.map((s: any) => s.name),
    ['worker'],
  );
  const last = await unbind('worker');
  t.is(last.exitCode, 0, last.stderr);
  t.regex(last.stdout, /^ {2}delete rolebinding\/psp:restricted -n demo: nobody is left in it/m);
  t.regex(last.stdout, /^ {2}delete role\/psp:restricted -n demo: no binding refers to it any more$/m);
  t.is(rb(), undefined);
  const none = await unbind('worker');
  t.is(none.stdout, 'Nothing to change: serviceaccount demo/worker may not use the policy restricted in demo already.');
  t.is((await c.kubestrap(['policy', 'bindings'])).stdout, 'No binding grants the use of a PodSecurityPolicy.');
});

test('disassociating the default policy: refused while a namespace would be left without a policy, allowed once it has its own; --associate restores it', async (t) => {
  const c = await existingCluster({ timing: { apiServerRestartMs: 200 } });
  t.teardown(() => c.node.cleanup());
  await c.apply(DEMO);
  await c.apply(readFileSync(`${FIX}/plain-pod.yaml`, 'utf8'));
  t.is((await c.kubestrap(['admission', 'enable', '--yes'])).exitCode, 0);
  const crb = () => objectsOf(c, 'ClusterRoleBinding').find((o) => o.metadata.name === 'psp:restricted');
  t.truthy(crb());

  const dry = await c.kubestrap(['policy', 'default', '--disassociate', '--dry-run']);
  t.is(dry.exitCode, 1);
  t.regex(
    dry.stdout,
    /^ {2}delete clusterrolebinding\/psp:restricted: the cluster-wide binding of the default policy restricted/m,
  );
  const refused = await c.kubestrap(['policy', 'default', '--disassociate', '--yes']);
  t.is(refused.exitCode, 1);
  t.regex(
    refused.stderr,
    /^refusing: after disassociate restricted, running pods and workloads in namespace demo would be refused:$/m,
  );
  t.regex(refused.stderr, /^ {2}Pod demo\/plain\n {6}PodSecurityPolicy: unable to admit pod: \[\]$/m);
  t.truthy(crb());

  t.is(
    (await c.kubestrap(['policy', 'bind', '-n', 'demo', '--all-serviceaccounts', '--policy', 'restricted', '--yes']))
      .exitCode,
    0,
  );
  const ok = await c.kubestrap(['policy', 'default', '--disassociate', '--yes']);
  t.is(ok.exitCode, 0, ok.stderr);
  t.regex(ok.stdout, /The default policy restricted is disassociated: only the namespace bindings apply/);
  t.is(crb(), undefined);
  t.is(
    objectsOf(c, 'ClusterRole').find((o) => o.metadata.name === 'psp:restricted').metadata.labels[
      'kubestrap.io/default-binding'
    ],
    'disassociated',
  );
  // kube-system (the nodes' mirror pods, the controllers) still has its policy: nothing is refused.
  const audit = await c.kubestrap(['audit', '-o', 'json']);
  t.is(audit.exitCode, 0, audit.stdout);
  t.is(JSON.parse(audit.stdout).summary.refusedNow, 0);
  // admission enable leaves the disassociated binding out.
  const enable = await c.kubestrap(['admission', 'enable', '--dry-run']);
  t.notRegex(enable.stdout, /clusterrolebinding\/psp:restricted/);
  t.is(
    (await c.kubestrap(['policy', 'default', '--disassociate', '--yes'])).stdout,
    'Nothing to change: there is no ClusterRoleBinding psp:restricted; the default policy restricted is not associated cluster-wide.',
  );

  const back = await c.kubestrap(['policy', 'default', '--associate', '--yes']);
  t.is(back.exitCode, 0, back.stderr);
  t.truthy(crb());
  t.is(
    objectsOf(c, 'ClusterRole').find((o) => o.metadata.name === 'psp:restricted').metadata.labels[
      'kubestrap.io/default-binding'
    ],
    undefined,
  );
});

test('PSS: bind sets the namespace level, unbind removes it; service accounts and the default binding do not apply', async (t) => {
  const c = await existingCluster({ kubernetesVersion: 'v1.31.4' });
  t.teardown(() => c.node.cleanup());
  await c.apply(DEMO);
  await c.apply(readFileSync(`${FIX}/plain-pod.yaml`, 'utf8'));
  const sa = await c.kubestrap([
    'policy',
    'bind',
    '-n',
    'demo',
    '--serviceaccount',
    'app',
    '--policy',
    'baseline',
    '--yes',
  ]);
  t.is(sa.exitCode, 2);
  t.is(
    sa.stderr,
    'error: --serviceaccount: Pod Security Standards levels apply to a whole namespace: use --all-serviceaccounts',
  );
  // restricted would refuse the plain pod (it runs as root): refused unless --force.
  const strict = await c.kubestrap([
    'policy',
    'bind',
    '-n',
    'demo',
    '--all-serviceaccounts',
    '--policy',
    'restricted',
    '--yes',
  ]);
  t.is(strict.exitCode, 1);
  t.regex(strict.stderr, /^ {2}Pod demo\/plain$/m);
  const ok = await c.kubestrap([
    'policy',
    'bind',
    '-n',
    'demo',
    '--all-serviceaccounts',
    '--policy',
    'privileged-root-volumes-restricted',
    '--yes',
  ]);
  t.is(ok.exitCode, 0, ok.stderr);
  const labels = () => objectsOf(c, 'Namespace').find((o) => o.metadata.name === 'demo').metadata.labels;
  t.like(labels(), {
    'pod-security.kubernetes.io/enforce': 'privileged',
    'pod-security.kubernetes.io/enforce-version': 'v1.31',
  });
  const list = await c.kubestrap(['policy', 'bindings', '-n', 'demo']);
  t.regex(list.stdout, /^demo +privileged +v1\.31 +namespace label$/m);
  t.is(
    (
      await c.kubestrap([
        'policy',
        'unbind',
        '-n',
        'demo',
        '--all-serviceaccounts',
        '--policy',
        'privileged-root-volumes-restricted',
        '--yes',
      ])
    ).exitCode,
    0,
  );
  t.is(labels()['pod-security.kubernetes.io/enforce'], undefined);
  const def = await c.kubestrap(['policy', 'default', '--disassociate']);
  t.is(def.exitCode, 2);
  t.regex(def.stderr, /uses Pod Security Standards, which have no default policy binding/);
  const missing = await c.kubestrap(['policy', 'bind', '--all-serviceaccounts', '--policy', 'baseline']);
  t.is(missing.exitCode, 2);
  t.is(missing.stderr, 'error: --namespace: is required');
});

test("a kubectl refusal while applying is a failed command (exit 1) with kubectl's words, not a crash", async (t) => {
  const c = await existingCluster();
  t.teardown(() => c.node.cleanup());
  await c.apply(DEMO);
  c.node.faults.add({
    tool: 'kubectl',
    match: 'apply -f -',
    action: 'fail',
    exitCode: 1,
    stderr:
      'Error from server (Forbidden): error when creating "STDIN": roles.rbac.authorization.k8s.io "psp:restricted" is forbidden: attempt to grant extra privileges\n',
  });
  const r = await c.kubestrap([
    'policy',
    'bind',
    '-n',
    'demo',
    '--serviceaccount',
    'app',
    '--policy',
    'restricted',
    '--yes',
  ]);
  t.is(r.exitCode, 1, r.stderr);
  t.regex(
    r.stderr,
    /`kubectl --kubeconfig \S+ apply -f -` exited with 1:\nError from server \(Forbidden\): .*attempt to grant extra privileges/,
  );
  t.notRegex(r.stderr, /internal error/);
});
