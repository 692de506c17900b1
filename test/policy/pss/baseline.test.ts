/**
 * The baseline checks, one table per check, at the policy versions around each change.
 * Expected texts follow upstream's check_*_test.go in kubernetes/kubernetes
 * staging/src/k8s.io/pod-security-admission/policy.
 */
import test from 'ava';
import { checkTable, restrictedPod, restrictedContainer, v, verdict, type Json } from './fixtures.js';

const withSpec = (patch: (s: Json) => void) => restrictedPod((p) => patch(p.spec));
const container = (extra: Json) => withSpec((s) => (s.containers = [restrictedContainer('c', extra)]));

checkTable('baseline', 'hostNamespaces', [
  { name: 'none shared', pod: restrictedPod() },
  {
    name: 'false is fine',
    pod: withSpec((s) => Object.assign(s, { hostNetwork: false, hostPID: false, hostIPC: false })),
  },
  {
    name: 'all three, in the fixed order',
    pod: withSpec((s) => Object.assign(s, { hostIPC: true, hostPID: true, hostNetwork: true })),
    want: { reason: 'host namespaces', detail: 'hostNetwork=true, hostPID=true, hostIPC=true' },
  },
  {
    name: 'from v1.0',
    version: v(0),
    pod: withSpec((s) => (s.hostPID = true)),
    want: { reason: 'host namespaces', detail: 'hostPID=true' },
  },
]);

checkTable('baseline', 'privileged', [
  { name: 'false is fine', pod: container({ securityContext: { privileged: false } }) },
  {
    name: 'init, regular and ephemeral containers, in visit order',
    pod: withSpec((s) => {
      s.initContainers = [restrictedContainer('i', { securityContext: { privileged: true } })];
      s.containers = [restrictedContainer('a', { securityContext: { privileged: true } }), restrictedContainer('b')];
      s.ephemeralContainers = [{ name: 'debug', image: 'busybox', securityContext: { privileged: true } }];
    }),
    want: { reason: 'privileged', detail: 'containers "i", "a", "debug" must not set securityContext.privileged=true' },
  },
]);

