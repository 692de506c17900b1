/**
 * The PodSecurity checks read a pod after the API server's defaulting
 * (pkg/apis/core/v1/defaults.go), so kubestrap must default before it checks:
 * a volume without a source is an emptyDir; a host-network Pod's ports are host ports
 * (Pods only since 1.28, kubernetes PR #117696). The workload cases go through
 * evaluatePss with the workload object itself, as the simulated API server does.
 */
import test from 'ava';
import { evaluatePss } from '../../../src/policy/pss/evaluate.js';
import { restrictedPod, restrictedContainer, threeContainerDeployment, v, type Json } from './fixtures.js';

const withSpec = (patch: (s: Json) => void) => restrictedPod((p) => patch(p.spec));

test('upstream fixture restrictedvolumes (pass): a volume with no source is an implicit emptyDir at every version', (t) => {
  const pod = withSpec((s) => (s.volumes = [{ name: 'volume0' }, { name: 'volume1', emptyDir: {} }]));
  for (let minor = 0; minor <= 37; minor++) t.deepEqual(evaluatePss(pod, 'restricted', v(minor)), [], `v1.${minor}`);
  t.deepEqual(evaluatePss(pod, 'restricted', 'latest'), []);
});

test('a source written as null is no source (Go decodes it as a nil pointer): emptyDir', (t) => {
  const pod = withSpec((s) => (s.volumes = [{ name: 'v0', hostPath: null, nfs: null }]));
  t.deepEqual(evaluatePss(pod, 'restricted', 'latest'), []);
  t.deepEqual(evaluatePss(pod, 'baseline', 'latest'), []);
});

test('a workload template gets the volume default too (SetDefaults_Volume runs on every pod spec)', (t) => {
  const d = threeContainerDeployment();
  d.spec.template.spec.volumes.push({ name: 'scratch' });
  t.deepEqual(evaluatePss(d, 'restricted', 'latest'), []);
});

test('a volume with a field kubestrap cannot name stays an "unknown" restricted type', (t) => {
  const pod = withSpec((s) => s.volumes.push({ name: 'odd', someFutureSource: {} }));
  t.deepEqual(evaluatePss(pod, 'restricted', 'latest'), [
    {
      check: 'restrictedVolumes',
      reason: 'restricted volume types',
      detail: 'volume "odd" uses restricted volume type "unknown"',
    },
  ]);
});

test('the input object is not changed by the defaulting', (t) => {
  const pod = withSpec((s) => (s.volumes = [{ name: 'volume0' }]));
  const before = structuredClone(pod);
  evaluatePss(pod, 'restricted', 'latest');
  t.deepEqual(pod, before);
});

const hostNetworkSpec = (s: Json) => {
  s.hostNetwork = true;
  s.initContainers = [restrictedContainer('init', { ports: [{ containerPort: 9000 }] })];
  s.containers = [restrictedContainer('c', { ports: [{ containerPort: 8080 }, { containerPort: 53, hostPort: 53 }] })];
};

test('a host-network Pod: container ports become host ports before the baseline checks (SetDefaults_Pod)', (t) => {
  const got = evaluatePss(withSpec(hostNetworkSpec), 'baseline', 'latest');
  t.deepEqual(got, [
    { check: 'hostNamespaces', reason: 'host namespaces', detail: 'hostNetwork=true' },
    { check: 'hostPorts', reason: 'hostPort', detail: 'containers "init", "c" use hostPorts 53, 8080, 9000' },
  ]);
});

test('a host-network pod template is not given host ports (since 1.28 only Pods are, PR #117696)', (t) => {
  const d = threeContainerDeployment();
  d.spec.template.spec = withSpec(hostNetworkSpec).spec;
  t.deepEqual(evaluatePss(d, 'baseline', 'latest'), [
    { check: 'hostNamespaces', reason: 'host namespaces', detail: 'hostNetwork=true' },
    { check: 'hostPorts', reason: 'hostPort', detail: 'container "c" uses hostPort 53' },
  ]);
});
