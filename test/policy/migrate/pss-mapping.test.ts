/**
 * The Pod Security Standards mapping of every built-in template, as a table a reviewer
 * can check row by row against the Kubernetes page "Mapping PodSecurityPolicies to Pod
 * Security Standards" (https://kubernetes.io/docs/reference/access-authn-authz/psp-to-pod-security-standards/).
 * The page lists, per PodSecurityPolicySpec field and PSP annotation, the values Baseline
 * and Restricted allow; "Anything outside the allowed values for those profiles would
 * fall under the Privileged profile".
 *
 * For each template the table gives every row whose value is outside Restricted, with
 * the level the page puts it at (`level`), and the level kubestrap aims for instead
 * (`target`) where they differ; every row not listed maps to Restricted. `level` is the
 * most restrictive level that admits everything the template admits (the loosest row);
 * `target` differs only on the seLinux and the seccomp/AppArmor allowedProfileNames rows.
 */
import test from 'ava';
import { buildPolicy } from '../../../src/policy/psp/library.js';
import type { PssLevel } from '../../../src/k8s/pss.js';
import { mapToPss, levelOfFields } from '../../../src/policy/migrate/pss-mapping.js';
import { BUILTIN_POLICY_TEMPLATES, type BuiltinPolicyName } from '../../../src/policy/templates.js';

type Row = { level: PssLevel; target?: PssLevel; doc: string };
const SECCOMP = 'seccomp.security.alpha.kubernetes.io/allowedProfileNames';
const APPARMOR = 'apparmor.security.beta.kubernetes.io/allowedProfileNames';

// The page's rows, quoted (the Baseline / Restricted cells).
const DOC = {
  privileged: 'privileged — Baseline & Restricted: false / undefined / nil',
  capsBaseline:
    'allowedCapabilities — Baseline: subset of AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT',
  capsRestricted:
    'allowedCapabilities — Restricted: empty / undefined / nil OR a list containing only NET_BIND_SERVICE',
  drop: 'requiredDropCapabilities — Baseline: no opinion; Restricted: must include ALL',
  volumesBaseline: 'volumes — Baseline: anything except hostPath, *',
  volumesRestricted:
    'volumes — Restricted: subset of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret',
  host: 'hostNetwork / hostPID / hostIPC — Baseline & Restricted: false / undefined / nil',
  hostPorts: 'hostPorts — Baseline & Restricted: undefined / nil / empty',
  seLinux:
    'seLinux — Baseline & Restricted: seLinux.rule is MustRunAs, user and role unset, type unset or one of container_t, container_init_t, container_kvm_t, level anything',
  runAsUser: 'runAsUser — Baseline: Anything; Restricted: rule is MustRunAsNonRoot',
  ape: 'allowPrivilegeEscalation — Baseline: No opinion; Restricted: false',
  seccomp: `${SECCOMP} — Baseline: "runtime/default," (trailing comma to allow unset); Restricted: "runtime/default" (no trailing comma); localhost/* also permitted`,
  apparmor: `${APPARMOR} — Baseline: "runtime/default,"; Restricted: "runtime/default"; localhost/* also permitted`,
};

