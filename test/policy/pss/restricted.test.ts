/**
 * The restricted checks and the overrides between the levels, at the versions around
 * each change (registry.go OverrideCheckIDs; check_*_restricted.go MinimumVersion).
 */
import test from 'ava';
import { evaluatePss } from '../../../src/policy/pss/evaluate.js';
import { checkTable, restrictedPod, restrictedContainer, v, type Json } from './fixtures.js';

const withSpec = (patch: (s: Json) => void) => restrictedPod((p) => patch(p.spec));
const windows = (s: Json) => (s.os = { name: 'windows' });
const linux = (s: Json) => (s.os = { name: 'linux' });

test('the restricted fixture passes restricted at every version 1.0 .. 1.40 and latest', (t) => {
  for (let minor = 0; minor <= 40; minor++)
    t.deepEqual(evaluatePss(restrictedPod(), 'restricted', v(minor)), [], `v1.${minor}`);
  t.deepEqual(evaluatePss(restrictedPod(), 'restricted', 'latest'), []);
});

checkTable('restricted', 'restrictedVolumes', [
  {
    name: 'every allowed source, image included (PR #130394) even at v1.0',
    version: v(0),
    pod: withSpec((s) => {
      s.volumes = [
        { name: 'a1', emptyDir: {} },
        { name: 'a2', secret: { secretName: 's' } },
        { name: 'a3', persistentVolumeClaim: { claimName: 'c' } },
        { name: 'a4', downwardAPI: { items: [] } },
        { name: 'a5', configMap: { name: 'm' } },
        { name: 'a6', projected: { sources: [] } },
        { name: 'a7', csi: { driver: 'd' } },
        { name: 'a8', ephemeral: { volumeClaimTemplate: {} } },
        { name: 'a9', image: { reference: 'registry.example/data:1' } },
      ];
    }),
  },
  {
    name: 'upstream TestRestrictedVolumes: restricted and unknown types',
    pod: withSpec((s) => {
      const types = [
        'hostPath',
        'gcePersistentDisk',
        'awsElasticBlockStore',
        'gitRepo',
        'nfs',
        'iscsi',
        'glusterfs',
        'rbd',
        'flexVolume',
        'cinder',
        'cephfs',
        'flocker',
        'fc',
        'azureFile',
        'vsphereVolume',
        'quobyte',
        'azureDisk',
        'photonPersistentDisk',
        'portworxVolume',
        'scaleIO',
        'storageos',
      ];
      s.volumes = [
        { name: 'ok', emptyDir: {} },
        ...types.map((ty, i) => ({ name: `b${i + 1}`, [ty]: {} })),
        // Upstream's c1 has no source at all; through the API server's defaulting that is an
        // emptyDir (api-defaults.test.ts), so "unknown" here comes from a field no source names.
        { name: 'c1', someFutureSource: {} },
      ];
    }),
    want: {
      reason: 'restricted volume types',
      detail:
        'volumes "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13", "b14", "b15", "b16", "b17", "b18", "b19", "b20", "b21", "c1"' +
        ' use restricted volume types ' +
        '"awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", ' +
        '"hostPath", "iscsi", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "unknown", "vsphereVolume"',
    },
  },
  {
    name: 'one hostPath volume',
    pod: withSpec((s) => s.volumes.push({ name: 'hostvol', hostPath: { path: '/' } })),
    want: { reason: 'restricted volume types', detail: 'volume "hostvol" uses restricted volume type "hostPath"' },
  },
]);

test('restricted reports hostPath once, as a restricted volume type, at every version', (t) => {
  const pod = withSpec((s) => s.volumes.push({ name: 'h', hostPath: { path: '/' } }));
  for (const version of [v(0), v(22), v(25), 'latest' as const]) {
    const checks = evaluatePss(pod, 'restricted', version).map((x) => x.check);
    t.deepEqual(checks, ['restrictedVolumes']);
  }
  t.deepEqual(
    evaluatePss(pod, 'baseline', 'latest').map((x) => x.check),
    ['hostPathVolumes'],
  );
});

const noApe = (s: Json) => delete s.containers[0].securityContext.allowPrivilegeEscalation;