checkTable('baseline', 'capabilities_baseline', [
  {
    name: 'the default set is fine',
    pod: container({ securityContext: { capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE', 'SYS_CHROOT'] } } }),
  },
  {
    name: 'NET_RAW and others, capabilities sorted and de-duplicated',
    pod: withSpec((s) => {
      s.containers = [
        restrictedContainer('a', { securityContext: { capabilities: { add: ['NET_RAW', 'CHOWN', 'NET_ADMIN'] } } }),
        restrictedContainer('b', { securityContext: { capabilities: { add: ['NET_ADMIN'] } } }),
      ];
    }),
    want: {
      reason: 'non-default capabilities',
      detail: 'containers "a", "b" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add',
    },
  },
]);

checkTable('baseline', 'hostPathVolumes', [
  { name: 'no hostPath', pod: restrictedPod() },
  {
    name: 'two hostPath volumes',
    pod: withSpec((s) =>
      s.volumes.push({ name: 'h1', hostPath: { path: '/a' } }, { name: 'h2', hostPath: { path: '/b' } }),
    ),
    want: { reason: 'hostPath volumes', detail: 'volumes "h1", "h2"' },
  },
  {
    name: 'one',
    version: v(0),
    pod: withSpec((s) => s.volumes.push({ name: 'hostvol', hostPath: { path: '/a' } })),
    want: { reason: 'hostPath volumes', detail: 'volume "hostvol"' },
  },
]);

checkTable('baseline', 'hostPorts', [
  { name: 'containerPort only', pod: container({ ports: [{ containerPort: 80 }] }) },
  { name: 'hostPort 0 is unset', pod: container({ ports: [{ containerPort: 80, hostPort: 0 }] }) },
  {
    name: 'one port',
    pod: container({ ports: [{ containerPort: 8080, hostPort: 8080 }] }),
    want: { reason: 'hostPort', detail: 'container "c" uses hostPort 8080' },
  },
  {
    name: 'ports as a string set (10250 sorts before 443)',
    pod: withSpec((s) => {
      s.initContainers = [restrictedContainer('i', { ports: [{ containerPort: 1, hostPort: 443 }] })];
      s.containers = [
        restrictedContainer('c', {
          ports: [
            { containerPort: 2, hostPort: 10250 },
            { containerPort: 3, hostPort: 443 },
          ],
        }),
      ];
    }),
    want: { reason: 'hostPort', detail: 'containers "i", "c" use hostPorts 10250, 443' },
  },
]);

checkTable('baseline', 'hostProbesAndHostLifecycle', [
  {
    name: 'not a check before v1.34',
    version: v(33),
    pod: container({ livenessProbe: { httpGet: { host: 'example.com', port: 80 } } }),
  },
  {
    name: 'probes without host',
    version: v(34),
    pod: container({ livenessProbe: { httpGet: { port: 80 } }, readinessProbe: { tcpSocket: { port: 80 } } }),
  },
  {
    name: 'v1.34 refuses a probe host',
    version: v(34),
    pod: container({ livenessProbe: { httpGet: { host: 'invalid.host', port: 80 } } }),
    want: { reason: 'probe or lifecycle host', detail: 'container "c" uses probe or lifecycle host "invalid.host"' },
  },
  {
    name: 'local addresses are refused too',
    pod: container({
      livenessProbe: { httpGet: { host: '127.0.0.1' } },
      readinessProbe: { tcpSocket: { host: '::1' } },
      startupProbe: { httpGet: { host: 'localhost' } },
    }),
    want: {
      reason: 'probe or lifecycle host',
      detail: 'container "c" uses probe or lifecycle hosts "127.0.0.1", "::1", "localhost"',
    },
  },
  {
    name: 'lifecycle hooks; containers and hosts sorted as sets',
    pod: withSpec((s) => {
      s.initContainers = [restrictedContainer('zeta', { startupProbe: { httpGet: { host: 'a.com' } } })];
      s.containers = [
        restrictedContainer('valid'),
        restrictedContainer('alpha', {
          lifecycle: { preStop: { tcpSocket: { host: 'b.com' } }, postStart: { httpGet: { host: 'a.com' } } },
        }),
      ];
    }),
    want: {
      reason: 'probe or lifecycle host',
      detail: 'containers "alpha", "zeta" use probe or lifecycle hosts "a.com", "b.com"',
    },
  },
]);

checkTable('baseline', 'appArmorProfile', [
  {
    name: 'allowed annotations and fields',
    pod: restrictedPod((p) => {
      p.metadata.annotations = {
        'container.apparmor.security.beta.kubernetes.io/c': 'runtime/default',
        'container.apparmor.security.beta.kubernetes.io/init': 'localhost/profile',
        env: 'prod',
      };
      p.spec.securityContext.appArmorProfile = { type: 'RuntimeDefault' };
      p.spec.containers[0].securityContext.appArmorProfile = { type: 'Localhost', localhostProfile: 'x' };
    }),
  },
  {
    name: 'unconfined pod field',
    pod: restrictedPod((p) => (p.spec.securityContext.appArmorProfile = { type: 'Unconfined' })),
    want: { reason: 'forbidden AppArmor profile', detail: 'pod must not set AppArmor profile type to "Unconfined"' },
  },
  {
    name: 'unconfined init container field',
    pod: restrictedPod((p) => (p.spec.initContainers[0].securityContext.appArmorProfile = { type: 'Unconfined' })),
    want: {
      reason: 'forbidden AppArmor profile',
      detail: 'container "init" must not set AppArmor profile type to "Unconfined"',
    },
  },
  {
    name: 'annotations: Go-quoted values, sorted; the field channel counts at v1.0 too',
    version: v(0),
    pod: restrictedPod((p) => {
      p.metadata.annotations = {
        'container.apparmor.security.beta.kubernetes.io/f': 'unknown',
        'container.apparmor.security.beta.kubernetes.io/': 'bogus',
        'container.apparmor.security.beta.kubernetes.io/a': '',
        'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default',
        'container.apparmor.security.beta.kubernetes.io/c': 'localhost/',
        'container.apparmor.security.beta.kubernetes.io/e': 'unconfined',
      };
      p.spec.containers[0].securityContext.appArmorProfile = { type: 'Unconfined' };
    }),
    want: {
      reason: 'forbidden AppArmor profiles',
      detail:
        'container "c" and annotations must not set AppArmor profile type to "Unconfined", ' +
        '"container.apparmor.security.beta.kubernetes.io/="bogus"", ' +
        '"container.apparmor.security.beta.kubernetes.io/e="unconfined"", ' +
        '"container.apparmor.security.beta.kubernetes.io/f="unknown""',
    },
  },
]);

checkTable('baseline', 'seLinuxOptions', [
  {
    name: 'allowed types and an empty pod-level block',
    version: v(30),
    pod: withSpec((s) => {
      s.securityContext.seLinuxOptions = {};
      s.containers = ['container_t', 'container_init_t', 'container_kvm_t'].map((type, i) =>
        restrictedContainer(`c${i}`, { securityContext: { seLinuxOptions: { type, level: 's0:c1,c2' } } }),
      );
    }),
  },
  {
    name: 'container_engine_t is refused at v1.30',
    version: v(30),
    pod: container({ securityContext: { seLinuxOptions: { type: 'container_engine_t' } } }),
    want: {
      reason: 'seLinuxOptions',
      detail: 'container "c" set forbidden securityContext.seLinuxOptions: type "container_engine_t"',
    },
  },
  {
    name: 'container_engine_t is allowed from v1.31',
    version: v(31),
    pod: container({ securityContext: { seLinuxOptions: { type: 'container_engine_t' } } }),
  },
  {
    name: 'pod and containers, upstream TestSELinuxOptions',
    pod: withSpec((s) => {
      s.securityContext.seLinuxOptions = { type: 'foo', user: 'bar', role: 'baz' };
      s.containers = [
        restrictedContainer('a', { securityContext: { seLinuxOptions: { type: 'container_t' } } }),
        restrictedContainer('d', { securityContext: { seLinuxOptions: { type: 'container_engine_t' } } }),
        restrictedContainer('e', { securityContext: { seLinuxOptions: { type: 'bar' } } }),
        restrictedContainer('f', { securityContext: { seLinuxOptions: { user: 'bar' } } }),
        restrictedContainer('g', { securityContext: { seLinuxOptions: { role: 'baz' } } }),
      ];
    }),
    want: {
      reason: 'seLinuxOptions',
      detail:
        'pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set',
    },
  },
  {
    name: 'a user alone still says what to change',
    pod: withSpec((s) => (s.securityContext.seLinuxOptions = { user: 'bad' })),
    want: { reason: 'seLinuxOptions', detail: 'pod set forbidden securityContext.seLinuxOptions: user may not be set' },
  },
]);

checkTable('baseline', 'procMount', [
  { name: 'Default is fine', pod: container({ securityContext: { procMount: 'Default' } }) },
  {
    name: 'Unmasked',
    pod: container({ securityContext: { procMount: 'Unmasked' } }),
    want: { reason: 'procMount', detail: 'container "c" must not set securityContext.procMount to "Unmasked"' },
  },
  {
    name: 'hostUsers: false does not help before v1.35',
    version: v(34),
    pod: restrictedPod((p) => {
      p.spec.hostUsers = false;
      p.spec.containers[0].securityContext.procMount = 'Unmasked';
    }),
    want: { reason: 'procMount', detail: 'container "c" must not set securityContext.procMount to "Unmasked"' },
  },
  {
    name: 'hostUsers: false relaxes it from v1.35',
    version: v(35),
    pod: restrictedPod((p) => {
      p.spec.hostUsers = false;
      p.spec.containers[0].securityContext.procMount = 'Unmasked';
    }),
  },
  {
    name: 'hostUsers: true does not',
    version: v(35),
    pod: restrictedPod((p) => {
      p.spec.hostUsers = true;
      p.spec.containers[0].securityContext.procMount = 'Unmasked';
    }),
    want: { reason: 'procMount', detail: 'container "c" must not set securityContext.procMount to "Unmasked"' },
  },
]);

checkTable('baseline', 'seccompProfile_baseline', [
  {
    name: 'v1.18 reads the annotations',
    version: v(18),
    pod: restrictedPod((p) => {
      p.metadata.annotations = {
        'seccomp.security.alpha.kubernetes.io/pod': 'unconfined',
        'container.seccomp.security.alpha.kubernetes.io/c': 'unconfined',
        'container.seccomp.security.alpha.kubernetes.io/init': 'docker/default',
        'container.seccomp.security.alpha.kubernetes.io/other': 'unconfined',
      };
    }),
    want: {
      reason: 'seccompProfile',
      detail:
        'forbidden annotations container.seccomp.security.alpha.kubernetes.io/c="unconfined", seccomp.security.alpha.kubernetes.io/pod="unconfined"',
    },
  },
  {
    name: 'v1.18 ignores the fields',
    version: v(18),
    pod: restrictedPod((p) => (p.spec.securityContext.seccompProfile = { type: 'Unconfined' })),
  },
  {
    name: 'v1.19 ignores the annotations',
    version: v(19),
    pod: restrictedPod((p) => (p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' })),
  },
  {
    name: 'v1.19 reads the fields',
    version: v(19),
    pod: restrictedPod((p) => {
      p.spec.securityContext.seccompProfile = { type: 'Unconfined' };
      p.spec.containers[0].securityContext.seccompProfile = { type: 'Unconfined' };
      p.spec.initContainers[0].securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' };
    }),
    want: {
      reason: 'seccompProfile',
      detail: 'pod and container "c" must not set securityContext.seccompProfile.type to "Unconfined"',
    },
  },
  { name: 'unset is fine at baseline', pod: withSpec((s) => delete s.securityContext.seccompProfile) },
]);

const sysctlPod = (...names: string[]) =>
  withSpec((s) => (s.securityContext.sysctls = names.map((name) => ({ name, value: '1' }))));

checkTable('baseline', 'sysctls', [
  {
    name: 'the v1.0 set',
    version: v(0),
    pod: sysctlPod('kernel.shm_rmid_forced', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ping_group_range'),
  },
  {
    name: 'unsafe names, in spec order',
    pod: sysctlPod('b', 'kernel.shm_rmid_forced', 'a'),
    want: { reason: 'forbidden sysctls', detail: 'b, a' },
  },
  {
    name: 'ip_local_reserved_ports at v1.26',
    version: v(26),
    pod: sysctlPod('net.ipv4.ip_local_reserved_ports'),
    want: { reason: 'forbidden sysctls', detail: 'net.ipv4.ip_local_reserved_ports' },
  },
  { name: 'ip_local_reserved_ports at v1.27', version: v(27), pod: sysctlPod('net.ipv4.ip_local_reserved_ports') },
  {
    name: 'keepalive and fin_timeout at v1.28',
    version: v(28),
    pod: sysctlPod(
      'net.ipv4.tcp_keepalive_time',
      'net.ipv4.tcp_fin_timeout',
      'net.ipv4.tcp_keepalive_intvl',
      'net.ipv4.tcp_keepalive_probes',
    ),
    want: {
      reason: 'forbidden sysctls',
      detail:
        'net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes',
    },
  },
  {
    name: 'keepalive and fin_timeout at v1.29',
    version: v(29),
    pod: sysctlPod(
      'net.ipv4.tcp_keepalive_time',
      'net.ipv4.tcp_fin_timeout',
      'net.ipv4.tcp_keepalive_intvl',
      'net.ipv4.tcp_keepalive_probes',
    ),
  },
  {
    name: 'tcp_rmem/tcp_wmem at v1.31',
    version: v(31),
    pod: sysctlPod('net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'),
    want: { reason: 'forbidden sysctls', detail: 'net.ipv4.tcp_rmem, net.ipv4.tcp_wmem' },
  },
  { name: 'tcp_rmem/tcp_wmem at v1.32', version: v(32), pod: sysctlPod('net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem') },
  {
    name: 'slow_start_after_idle/notsent_lowat at v1.36',
    version: v(36),
    pod: sysctlPod('net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'),
    want: { reason: 'forbidden sysctls', detail: 'net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat' },
  },
  {
    name: 'slow_start_after_idle/notsent_lowat at v1.37',
    version: v(37),
    pod: sysctlPod('net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'),
  },
  { name: 'and at latest', pod: sysctlPod('net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat') },
]);

checkTable('baseline', 'windowsHostProcess', [
  { name: 'false is fine', pod: withSpec((s) => (s.securityContext.windowsOptions = { hostProcess: false })) },
  {
    name: 'pod and containers',
    pod: withSpec((s) => {
      s.securityContext.windowsOptions = { hostProcess: true };
      s.containers = [
        restrictedContainer('a', { securityContext: { windowsOptions: { hostProcess: true } } }),
        restrictedContainer('b'),
      ];
    }),
    want: {
      reason: 'hostProcess',
      detail: 'pod and container "a" must not set securityContext.windowsOptions.hostProcess=true',
    },
  },
]);

test('baseline ignores everything restricted adds', (t) => {
  const pod = restrictedPod((p) => {
    delete p.spec.securityContext;
    p.spec.containers = [
      { name: 'c', image: 'nginx', securityContext: { runAsUser: 0, allowPrivilegeEscalation: true } },
    ];
    p.spec.volumes = [{ name: 'n', nfs: { server: 's', path: '/' } }];
  });
  t.deepEqual(
    ['capabilities_baseline', 'hostPathVolumes', 'seccompProfile_baseline'].map((c) =>
      verdict(pod, 'baseline', 'latest', c),
    ),
    [undefined, undefined, undefined],
  );
  t.is(verdict(pod, 'baseline', 'latest', 'runAsUser'), undefined);
  t.is(verdict(pod, 'baseline', 'latest', 'restrictedVolumes'), undefined);
});
