/**
 * Every kubectl command line kubestrap builds is one real kubectl accepts.
 * kubectl rejects unknown flags and malformed arguments before it connects,
 * so each argv is run against the machine's kubectl builds (1.27 to 1.33)
 * with a kubeconfig that points at a closed port: the only acceptable failure
 * is the refused connection.
 */
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { UP_STEPS } from '../../src/steps/index.js';
import { selectSteps } from '../../src/workflow/engine.js';
import { privilegedProbePod } from '../../src/verify/probes.js';
import { RecordingRunner, testContext } from '../helpers/context.js';
import { kubectlBuilds, minorsOf, missingKubectlReason } from '../helpers/kubectl-builds.js';
import { requires } from '../helpers/requires.js';
import { scratchDir } from '../helpers/scratch.js';

const { builds, missing } = kubectlBuilds();
const kubectlTest = requires(missing.length === 0, missingKubectlReason(missing));

const dir = scratchDir('ks-argv');
const KUBECONFIG = path.join(dir, 'closed.conf');
writeFileSync(
  KUBECONFIG,
  `apiVersion: v1
kind: Config
clusters: [{name: closed, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
contexts: [{name: closed, context: {cluster: closed, user: u}}]
current-context: closed
users: [{name: u, user: {token: x}}]
`,
);
const MANIFEST = path.join(dir, 'm.yaml');
writeFileSync(MANIFEST, 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n');

/** Every kubectl argv of a full `up` (plans, probes, waits, verify) for a config, with paths pointed at test files. */
async function kubectlArgvs(configText: string): Promise<{ args: string[]; input?: string }[]> {
  const runner = new RecordingRunner((argv) =>
    argv[0] === 'kubectl' && argv.includes('auth') ? { stdout: 'yes\n' } : {},
  );
  const ctx = testContext(configText, runner);
  const out: { args: string[]; input?: string }[] = [];
  for (const step of selectSteps(ctx, UP_STEPS, {}))
    for (const c of await step.plan(ctx)) if (c[0] === 'kubectl') out.push({ args: c.slice(1) });
  const k = ctx.kubectl;
  await k.allExist(MANIFEST);
  await k.tryGetJson('nodes');
  await k.tryGetJson('pods', 'kube-system');
  await k.tryGetJson('namespaces');
  await k.waitNodesReady(600);
  await k.rolloutStatus('daemonset', 'kube-flannel-ds', 'kube-flannel', 600);
  await k.removeTaints('cp', ['node-role.kubernetes.io/control-plane']);
  await k.canI('use', 'podsecuritypolicy/restricted', 'system:serviceaccount:demo:app', 'demo');
  await k.serverDryRunCreate(privilegedProbePod(), 'system:serviceaccount:demo:app', 'demo');
  for (const c of runner.calls) if (c.argv[0] === 'kubectl') out.push({ args: c.argv.slice(1), input: c.opts.input });
  // Existing clusters (audit, admission, policy bind/unbind/bindings/default): every argv they build.
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n';
  for (const [args, input] of [
    [k.versionArgs()],
    [
      k.getAllArgs([
        'pods',
        'deployments',
        'daemonsets',
        'statefulsets',
        'replicasets',
        'jobs',
        'cronjobs',
        'namespaces',
        'roles',
        'rolebindings',
        'clusterroles',
        'clusterrolebindings',
      ]),
    ],
    [k.getObjectArgs('configmap', 'kubeadm-config', 'kube-system')],
    [k.applyStdinArgs(), ns],
    [k.replaceStdinArgs(), ns],
    [k.deleteArgs('clusterrolebinding', 'psp:restricted')],
    [k.deleteArgs('rolebinding', 'psp:privileged', 'demo')],
    [
      k.labelArgs('namespace', 'demo', {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.31',
        'kubestrap.io/pod-security': null,
      }),
    ],
    [k.labelArgs('clusterrole', 'psp:restricted', { 'kubestrap.io/default-binding': 'disassociated' })],
    [k.readyzArgs()],
    [k.probeCreateArgs('default')!, privilegedProbePod()],
  ] as [string[], string?][])
    out.push({ args: k.argv(args), input });
  // kubestrap join waits with the kubelet's own credentials.
  out.push({ args: ['--kubeconfig', KUBECONFIG, 'wait', '--for=condition=Ready', 'node/w1', '--timeout=600s'] });
  out.push({ args: ['version', '--client', '-o', 'json'] });
  return out.map((a) => ({
    ...a,
    // Point every kubeconfig at the closed port and every manifest at a file that exists.
    args: a.args.map((x, i) =>
      a.args[i - 1] === '--kubeconfig' ? KUBECONFIG : a.args[i - 1] === '-f' && x !== '-' ? MANIFEST : x,
    ),
  }));
}

/** A cluster of the build's own minor: kubestrap runs the kubectl of the cluster's release. */
const configFor = (minor: number) => `kubernetesVersion: v1.${minor}.0
tenants: [{namespace: demo, serviceAccounts: [app], policy: restricted}]
ingress: {enabled: true}
controlPlane: {nodeName: cp}
`;

kubectlTest(
  `every kubectl argv of up and verify parses in the real kubectl of the cluster's minor (${minorsOf(builds)})`,
  async (t) => {
    t.true(builds.length >= 2);
    for (const b of builds) {
      const argvs = await kubectlArgvs(configFor(b.minor));
      t.true(argvs.length >= 12);
      for (const a of argvs) {
        const r = await execa(b.bin, a.args, { input: a.input ?? '', reject: false, timeout: 20000 });
        const said = `${r.stderr}`;
        const ok =
          r.exitCode === 0
            ? a.args.includes('version')
            : /connect: connection refused|was refused|Unable to connect/.test(said);
        t.true(
          ok,
          `kubectl 1.${b.minor} ${a.args.join(' ')}\n  exit ${r.exitCode}: ${said.split('\n').slice(-2).join(' | ')}`,
        );
      }
    }
  },
);

kubectlTest('the check itself fails on an argv kubectl does not accept', async (t) => {
  const b = builds[0];
  const r = await execa(b.bin, ['--kubeconfig', KUBECONFIG, 'apply', '-f', MANIFEST, '--no-such-flag'], {
    reject: false,
  });
  t.is(r.exitCode, 1);
  t.notRegex(`${r.stderr}`, /connection refused|was refused/);
});