checkTable('restricted', 'allowPrivilegeEscalation', [
  { name: 'not a check before v1.8 (the field is from 1.8)', version: v(7), pod: withSpec(noApe) },
  {
    name: 'unset at v1.8',
    version: v(8),
    pod: withSpec(noApe),
    want: {
      reason: 'allowPrivilegeEscalation != false',
      detail: 'container "c" must set securityContext.allowPrivilegeEscalation=false',
    },
  },
  {
    name: 'upstream TestAllowPrivilegeEscalation: unset, nil and true',
    pod: withSpec((s) => {
      s.containers = [
        { name: 'a' },
        { name: 'b', securityContext: { allowPrivilegeEscalation: null } },
        { name: 'c', securityContext: { allowPrivilegeEscalation: true } },
        { name: 'd', securityContext: { allowPrivilegeEscalation: false } },
      ];
    }),
    want: {
      reason: 'allowPrivilegeEscalation != false',
      detail: 'containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false',
    },
  },
  {
    name: 'a Windows pod is checked at v1.24',
    version: v(24),
    pod: withSpec((s) => {
      windows(s);
      noApe(s);
    }),
    want: {
      reason: 'allowPrivilegeEscalation != false',
      detail: 'container "c" must set securityContext.allowPrivilegeEscalation=false',
    },
  },
  {
    name: 'a Windows pod is exempt from v1.25',
    version: v(25),
    pod: withSpec((s) => {
      windows(s);
      noApe(s);
    }),
  },
  {
    name: 'a Linux pod is not',
    version: v(25),
    pod: withSpec((s) => {
      linux(s);
      noApe(s);
    }),
    want: {
      reason: 'allowPrivilegeEscalation != false',
      detail: 'container "c" must set securityContext.allowPrivilegeEscalation=false',
    },
  },
]);

checkTable('restricted', 'runAsNonRoot', [
  {
    name: 'set on every container instead of the pod',
    pod: withSpec((s) => {
      delete s.securityContext.runAsNonRoot;
      for (const c of [...s.initContainers, ...s.containers]) c.securityContext.runAsNonRoot = true;
    }),
  },
  {
    name: 'no explicit runAsNonRoot',
    version: v(0),
    pod: withSpec((s) => delete s.securityContext.runAsNonRoot),
    want: {
      reason: 'runAsNonRoot != true',
      detail: 'pod or containers "init", "c" must set securityContext.runAsNonRoot=true',
    },
  },
  {
    name: 'pod false wins over the implicit case',
    pod: withSpec((s) => (s.securityContext.runAsNonRoot = false)),
    want: { reason: 'runAsNonRoot != true', detail: 'pod must not set securityContext.runAsNonRoot=false' },
  },
  {
    name: 'pod and containers false',
    pod: withSpec((s) => {
      s.securityContext.runAsNonRoot = false;
      s.containers = [
        restrictedContainer('a'),
        restrictedContainer('c', { securityContext: { runAsNonRoot: false } }),
        restrictedContainer('d', { securityContext: { runAsNonRoot: false } }),
        restrictedContainer('e', { securityContext: { runAsNonRoot: true } }),
      ];
    }),
    want: {
      reason: 'runAsNonRoot != true',
      detail: 'pod and containers "c", "d" must not set securityContext.runAsNonRoot=false',
    },
  },
  {
    name: 'hostUsers: false does not help at v1.34',
    version: v(34),
    pod: withSpec((s) => {
      s.hostUsers = false;
      delete s.securityContext.runAsNonRoot;
    }),
    want: {
      reason: 'runAsNonRoot != true',
      detail: 'pod or containers "init", "c" must set securityContext.runAsNonRoot=true',
    },
  },
  {
    name: 'hostUsers: false relaxes it from v1.35',
    version: v(35),
    pod: withSpec((s) => {
      s.hostUsers = false;
      s.securityContext.runAsNonRoot = false;
    }),
  },
]);

