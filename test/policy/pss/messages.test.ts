/**
 * Whole-pod verdicts and the plugin's texts: test/sim/REAL-OUTPUTS.md §9, flannel, ingress-nginx,
 * Windows pods across v1.25, workloads, versions, and the namespace label warnings.
 */
import test from 'ava';
import {
  PSS_LATEST_MINOR,
  evaluatePss,
  extractPodTemplate,
  forbiddenDetail,
  formatForbidden,
  formatPssVersion,
  formatWarning,
  namespaceWarnings,
  parsePssVersion,
  pssCheckIds,
  pssCheckRevisions,
} from '../../../src/policy/pss/evaluate.js';
import { goCompare, goQuote, joinQuote, sortedSet } from '../../../src/policy/pss/helpers.js';
import { UserError } from '../../../src/errors.js';
import {
  flannelDaemonSet,
  ingressNginxControllerPod,
  restrictedPod,
  threeContainerDeployment,
  v,
  type Json,
} from './fixtures.js';

const privilegedPod: Json = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'privileged' },
  spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] },
};

test('REAL-OUTPUTS §9: the privileged pod under restricted:latest', (t) => {
  t.is(
    formatForbidden('restricted', 'latest', evaluatePss(privilegedPod, 'restricted', 'latest')),
    'violates PodSecurity "restricted:latest": ' +
      'privileged (container "c" must not set securityContext.privileged=true), ' +
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
});

test('REAL-OUTPUTS §9: the warn-mode text for the tutorial nginx pod', (t) => {
  const nginx = { kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } };
  t.is(
    formatWarning('restricted', 'latest', evaluatePss(nginx, 'restricted', 'latest')),
    'would violate PodSecurity "restricted:latest": ' +
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  t.deepEqual(evaluatePss(nginx, 'baseline', 'latest'), []);
});

test('REAL-OUTPUTS §9: gatekeeper controller under restricted:v1.24 (host namespace and host ports first)', (t) => {
  const pod = restrictedPod((p) => {
    p.spec.hostNetwork = true;
    p.spec.initContainers = [];
    p.spec.containers[0].name = 'manager';
    p.spec.containers[0].ports = [
      { containerPort: 8443, hostPort: 8443 },
      { containerPort: 8888, hostPort: 8888 },
      { containerPort: 9090, hostPort: 9090 },
    ];
  });
  t.is(
    formatForbidden('restricted', v(24), evaluatePss(pod, 'restricted', v(24))),
    'violates PodSecurity "restricted:v1.24": host namespaces (hostNetwork=true), hostPort (container "manager" uses hostPorts 8443, 8888, 9090)',
  );
});

test("flannel's DaemonSet is refused by baseline for host network, NET_ADMIN/NET_RAW and hostPath", (t) => {
  const violations = evaluatePss(flannelDaemonSet(), 'baseline', 'latest');
  t.deepEqual(
    violations.map((x) => x.check),
    ['capabilities_baseline', 'hostNamespaces', 'hostPathVolumes'],
  );
  t.is(
    formatForbidden('baseline', 'latest', violations),
    'violates PodSecurity "baseline:latest": ' +
      'non-default capabilities (container "kube-flannel" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add), ' +
      'host namespaces (hostNetwork=true), ' +
      'hostPath volumes (volumes "run", "cni-plugin", "cni", "xtables-lock")',
  );
  // The same verdict at the oldest PSA release kubestrap renders for.
  t.deepEqual(evaluatePss(flannelDaemonSet(), 'baseline', v(23)), violations);
  // Which is why kube-flannel is labelled privileged.
  t.deepEqual(evaluatePss(flannelDaemonSet(), 'privileged', 'latest'), []);
});

test('the ingress-nginx v1.15 controller pod passes restricted (and baseline) at every PSA version', (t) => {
  for (let minor = 23; minor <= PSS_LATEST_MINOR; minor++) {
    t.deepEqual(evaluatePss(ingressNginxControllerPod(), 'restricted', v(minor)), [], `v1.${minor}`);
  }
  t.deepEqual(evaluatePss(ingressNginxControllerPod(), 'restricted', 'latest'), []);
  t.deepEqual(evaluatePss(ingressNginxControllerPod(), 'baseline', 'latest'), []);
});

test('ingress-nginx before the Dec 2023 manifest change (allowPrivilegeEscalation: true) needs baseline', (t) => {
  const pod = ingressNginxControllerPod();
  pod.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
  t.is(
    formatForbidden('restricted', 'latest', evaluatePss(pod, 'restricted', 'latest')),
    'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "controller" must set securityContext.allowPrivilegeEscalation=false)',
  );
  t.deepEqual(evaluatePss(pod, 'baseline', 'latest'), []);
});

test('a Windows pod: restricted v1.24 asks for the Linux-only fields, v1.25 only for runAsNonRoot', (t) => {
  const pod = {
    kind: 'Pod',
    metadata: { name: 'iis' },
    spec: { os: { name: 'windows' }, containers: [{ name: 'iis', image: 'mcr.microsoft.com/windows/servercore/iis' }] },
  };
  t.is(
    formatForbidden('restricted', v(24), evaluatePss(pod, 'restricted', v(24))),
    'violates PodSecurity "restricted:v1.24": ' +
      'allowPrivilegeEscalation != false (container "iis" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "iis" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "iis" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "iis" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  t.is(
    formatForbidden('restricted', v(25), evaluatePss(pod, 'restricted', v(25))),
    'violates PodSecurity "restricted:v1.25": runAsNonRoot != true (pod or container "iis" must set securityContext.runAsNonRoot=true)',
  );
  const fixed = { ...pod, spec: { ...pod.spec, securityContext: { runAsNonRoot: true } } };
  t.deepEqual(evaluatePss(fixed, 'restricted', v(25)), []);
  t.is(evaluatePss(fixed, 'restricted', v(24)).length, 3);
});

test('runAsUser: 0 with runAsNonRoot satisfied: allowed by restricted v1.22, refused by v1.23', (t) => {
  const pod = restrictedPod((p) => (p.spec.containers[0].securityContext.runAsUser = 0));
  t.deepEqual(evaluatePss(pod, 'restricted', v(22)), []);
  t.is(
    formatForbidden('restricted', v(23), evaluatePss(pod, 'restricted', v(23))),
    'violates PodSecurity "restricted:v1.23": runAsUser=0 (container "c" must not set runAsUser=0)',
  );
});

test('workloads: the pod template of each controller kind is checked', (t) => {
  const template = privilegedPod;
  const wrap: Record<string, Json> = {
    Deployment: { kind: 'Deployment', spec: { template } },
    DaemonSet: { kind: 'DaemonSet', spec: { template } },
    StatefulSet: { kind: 'StatefulSet', spec: { template } },
    ReplicaSet: { kind: 'ReplicaSet', spec: { template } },
    ReplicationController: { kind: 'ReplicationController', spec: { template } },
    Job: { kind: 'Job', spec: { template } },
    CronJob: { kind: 'CronJob', spec: { jobTemplate: { spec: { template } } } },
    PodTemplate: { kind: 'PodTemplate', template },
  };
  const want = evaluatePss(privilegedPod, 'baseline', 'latest');
  t.is(want.length, 1);
  for (const [kind, obj] of Object.entries(wrap)) t.deepEqual(evaluatePss(obj, 'baseline', 'latest'), want, kind);
  // A bare {metadata, spec} template is evaluated as is.
  t.deepEqual(evaluatePss({ metadata: {}, spec: template.spec }, 'baseline', 'latest'), want);
  // A controller without a template has nothing to check (the plugin skips it).
  t.deepEqual(evaluatePss({ kind: 'Deployment', spec: {} }, 'restricted', 'latest'), []);
  t.is(extractPodTemplate({ kind: 'CronJob', spec: {} }), undefined);
  t.deepEqual(evaluatePss(threeContainerDeployment(), 'restricted', 'latest'), []);
});

test('annotations on the template are read (seccomp at v1.18)', (t) => {
  const d = threeContainerDeployment();
  d.spec.template.metadata.annotations = { 'container.seccomp.security.alpha.kubernetes.io/sidecar': 'unconfined' };
  t.deepEqual(
    evaluatePss(d, 'restricted', v(18)).map((x) => x.detail),
    ['forbidden annotation container.seccomp.security.alpha.kubernetes.io/sidecar="unconfined"'],
  );
});

test('privileged admits anything; versions past the newest evaluate as latest', (t) => {
  t.deepEqual(evaluatePss(flannelDaemonSet(), 'privileged', v(0)), []);
  t.deepEqual(evaluatePss(privilegedPod, 'restricted', v(99)), evaluatePss(privilegedPod, 'restricted', 'latest'));
  t.is(PSS_LATEST_MINOR, 37);
  t.throws(() => evaluatePss(privilegedPod, 'restricted', { minor: -1 }), { instanceOf: RangeError });
  t.throws(() => evaluatePss(privilegedPod, 'restricted', { minor: 1.5 }), { instanceOf: RangeError });
});

test('the checks each level runs, at the versions where the registry changes', (t) => {
  const baseline10 = [
    'appArmorProfile',
    'capabilities_baseline',
    'hostNamespaces',
    'hostPathVolumes',
    'hostPorts',
    'privileged',
    'procMount',
    'seLinuxOptions',
    'seccompProfile_baseline',
    'sysctls',
    'windowsHostProcess',
  ];
  t.deepEqual(pssCheckIds('baseline', v(0)), baseline10);
  t.deepEqual(pssCheckIds('baseline', v(33)), baseline10);
  t.deepEqual(pssCheckIds('baseline', v(34)), [
    ...baseline10.slice(0, 5),
    'hostProbesAndHostLifecycle',
    ...baseline10.slice(5),
  ]);
  t.deepEqual(pssCheckIds('baseline', 'latest'), pssCheckIds('baseline', v(34)));
  t.deepEqual(pssCheckIds('privileged', 'latest'), []);

  const restrictedAt = (minor: number) =>
    pssCheckIds('restricted', v(minor)).filter(
      (id) =>
        ![
          'appArmorProfile',
          'hostNamespaces',
          'hostPorts',
          'privileged',
          'seLinuxOptions',
          'sysctls',
          'windowsHostProcess',
        ].includes(id),
    );
  t.deepEqual(restrictedAt(0), [
    'capabilities_baseline',
    'procMount',
    'seccompProfile_baseline',
    'restrictedVolumes',
    'runAsNonRoot',
  ]);
  t.deepEqual(restrictedAt(8), [
    'capabilities_baseline',
    'procMount',
    'seccompProfile_baseline',
    'allowPrivilegeEscalation',
    'restrictedVolumes',
    'runAsNonRoot',
  ]);
  t.deepEqual(restrictedAt(19), [
    'capabilities_baseline',
    'procMount',
    'allowPrivilegeEscalation',
    'restrictedVolumes',
    'runAsNonRoot',
    'seccompProfile_restricted',
  ]);
  t.deepEqual(restrictedAt(22), [
    'procMount',
    'allowPrivilegeEscalation',
    'capabilities_restricted',
    'restrictedVolumes',
    'runAsNonRoot',
    'seccompProfile_restricted',
  ]);
  t.deepEqual(restrictedAt(23), [
    'procMount',
    'allowPrivilegeEscalation',
    'capabilities_restricted',
    'restrictedVolumes',
    'runAsNonRoot',
    'runAsUser',
    'seccompProfile_restricted',
  ]);
  t.deepEqual(restrictedAt(34), [
    'hostProbesAndHostLifecycle',
    'procMount',
    'allowPrivilegeEscalation',
    'capabilities_restricted',
    'restrictedVolumes',
    'runAsNonRoot',
    'runAsUser',
    'seccompProfile_restricted',
  ]);
  t.deepEqual(restrictedAt(35), [
    'hostProbesAndHostLifecycle',
    'allowPrivilegeEscalation',
    'capabilities_restricted',
    'procMount_restricted',
    'restrictedVolumes',
    'runAsNonRoot',
    'runAsUser',
    'seccompProfile_restricted',
  ]);
});

test('parsePssVersion takes latest or v1.N as the plugin does', (t) => {
  t.is(parsePssVersion('latest'), 'latest');
  t.deepEqual(parsePssVersion('v1.0'), { minor: 0 });
  t.deepEqual(parsePssVersion('v1.30'), { minor: 30 });
  t.deepEqual(parsePssVersion('v1.99'), { minor: 99 });
  for (const bad of ['', 'Latest', '1.30', 'v1.030', 'v1.30.2', 'v2.0', 'v1.', ' v1.30', 'v1.30 ', 'v1.3a', 'v1.-1']) {
    const err = t.throws(() => parsePssVersion(bad), { instanceOf: UserError }, JSON.stringify(bad));
    t.regex(err!.message, /must be "latest" or "v1\.x"/);
    t.true(err!.message.includes(JSON.stringify(bad)));
  }
  t.is(formatPssVersion(parsePssVersion('v1.30')), 'v1.30');
  t.is(formatPssVersion('latest'), 'latest');
});

test('ForbiddenDetail: a reason without detail prints bare; an empty reason is named', (t) => {
  t.is(
    forbiddenDetail([
      { check: 'a', reason: 'r1', detail: 'd1' },
      { check: 'b', reason: 'r2', detail: '' },
      { check: 'c', reason: '', detail: 'd3' },
    ]),
    'r1 (d1), r2, unknown forbidden reason (d3)',
  );
});

test('namespace label change warnings: grouped by reasons, first pod name, counts, sorted', (t) => {
  const bad = (n: string) => ({ name: n, violations: evaluatePss(privilegedPod, 'restricted', 'latest') });
  const host = (n: string) => ({ name: n, violations: evaluatePss(flannelDaemonSet(), 'restricted', 'latest') });
  const ok = (n: string) => ({ name: n, violations: [] });
  t.deepEqual(
    namespaceWarnings('demo', 'restricted', 'latest', [
      bad('zz'),
      host('kube-flannel-ds-x'),
      bad('badimg'),
      ok('fine'),
      bad('m'),
    ]),
    [
      'existing pods in namespace "demo" violate the new PodSecurity enforce level "restricted:latest"',
      'badimg (and 2 other pods): privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
      'kube-flannel-ds-x: host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities, restricted volume types, runAsNonRoot != true, seccompProfile',
    ],
  );
  t.deepEqual(namespaceWarnings('demo', 'restricted', 'latest', [bad('b'), bad('a')]), [
    'existing pods in namespace "demo" violate the new PodSecurity enforce level "restricted:latest"',
    'a (and 1 other pod): privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
  ]);
  t.deepEqual(namespaceWarnings('demo', 'baseline', v(30), [ok('a')]), []);
});

test('namespace warnings: one pod per controller first, the 3000-pod cap, exempt runtime classes', (t) => {
  const privileged = evaluatePss(privilegedPod, 'baseline', 'latest');
  const pods = [
    { name: 'rs-a-1', violations: [], controllerUid: 'rs-a' },
    { name: 'rs-a-2', violations: privileged, controllerUid: 'rs-a' },
    { name: 'rs-b-1', violations: privileged, controllerUid: 'rs-b' },
    { name: 'kata', violations: privileged, runtimeClassName: 'kata' },
  ];
  // Capped at 2: rs-a-1 and rs-b-1 are checked (one per controller), rs-a-2 is not; kata is exempt.
  t.deepEqual(
    namespaceWarnings('ns', 'baseline', 'latest', pods, { maxPodsToCheck: 2, exemptRuntimeClasses: ['kata'] }),
    [
      'new PodSecurity enforce level only checked against the first 2 of 3 existing pods',
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"',
      'rs-b-1: privileged',
    ],
  );
});

test('text helpers: joinQuote, Go string order, Go %q', (t) => {
  t.is(joinQuote([]), '');
  t.is(joinQuote(['a', 'b c']), '"a", "b c"');
  t.deepEqual(sortedSet(['b', 'B', 'a', 'b', '10', '9']), ['10', '9', 'B', 'a', 'b']);
  // Code point order: U+1F600 (a surrogate pair in UTF-16) sorts after U+FF5E.
  t.true(goCompare('\u{1F600}', '\uFF5E') > 0);
  t.true(goCompare('ab', 'abc') < 0);
  t.is(goQuote('plain'), '"plain"');
  t.is(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  t.is(goQuote('tab\there\nnl\u0001\u007f'), '"tab\\there\\nnl\\x01\\x7f"');
  t.is(goQuote('caf\u00e9 \u2028 \u{1F600}'), '"caf\u00e9 \\u2028 \u{1F600}"');
});

test('the version boundaries of every check (upstream MinimumVersion / OverrideCheckIDs)', (t) => {
  const table = pssCheckRevisions().map(
    (c) =>
      `${c.level} ${c.id} ${c.minimumMinors.map((m) => `1.${m}`).join(',')}${c.overrides.length ? ` overrides ${c.overrides.join(',')}` : ''}`,
  );
  t.deepEqual(table, [
    'baseline appArmorProfile 1.0',
    'baseline capabilities_baseline 1.0',
    'baseline hostNamespaces 1.0',
    'baseline hostPathVolumes 1.0',
    'baseline hostPorts 1.0',
    'baseline hostProbesAndHostLifecycle 1.34',
    'baseline privileged 1.0',
    'baseline procMount 1.0,1.35',
    'baseline seLinuxOptions 1.0,1.31',
    'baseline seccompProfile_baseline 1.0,1.19',
    'baseline sysctls 1.0,1.27,1.29,1.32,1.37',
    'baseline windowsHostProcess 1.0',
    'restricted allowPrivilegeEscalation 1.8,1.25',
    'restricted capabilities_restricted 1.22,1.25 overrides capabilities_baseline',
    'restricted procMount_restricted 1.35 overrides procMount',
    'restricted restrictedVolumes 1.0 overrides hostPathVolumes',
    'restricted runAsNonRoot 1.0,1.35',
    'restricted runAsUser 1.23,1.35',
    'restricted seccompProfile_restricted 1.19,1.25 overrides seccompProfile_baseline',
  ]);
});

test('odd JSON reads as Go zero values instead of throwing', (t) => {
  const odd: Json[] = [
    {},
    { kind: 'Pod' },
    { kind: 'Pod', metadata: null, spec: null },
    { kind: 'Pod', spec: { containers: null, initContainers: 'x', volumes: [null, 3] } },
    {
      kind: 'Pod',
      metadata: { annotations: null },
      spec: {
        securityContext: null,
        containers: [null, { name: null, securityContext: null, ports: [null], capabilities: 1 }],
      },
    },
    {
      kind: 'Pod',
      spec: {
        securityContext: { sysctls: [null, { name: 5 }], seccompProfile: null, seLinuxOptions: 'x' },
        containers: [{ name: 'c', lifecycle: null, livenessProbe: { httpGet: null } }],
      },
    },
    { kind: 'CronJob', spec: { jobTemplate: null } },
  ];
  for (const pod of odd) {
    for (const level of ['baseline', 'restricted'] as const) {
      for (const version of [v(0), v(18), v(24), 'latest' as const])
        t.notThrows(() => evaluatePss(pod, level, version));
    }
  }
  // A null container is Go's zero Container: no name, no security context.
  t.deepEqual(
    evaluatePss(
      {
        kind: 'Pod',
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [null],
        },
      },
      'restricted',
      'latest',
    ).map((x) => x.detail),
    [
      'container "" must set securityContext.allowPrivilegeEscalation=false',
      'container "" must set securityContext.capabilities.drop=["ALL"]',
    ],
  );
  // Unknown sysctl names that are not strings print as Go would after decoding them as text.
  t.deepEqual(
    evaluatePss(odd[5], 'baseline', 'latest').map((x) => x.detail),
    [', 5'],
  );
});

test('results are fresh arrays the caller may keep or change', (t) => {
  const a = evaluatePss(restrictedPod(), 'restricted', 'latest');
  a.push({ check: 'x', reason: 'x', detail: '' });
  t.deepEqual(evaluatePss(restrictedPod(), 'restricted', 'latest'), []);
  t.deepEqual(evaluatePss(restrictedPod(), 'privileged', 'latest'), []);
});