const TABLE: Record<BuiltinPolicyName, { level: PssLevel; target: PssLevel; rows: Record<string, Row> }> = {
  restricted: {
    level: 'privileged',
    target: 'restricted',
    rows: {
      // seLinux {rule: RunAsAny}: not MustRunAs -> outside Baseline and Restricted.
      seLinux: { level: 'privileged', target: 'restricted', doc: DOC.seLinux },
      // Everything else is inside Restricted: privileged false, no capabilities, drop ALL,
      // the restricted volume set, no host namespaces or ports, MustRunAsNonRoot,
      // allowPrivilegeEscalation false, seccomp docker/default,runtime/default (docker/default
      // is runtime/default's old name), AppArmor runtime/default.
    },
  },
  baseline: {
    level: 'privileged',
    target: 'baseline',
    rows: {
      'allowedCapabilities (with defaultAddCapabilities)': { level: 'baseline', doc: DOC.capsBaseline },
      requiredDropCapabilities: { level: 'baseline', doc: DOC.drop },
      volumes: { level: 'baseline', doc: DOC.volumesBaseline },
      seLinux: { level: 'privileged', target: 'restricted', doc: DOC.seLinux },
      runAsUser: { level: 'baseline', doc: DOC.runAsUser },
      allowPrivilegeEscalation: { level: 'baseline', doc: DOC.ape },
      // "*" admits the unconfined profile: outside "runtime/default,".
      [SECCOMP]: { level: 'privileged', target: 'baseline', doc: DOC.seccomp },
      // AppArmor runtime/default: Restricted.
    },
  },
  privileged: {
    level: 'privileged',
    target: 'privileged',
    rows: {
      privileged: { level: 'privileged', doc: DOC.privileged },
      'allowedCapabilities (with defaultAddCapabilities)': { level: 'privileged', doc: DOC.capsBaseline },
      requiredDropCapabilities: { level: 'baseline', doc: DOC.drop },
      volumes: { level: 'privileged', doc: DOC.volumesBaseline },
      hostNetwork: { level: 'privileged', doc: DOC.host },
      hostPID: { level: 'privileged', doc: DOC.host },
      hostIPC: { level: 'privileged', doc: DOC.host },
      hostPorts: { level: 'privileged', doc: DOC.hostPorts },
      seLinux: { level: 'privileged', target: 'restricted', doc: DOC.seLinux },
      runAsUser: { level: 'baseline', doc: DOC.runAsUser },
      allowPrivilegeEscalation: { level: 'baseline', doc: DOC.ape },
      [SECCOMP]: { level: 'privileged', target: 'baseline', doc: DOC.seccomp },
      // No AppArmor annotation: any profile, unconfined included.
      [APPARMOR]: { level: 'privileged', target: 'restricted', doc: DOC.apparmor },
    },
  },
  'privileged-restricted': {
    level: 'privileged',
    target: 'privileged',
    rows: {
      'allowedCapabilities (with defaultAddCapabilities)': { level: 'privileged', doc: DOC.capsBaseline },
      requiredDropCapabilities: { level: 'baseline', doc: DOC.drop },
      volumes: { level: 'privileged', doc: DOC.volumesBaseline },
      seLinux: { level: 'privileged', target: 'restricted', doc: DOC.seLinux },
      runAsUser: { level: 'baseline', doc: DOC.runAsUser },
      allowPrivilegeEscalation: { level: 'baseline', doc: DOC.ape },
      [SECCOMP]: { level: 'privileged', target: 'baseline', doc: DOC.seccomp },
      [APPARMOR]: { level: 'privileged', target: 'restricted', doc: DOC.apparmor },
    },
  },
  'privileged-root-volumes-restricted': {
    level: 'privileged',
    target: 'privileged',
    rows: {
      // allowedCapabilities ["*"] alone makes it Privileged; the volumes are Restricted's set,
      // runAsUser MustRunAsNonRoot and allowPrivilegeEscalation false are Restricted.
      'allowedCapabilities (with defaultAddCapabilities)': { level: 'privileged', doc: DOC.capsBaseline },
      requiredDropCapabilities: { level: 'baseline', doc: DOC.drop },
      seLinux: { level: 'privileged', target: 'restricted', doc: DOC.seLinux },
      [SECCOMP]: { level: 'privileged', target: 'baseline', doc: DOC.seccomp },
      [APPARMOR]: { level: 'privileged', target: 'restricted', doc: DOC.apparmor },
    },
  },
  'ingress-nginx': {
    level: 'privileged',
    target: 'baseline',
    rows: {
      // NET_BIND_SERVICE only and drop ALL: Restricted. allowPrivilegeEscalation true: Baseline.
      seLinux: { level: 'privileged', target: 'restricted', doc: DOC.seLinux },
      allowPrivilegeEscalation: { level: 'baseline', doc: DOC.ape },
      [APPARMOR]: { level: 'privileged', target: 'restricted', doc: DOC.apparmor },
    },
  },
};

for (const name of BUILTIN_POLICY_TEMPLATES) {
  test(`PSS mapping of the ${name} template, row by row`, (t) => {
    const p = buildPolicy(name, 24, []);
    const m = mapToPss({ metadata: { name, annotations: p.metadata.annotations }, spec: p.spec });
    const want = TABLE[name];
    const got: Record<string, { level: PssLevel; target?: PssLevel }> = {};
    for (const r of m.rows) {
      if (r.level === 'restricted' && r.target === 'restricted') continue;
      got[r.row] = r.target === r.level ? { level: r.level } : { level: r.level, target: r.target };
    }
    const expected = Object.fromEntries(
      Object.entries(want.rows).map(([k, v]) => [
        k,
        v.target ? { level: v.level, target: v.target } : { level: v.level },
      ]),
    );
    t.deepEqual(got, expected);
    t.is(m.level, want.level, 'the most restrictive level that admits everything it admits');
    t.is(m.target, want.target);
    t.is(m.level === m.target, m.newlyRefused.length === 0);
  });
}