checkTable('restricted', 'runAsUser', [
  { name: 'root is not a check at v1.22', version: v(22), pod: withSpec((s) => (s.securityContext.runAsUser = 0)) },
  {
    name: 'pod runAsUser=0 at v1.23',
    version: v(23),
    pod: withSpec((s) => (s.securityContext.runAsUser = 0)),
    want: { reason: 'runAsUser=0', detail: 'pod must not set runAsUser=0' },
  },
  { name: 'non-zero is fine', pod: withSpec((s) => (s.securityContext.runAsUser = 1000)) },
  {
    name: 'pod and containers',
    pod: withSpec((s) => {
      s.securityContext.runAsUser = 0;
      s.initContainers[0].securityContext.runAsUser = 0;
      s.containers.push(
        restrictedContainer('d', { securityContext: { runAsUser: 0 } }),
        restrictedContainer('e', { securityContext: { runAsUser: 1 } }),
      );
    }),
    want: { reason: 'runAsUser=0', detail: 'pod and containers "init", "d" must not set runAsUser=0' },
  },
  {
    name: 'hostUsers: false does not help at v1.34',
    version: v(34),
    pod: withSpec((s) => {
      s.hostUsers = false;
      s.securityContext.runAsUser = 0;
    }),
    want: { reason: 'runAsUser=0', detail: 'pod must not set runAsUser=0' },
  },
  {
    name: 'hostUsers: false relaxes it from v1.35',
    version: v(35),
    pod: withSpec((s) => {
      s.hostUsers = false;
      s.securityContext.runAsUser = 0;
    }),
  },
  {
    name: 'hostUsers: true does not',
    version: v(35),
    pod: withSpec((s) => {
      s.hostUsers = true;
      s.securityContext.runAsUser = 0;
    }),
    want: { reason: 'runAsUser=0', detail: 'pod must not set runAsUser=0' },
  },
]);

checkTable('restricted', 'seccompProfile_restricted', [
  { name: 'not required before v1.19', version: v(18), pod: withSpec((s) => delete s.securityContext.seccompProfile) },
  {
    name: 'required from v1.19',
    version: v(19),
    pod: withSpec((s) => delete s.securityContext.seccompProfile),
    want: {
      reason: 'seccompProfile',
      detail:
        'pod or containers "init", "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    },
  },
  {
    name: 'per container instead of the pod',
    pod: withSpec((s) => {
      delete s.securityContext.seccompProfile;
      s.initContainers[0].securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'x.json' };
      s.containers[0].securityContext.seccompProfile = { type: 'RuntimeDefault' };
    }),
  },
  {
    name: 'an explicit bad value is reported, not the missing ones',
    pod: withSpec((s) => {
      s.securityContext.seccompProfile = { type: 'Unconfined' };
      s.containers = [
        restrictedContainer('a'),
        restrictedContainer('c', { securityContext: { seccompProfile: { type: 'Unconfined' } } }),
        restrictedContainer('d', { securityContext: { seccompProfile: { type: 'Unconfined' } } }),
      ];
    }),
    want: {
      reason: 'seccompProfile',
      detail: 'pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined"',
    },
  },
  {
    name: 'a Windows pod is checked at v1.24',
    version: v(24),
    pod: withSpec((s) => {
      windows(s);
      delete s.securityContext.seccompProfile;
    }),
    want: {
      reason: 'seccompProfile',
      detail:
        'pod or containers "init", "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
    },
  },
  {
    name: 'a Windows pod is exempt from v1.25',
    version: v(25),
    pod: withSpec((s) => {
      windows(s);
      delete s.securityContext.seccompProfile;
    }),
  },
]);

checkTable('restricted', 'capabilities_restricted', [
  {
    name: 'not a check at v1.21',
    version: v(21),
    pod: withSpec((s) => delete s.containers[0].securityContext.capabilities),
  },
  {
    name: 'drop ALL required from v1.22',
    version: v(22),
    pod: withSpec((s) => delete s.containers[0].securityContext.capabilities),
    want: {
      reason: 'unrestricted capabilities',
      detail: 'container "c" must set securityContext.capabilities.drop=["ALL"]',
    },
  },
  {
    name: 'NET_BIND_SERVICE may be added back',
    pod: withSpec((s) => (s.containers[0].securityContext.capabilities.add = ['NET_BIND_SERVICE'])),
  },
  {
    name: 'both halves, joined with "; "',
    pod: withSpec((s) => {
      s.initContainers[0].securityContext.capabilities = { drop: ['NET_RAW'], add: ['SYS_ADMIN'] };
      s.containers = [
        restrictedContainer('a', {
          securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN', 'SYS_ADMIN'] } },
        }),
        { name: 'b', image: 'x', securityContext: { allowPrivilegeEscalation: false } },
      ];
    }),
    want: {
      reason: 'unrestricted capabilities',
      detail:
        'containers "init", "b" must set securityContext.capabilities.drop=["ALL"]; ' +
        'containers "init", "a" must not include "CHOWN", "SYS_ADMIN" in securityContext.capabilities.add',
    },
  },
  {
    name: 'a Windows pod is exempt from v1.25',
    version: v(25),
    pod: withSpec((s) => {
      windows(s);
      delete s.containers[0].securityContext.capabilities;
    }),
  },
]);

