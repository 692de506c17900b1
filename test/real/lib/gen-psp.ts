/**
 * Random PodSecurityPolicies for the differential corpus: every strategy and rule of the
 * 1.24 API, in combinations the API server's validation accepts (kubestrap's own
 * validatePspSpec filters them; a policy it accepts and the server refuses is itself a
 * disagreement).
 */
import type { Random } from './random.js';

const CAPS = ['NET_BIND_SERVICE', 'NET_ADMIN', 'CHOWN', 'SYS_TIME', 'NET_RAW', 'SETUID', 'KILL'];
const RESTRICTED_VOLUMES = [
  'configMap',
  'downwardAPI',
  'emptyDir',
  'persistentVolumeClaim',
  'projected',
  'secret',
  'csi',
  'ephemeral',
];

function strategy(r: Random, rules: string[], ranges: { min: number; max: number }[][]): any {
  const rule = r.pick(rules);
  if (rule === 'RunAsAny' || rule === 'MustRunAsNonRoot') return { rule };
  return { rule, ranges: r.pick(ranges) };
}

export function randomPsp(r: Random, name: string, runtimeClasses: string[]): any {
  const spec: any = {
    privileged: r.chance(0.3),
    seLinux: r.chance(0.8)
      ? { rule: 'RunAsAny' }
      : {
          rule: 'MustRunAs',
          seLinuxOptions: r.pick([
            { type: 'container_t' },
            { level: 's0:c123,c456' },
            { user: 'system_u', role: 'system_r', type: 'spc_t' },
          ]),
        },
    runAsUser: strategy(
      r,
      ['RunAsAny', 'MustRunAsNonRoot', 'MustRunAs', 'MustRunAs'],
      [
        [{ min: 1000, max: 2000 }],
        [{ min: 0, max: 0 }],
        [{ min: 1, max: 65535 }],
        [
          { min: 100, max: 100 },
          { min: 1000, max: 3000 },
        ],
      ],
    ),
    supplementalGroups: strategy(
      r,
      ['RunAsAny', 'MustRunAs', 'MayRunAs'],
      [[{ min: 1, max: 65535 }], [{ min: 2000, max: 3000 }], [{ min: 0, max: 10 }]],
    ),
    fsGroup: strategy(
      r,
      ['RunAsAny', 'MustRunAs', 'MayRunAs'],
      [[{ min: 1, max: 65535 }], [{ min: 2000, max: 3000 }], [{ min: 0, max: 10 }]],
    ),
    volumes: r.pick([
      ['*'],
      RESTRICTED_VOLUMES,
      [...RESTRICTED_VOLUMES, 'hostPath'],
      ['configMap', 'secret', 'emptyDir'],
      [...RESTRICTED_VOLUMES, 'nfs', 'flexVolume'],
      ['*', 'hostPath'],
    ]),
  };
  if (r.chance(0.4))
    spec.runAsGroup = strategy(
      r,
      ['RunAsAny', 'MustRunAs', 'MayRunAs'],
      [[{ min: 1, max: 65535 }], [{ min: 1000, max: 1000 }], [{ min: 0, max: 100 }]],
    );
  if (r.chance(0.7)) spec.allowPrivilegeEscalation = r.chance(0.5);
  if (spec.allowPrivilegeEscalation !== false && r.chance(0.3)) spec.defaultAllowPrivilegeEscalation = r.chance(0.5);
  if (spec.allowPrivilegeEscalation === false && r.chance(0.3)) spec.defaultAllowPrivilegeEscalation = false;
  const drop = r.some(['ALL', 'NET_RAW', 'SYS_ADMIN'], 0.3);
  if (drop.length) spec.requiredDropCapabilities = drop;
  const allowed = r.chance(0.15) ? ['*'] : r.some(CAPS, 0.2).filter((c) => !drop.includes(c));
  if (allowed.length && !drop.includes('ALL')) spec.allowedCapabilities = allowed;
  const add = r.some(CAPS, 0.12).filter((c) => !drop.includes(c));
  if (add.length && !drop.includes('ALL')) spec.defaultAddCapabilities = add;
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (r.chance(0.25)) spec[f] = true;
  if (r.chance(0.3))
    spec.hostPorts = r.pick([[{ min: 80, max: 443 }], [{ min: 8000, max: 9000 }], [{ min: 0, max: 65535 }]]);
  if (r.chance(0.2)) spec.readOnlyRootFilesystem = true;
  if (r.chance(0.35))
    spec.allowedHostPaths = r.pick([
      [{ pathPrefix: '/var/log', readOnly: r.chance(0.5) }],
      [{ pathPrefix: '/var/log/pods' }, { pathPrefix: '/data', readOnly: true }],
      [{ pathPrefix: '/' }],
    ]);
  if (r.chance(0.2)) spec.allowedFlexVolumes = [{ driver: 'example.com/lvm' }];
  if (r.chance(0.2)) spec.allowedCSIDrivers = [{ name: 'csi.example.com' }];
  if (r.chance(0.25)) spec.allowedUnsafeSysctls = r.pick([['kernel.msg*'], ['net.core.somaxconn'], ['*']]);
  if (r.chance(0.25)) {
    const forbidden = r.pick([['kernel.shm_rmid_forced'], ['net.*'], ['*']]);
    if (
      !(spec.allowedUnsafeSysctls ?? []).some(
        (a: string) => forbidden.includes(a) || forbidden.includes('*') || a === '*',
      )
    )
      spec.forbiddenSysctls = forbidden;
  }
  if (r.chance(0.2) && runtimeClasses.length) {
    spec.runtimeClass = { allowedRuntimeClassNames: r.pick([[runtimeClasses[0]], ['*'], runtimeClasses]) };
    if (r.chance(0.5)) spec.runtimeClass.defaultRuntimeClassName = runtimeClasses[0];
  }
  const annotations: Record<string, string> = {};
  if (r.chance(0.5)) {
    annotations['seccomp.security.alpha.kubernetes.io/allowedProfileNames'] = r.pick([
      'runtime/default,docker/default',
      '*',
      'runtime/default',
      'localhost/*',
    ]);
    if (r.chance(0.7))
      annotations['seccomp.security.alpha.kubernetes.io/defaultProfileName'] = r.pick([
        'runtime/default',
        'docker/default',
      ]);
  }
  if (r.chance(0.3)) {
    annotations['apparmor.security.beta.kubernetes.io/allowedProfileNames'] = 'runtime/default';
    if (r.chance(0.7)) annotations['apparmor.security.beta.kubernetes.io/defaultProfileName'] = 'runtime/default';
  }
  return {
    apiVersion: 'policy/v1beta1',
    kind: 'PodSecurityPolicy',
    metadata: { name, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec,
  };
}