test('every row of the page is evaluated, in the page order', (t) => {
  const m = mapToPss({ metadata: { name: 'x' }, spec: buildPolicy('restricted', 24, []).spec });
  t.deepEqual(
    m.rows.map((r) => r.row),
    [
      'privileged',
      'allowedCapabilities (with defaultAddCapabilities)',
      'requiredDropCapabilities',
      'volumes',
      'hostNetwork',
      'hostPID',
      'hostIPC',
      'hostPorts',
      'seLinux',
      'runAsUser',
      'runAsGroup',
      'supplementalGroups',
      'fsGroup',
      'readOnlyRootFilesystem',
      'defaultAllowPrivilegeEscalation',
      'allowPrivilegeEscalation',
      'allowedHostPaths',
      'allowedFlexVolumes',
      'allowedCSIDrivers',
      'allowedUnsafeSysctls',
      'forbiddenSysctls',
      'allowedProcMountTypes',
      'runtimeClass.defaultRuntimeClassName',
      'runtimeClass.allowedRuntimeClassNames',
      'seccomp.security.alpha.kubernetes.io/defaultProfileName',
      SECCOMP,
      'apparmor.security.beta.kubernetes.io/defaultProfileName',
      APPARMOR,
    ],
  );
});

test('edge values of the page rows', (t) => {
  const base = buildPolicy('restricted', 24, []);
  const level = (spec: object, annotations: Record<string, string> = {}) =>
    mapToPss({
      metadata: { name: 'x', annotations: { ...base.metadata.annotations, ...annotations } },
      spec: { ...base.spec, seLinux: { rule: 'MustRunAs', seLinuxOptions: { type: 'container_t' } }, ...spec },
    }).level;
  t.is(level({}), 'restricted', 'the restricted template with SELinux MustRunAs container_t is Restricted');
  t.is(level({ seLinux: { rule: 'MustRunAs', seLinuxOptions: { type: 'spc_t' } } }), 'privileged', 'type spc_t');
  t.is(
    level({ seLinux: { rule: 'MustRunAs', seLinuxOptions: { user: 'system_u', type: 'container_t' } } }),
    'privileged',
    'user set',
  );
  t.is(level({ allowedCapabilities: ['NET_BIND_SERVICE'] }), 'restricted');
  t.is(
    level({ defaultAddCapabilities: ['CHOWN'] }),
    'baseline',
    'defaultAddCapabilities: requirements match allowedCapabilities',
  );
  t.is(level({ allowedCapabilities: ['NET_ADMIN'] }), 'privileged');
  t.is(level({ volumes: ['configMap', 'nfs'] }), 'baseline');
  t.is(level({ volumes: ['hostPath'] }), 'privileged');
  t.is(level({ hostPorts: [{ min: 80, max: 80 }] }), 'privileged');
  t.is(
    level({ runAsUser: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 }] } }),
    'baseline',
    'Restricted needs MustRunAsNonRoot, not a range',
  );
  t.is(level({ allowedUnsafeSysctls: ['kernel.msg*'] }), 'privileged');
  t.is(level({ allowedProcMountTypes: ['Default'] }), 'restricted');
  t.is(level({ allowedProcMountTypes: ['Default', 'Unmasked'] }), 'privileged');
  t.is(level({ allowPrivilegeEscalation: undefined }), 'baseline', 'unset defaults to true');
  t.is(level({}, { [SECCOMP]: 'runtime/default,localhost/p.json' }), 'restricted', 'localhost/* also permitted');
  t.is(level({}, { [SECCOMP]: 'runtime/default,' }), 'baseline', 'trailing comma: unset allowed');
  t.is(level({}, { [SECCOMP]: 'unconfined' }), 'privileged');
  t.is(level({}, { [APPARMOR]: 'runtime/default,' }), 'baseline');
  t.is(
    level({
      runAsGroup: { rule: 'MustRunAs', ranges: [{ min: 0, max: 0 }] },
      readOnlyRootFilesystem: true,
      forbiddenSysctls: ['*'],
    }),
    'restricted',
    'no opinion rows',
  );
});

test('levelOfFields: only the given fields count', (t) => {
  t.is(levelOfFields({ volumes: ['hostPath'] }, {}), 'privileged');
  t.is(levelOfFields({ allowPrivilegeEscalation: true }, {}), 'baseline');
  t.is(levelOfFields({ allowedHostPaths: [{ pathPrefix: '/data' }] }, {}), 'restricted');
  t.is(levelOfFields({}, { [SECCOMP]: '*' }), 'privileged');
  t.is(levelOfFields({ runAsUser: { rule: 'MustRunAs', ranges: [{ min: 1000, max: 2000 }] } }, {}), 'baseline');
});