test('restricted v1.21 checks capabilities with the baseline rule; v1.22 replaces it', (t) => {
  const pod = withSpec((s) => (s.containers[0].securityContext.capabilities = { drop: ['ALL'], add: ['SYS_ADMIN'] }));
  t.deepEqual(evaluatePss(pod, 'restricted', v(21)), [
    {
      check: 'capabilities_baseline',
      reason: 'non-default capabilities',
      detail: 'container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add',
    },
  ]);
  t.deepEqual(evaluatePss(pod, 'restricted', v(22)), [
    {
      check: 'capabilities_restricted',
      reason: 'unrestricted capabilities',
      detail: 'container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add',
    },
  ]);
  // CHOWN is in the default set: fine at v1.21, refused from v1.22.
  const chown = withSpec((s) => (s.containers[0].securityContext.capabilities.add = ['CHOWN']));
  t.deepEqual(evaluatePss(chown, 'restricted', v(21)), []);
  t.is(evaluatePss(chown, 'restricted', v(22))[0]?.check, 'capabilities_restricted');
});

test('restricted v1.18 still runs the baseline seccomp annotation rule', (t) => {
  const pod = restrictedPod(
    (p) => (p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' }),
  );
  t.deepEqual(evaluatePss(pod, 'restricted', v(18)), [
    {
      check: 'seccompProfile_baseline',
      reason: 'seccompProfile',
      detail: 'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"',
    },
  ]);
  t.deepEqual(evaluatePss(pod, 'restricted', v(19)), []);
});

test('procMount: restricted keeps refusing user-namespace pods from v1.35, under its own check', (t) => {
  const pod = withSpec((s) => {
    s.hostUsers = false;
    s.containers[0].securityContext.procMount = 'Unmasked';
  });
  const want = { reason: 'procMount', detail: 'container "c" must not set securityContext.procMount to "Unmasked"' };
  t.deepEqual(evaluatePss(pod, 'restricted', v(34)), [{ check: 'procMount', ...want }]);
  t.deepEqual(evaluatePss(pod, 'restricted', v(35)), [{ check: 'procMount_restricted', ...want }]);
  t.deepEqual(evaluatePss(pod, 'baseline', v(35)), []);
});

test('procMount_restricted sorts among the restricted checks (after capabilities)', (t) => {
  const pod = withSpec((s) => {
    s.containers[0].securityContext.procMount = 'Unmasked';
    s.containers[0].securityContext.privileged = true;
    delete s.containers[0].securityContext.capabilities;
  });
  t.deepEqual(
    evaluatePss(pod, 'restricted', v(34)).map((x) => x.check),
    ['privileged', 'procMount', 'capabilities_restricted'],
  );
  t.deepEqual(
    evaluatePss(pod, 'restricted', v(35)).map((x) => x.check),
    ['privileged', 'capabilities_restricted', 'procMount_restricted'],
  );
});

test('ephemeral containers are checked like the others', (t) => {
  const pod = withSpec(
    (s) => (s.ephemeralContainers = [{ name: 'debugger', image: 'busybox', targetContainerName: 'c' }]),
  );
  t.deepEqual(
    evaluatePss(pod, 'restricted', 'latest').map((x) => x.detail),
    [
      'container "debugger" must set securityContext.allowPrivilegeEscalation=false',
      'container "debugger" must set securityContext.capabilities.drop=["ALL"]',
    ],
  );
});
