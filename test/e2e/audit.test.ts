/**
 * `kubestrap audit` on live clusters: the seeds' scenarios (seed 000's privileged
 * pod, seed 002's root pod) in text and JSON; it changes nothing.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { changesMade, DEMO, existingCluster } from './existing.js';

const FIX = path.resolve('test/fixtures/pods');

test("seed 000: the privileged pod the admin created runs, but its service account may only use `unprivileged`; the seed's privileged policy would refuse the control plane", async (t) => {
  const c = await existingCluster({ timing: { apiServerRestartMs: 200 } });
  t.teardown(() => c.node.cleanup());
  t.is((await c.kubestrap(['admission', 'enable', '--yes'])).exitCode, 0);
  await c.apply(DEMO);
  // Seed 000 as it is, replacing kubestrap's privileged policy with the seed's narrower one.
  await c.apply(readFileSync(`${FIX}/seed-000.yaml`, 'utf8'));
  await c.apply(readFileSync(`${FIX}/privileged-pod.yaml`, 'utf8'));
  const mark = c.mark();

  const text = await c.kubestrap(['audit']);
  t.is(text.exitCode, 1, text.stderr);
  t.regex(
    text.stdout,
    /^Kubernetes v1\.24\.17: PodSecurityPolicy admission is on \(mirror pod kube-system\/kube-apiserver-cp: --enable-admission-plugins=NodeRestriction,PodSecurityPolicy\)$/m,
  );
  t.regex(
    text.stdout,
    /^Pod demo\/privileged \(sa app\): refused; running, admitted by privileged when created\n {4}spec\.containers\[0\]\.securityContext\.privileged: Invalid value: true: Privileged containers are not allowed$/m,
  );
  // The seed's `privileged` allows no seccomp profile: the control plane's re-created mirror pods would be refused.
  t.regex(
    text.stdout,
    /^Pod kube-system\/kube-apiserver-cp \(node cp \(mirror pod\)\): refused; running, admitted by privileged when created\n {4}pod\.metadata\.annotations\[seccomp\.security\.alpha\.kubernetes\.io\/pod\]: Forbidden: seccomp may not be set$/m,
  );

  const json = await c.kubestrap(['audit', '-o', 'json']);
  t.is(json.exitCode, 1);
  const r = JSON.parse(json.stdout);
  t.like(r, {
    kubernetesVersion: 'v1.24.17',
    mode: 'psp',
    proposal: null,
    admission: { podSecurityPolicy: true, plugins: ['NodeRestriction', 'PodSecurityPolicy'] },
  });
  const e = r.entries.find((x: any) => x.name === 'privileged');
  t.like(e, {
    kind: 'Pod',
    namespace: 'demo',
    serviceAccount: 'app',
    admittedBy: 'privileged',
    now: { mode: 'psp', enforced: true, admitted: false, policy: null },
  });
  t.deepEqual(e.now.reasons, [
    'spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
    'spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed',
  ]);
  t.is(json.stderr, '');
  t.deepEqual(changesMade(c.callsSince(mark)), []);
});

test('seed 002: under privileged-root-volumes-restricted the root pod gets runAsNonRoot, and the audit warns that its container would not start', async (t) => {
  const c = await existingCluster({ timing: { apiServerRestartMs: 200 } });
  t.teardown(() => c.node.cleanup());
  t.is((await c.kubestrap(['admission', 'enable', '--yes'])).exitCode, 0);
  await c.apply(
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: ops}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: runner, namespace: ops}\n',
  );
  // bind creates the built-in policy, which the cluster does not have yet.
  const bind = await c.kubestrap([
    'policy',
    'bind',
    '-n',
    'ops',
    '--serviceaccount',
    'runner',
    '--policy',
    'privileged-root-volumes-restricted',
    '--yes',
  ]);
  t.is(bind.exitCode, 0, bind.stderr);
  t.regex(
    bind.stdout,
    /apply podsecuritypolicy\/privileged-root-volumes-restricted: the policy privileged-root-volumes-restricted does not exist yet/,
  );
  await c.apply(
    readFileSync(`${FIX}/plain-pod.yaml`, 'utf8')
      .replace('namespace: demo', 'namespace: ops')
      .replace('serviceAccountName: app', 'serviceAccountName: runner'),
  );

  const text = await c.kubestrap(['audit']);
  t.is(text.exitCode, 0, text.stdout);
  t.regex(
    text.stdout,
    /^Pod ops\/plain \(sa runner\): admitted by privileged-root-volumes-restricted, which changes it; running, admitted by privileged when created\n {4}spec\.containers\[0\]\.securityContext: \{"runAsNonRoot":true,"allowPrivilegeEscalation":false\}\n {4}spec\.securityContext\.fsGroup: 1\n {4}spec\.securityContext\.supplementalGroups: \[1\]\n {4}warning: the policy sets runAsNonRoot: the kubelet will refuse to start a container whose image runs as root/m,
  );
  const r = JSON.parse((await c.kubestrap(['audit', '-o', 'json'])).stdout);
  const e = r.entries.find((x: any) => x.namespace === 'ops');
  t.like(e.now, { admitted: true, policy: 'privileged-root-volumes-restricted' });
  t.is(e.now.warnings.length, 1);

  // What unbinding it would do: the root pod falls back to the default, restricted.
  const ifUnbind = JSON.parse(
    (await c.kubestrap(['audit', '--if', 'unbind=ops:privileged-root-volumes-restricted', '-o', 'json'])).stdout,
  );
  t.like(ifUnbind.entries.find((x: any) => x.namespace === 'ops').after, { admitted: true, policy: 'restricted' });
});

test('audit names bad input and does not need a terminal', async (t) => {
  const c = await existingCluster();
  t.teardown(() => c.node.cleanup());
  const bad = await c.kubestrap(['audit', '--if', 'explode']);
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /^error: --if: unknown change "explode"/);
  const out = await c.kubestrap(['audit', '-o', 'yaml']);
  t.is(out.exitCode, 2);
  t.is(out.stderr, 'error: -o: -o must be text or json, not "yaml"');
  const off = await c.kubestrap(['audit']);
  t.is(off.exitCode, 0);
  t.regex(off.stderr, /hint: PodSecurityPolicy admission is off; `kubestrap audit --if enable` shows/);
});
