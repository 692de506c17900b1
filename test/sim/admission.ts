/**
 * The API server's admission chain for pods, in kube-apiserver's order:
 * defaulting, NamespaceLifecycle, ServiceAccount (token volume), Priority,
 * PodSecurity (Pod Security Admission, 1.23+) and PodSecurityPolicy (<= 1.24,
 * when enabled). The PSP and PSS decisions come from kubestrap's own engines
 * (src/policy), loaded only when a pod is actually admitted.
 */
import type { ClusterState, KObj, SimState } from './types.js';
import { objKey } from './resources.js';
import { appArmorWarnings, seccompVersionSkew } from './registry.js';
import { randSuffix, clone } from './util.js';

export interface Requester {
  name: string;
  groups: string[];
}

export interface AdmissionOutcome {
  allowed: boolean;
  /** The pod as it would be stored. */
  pod: KObj;
  /** HTTP-ish reason for a refusal: Forbidden or NotFound. */
  reason?: 'Forbidden' | 'NotFound';
  /** The server's message, e.g. `pods "x" is forbidden: PodSecurityPolicy: ...`. */
  message?: string;
  warnings: string[];
}

type PspModule = typeof import('../../src/policy/psp/admission.js');
type RbacModule = typeof import('../../src/policy/rbac.js');
type PssModule = typeof import('../../src/policy/pss/evaluate.js');

let pspMod: PspModule | undefined;
let rbacMod: RbacModule | undefined;
let pssMod: PssModule | undefined;

export async function loadRbac(): Promise<RbacModule> {
  return (rbacMod ??= await import('../../src/policy/rbac.js'));
}
async function loadPsp(): Promise<PspModule> {
  return (pspMod ??= await import('../../src/policy/psp/admission.js'));
}
type AppArmorSyncModule = typeof import('../../src/policy/pss/apparmor-sync.js');
let appArmorMod: AppArmorSyncModule | undefined;
async function loadAppArmorSync(): Promise<AppArmorSyncModule> {
  return (appArmorMod ??= await import('../../src/policy/pss/apparmor-sync.js'));
}

export async function loadPss(): Promise<PssModule> {
  return (pssMod ??= await import('../../src/policy/pss/evaluate.js'));
}

const RBAC_KINDS = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'];

/** An RbacAuthorizer over the cluster's RBAC objects (cached per epoch). */
const rbacCache = new Map<string, unknown>();
export async function rbacFor(c: ClusterState): Promise<InstanceType<RbacModule['RbacAuthorizer']>> {
  const key = `${c.id}/${c.epoch}`;
  const hit = rbacCache.get(key);
  if (hit) return hit as InstanceType<RbacModule['RbacAuthorizer']>;
  const { RbacAuthorizer } = await loadRbac();
  const objs = Object.values(c.objects).filter((o) => RBAC_KINDS.includes(o.kind));
  const a = new RbacAuthorizer(objs as never);
  rbacCache.clear();
  rbacCache.set(key, a);
  return a;
}

/** The display name admission messages use: the name, or the generateName before one is generated. */
function displayName(pod: KObj): string {
  return pod.metadata?.name || pod.metadata?.generateName || '';
}

/** API server defaulting (pkg/apis/core/v1/defaults.go), the fields that show in `get -o json`. */
export function defaultPod(pod: KObj): void {
  const spec = (pod.spec ??= {});
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  for (const list of ['initContainers', 'containers']) {
    for (const ctr of spec[list] ?? []) {
      ctr.terminationMessagePath ??= '/dev/termination-log';
      ctr.terminationMessagePolicy ??= 'File';
      ctr.resources ??= {};
      if (ctr.imagePullPolicy === undefined) {
        const img = String(ctr.image ?? '');
        ctr.imagePullPolicy = img.endsWith(':latest') || !/:[^/]+$/.test(img) ? 'Always' : 'IfNotPresent';
      }
    }
  }
  // DefaultTolerationSeconds admission.
  const tols: KObj[] = (spec.tolerations ??= []);
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (
      !tols.some(
        (t) => (t.key === key || (t.operator === 'Exists' && !t.key)) && (!t.effect || t.effect === 'NoExecute'),
      )
    ) {
      tols.push({ effect: 'NoExecute', key, operator: 'Exists', tolerationSeconds: 300 });
    }
  }
}

function isMirror(pod: KObj): boolean {
  return !!pod.metadata?.annotations?.['kubernetes.io/config.mirror'];
}

/** ServiceAccount admission: default SA, existence check, token volume (projected from 1.21, a secret before). */
function serviceAccountAdmission(c: ClusterState, pod: KObj): string | undefined {
  if (isMirror(pod)) return undefined;
  const ns = pod.metadata.namespace;
  const spec = pod.spec;
  const saName: string = spec.serviceAccountName || spec.serviceAccount || 'default';
  spec.serviceAccountName = saName;
  spec.serviceAccount = saName;
  const sa = c.objects[objKey('ServiceAccount', ns, saName)];
  if (!sa) return `error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`;
  const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
  if (!automount) return undefined;
  const volName = c.minor >= 21 ? `kube-api-access-${randSuffix()}` : `${saName}-token-${randSuffix()}`;
  const volume =
    c.minor >= 21
      ? {
          name: volName,
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
              {
                downwardAPI: {
                  items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }],
                },
              },
            ],
          },
        }
      : { name: volName, secret: { defaultMode: 420, secretName: volName } };
  spec.volumes = [...(spec.volumes ?? []), volume];
  for (const list of ['initContainers', 'containers']) {
    for (const ctr of spec[list] ?? []) {
      ctr.volumeMounts = [
        ...(ctr.volumeMounts ?? []),
        { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: volName, readOnly: true },
      ];
    }
  }
  return undefined;
}

const PRIORITIES: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

export interface PssLevels {
  enforce: string;
  enforceVersion: string;
  warn: string;
  warnVersion: string;
  audit: string;
  auditVersion: string;
}

/** The PodSecurity levels of a namespace: its labels over the admission config's defaults. */
export function pssLevels(c: ClusterState, nsObj: KObj | undefined): PssLevels {
  const d = c.pss?.defaults ?? {};
  const l: Record<string, string> = nsObj?.metadata?.labels ?? {};
  const get = (mode: string) => l[`pod-security.kubernetes.io/${mode}`] ?? d[mode] ?? 'privileged';
  const ver = (mode: string) => l[`pod-security.kubernetes.io/${mode}-version`] ?? d[`${mode}-version`] ?? 'latest';
  return {
    enforce: get('enforce'),
    enforceVersion: ver('enforce'),
    warn: get('warn'),
    warnVersion: ver('warn'),
    audit: get('audit'),
    auditVersion: ver('audit'),
  };
}

export function pssActive(c: ClusterState): boolean {
  return c.minor >= 23 && !c.admissionPlugins.includes('-PodSecurity');
}

function pssExempt(c: ClusterState, ns: string, user: Requester, pod?: KObj): boolean {
  const ex = c.pss?.exemptions;
  if (!ex) return false;
  if (ex.namespaces.includes(ns)) return true;
  if (ex.usernames.includes(user.name)) return true;
  const rc = pod?.spec?.runtimeClassName;
  return !!rc && ex.runtimeClasses.includes(rc);
}

/**
 * Evaluates a PodSecurity mode for an object (a pod or a workload): the violation
 * text (formatForbidden / formatWarning) or undefined when it passes.
 */
async function pssCheck(
  c: ClusterState,
  obj: KObj,
  level: string,
  versionText: string,
  mode: 'enforce' | 'warn',
): Promise<string | undefined> {
  if (level === 'privileged') return undefined;
  const pss = await loadPss();
  let version: ReturnType<PssModule['parsePssVersion']>;
  try {
    version = pss.parsePssVersion(versionText);
  } catch {
    version = 'latest';
  }
  // A cluster evaluates `latest` (and newer minors) as its own minor's checks.
  const evalVersion = version === 'latest' || version.minor > c.minor ? { minor: c.minor } : version;
  const violations = pss.evaluatePss(obj, level as 'baseline' | 'restricted', evalVersion);
  if (violations.length === 0) return undefined;
  return mode === 'enforce'
    ? pss.formatForbidden(level as 'restricted', version, violations)
    : pss.formatWarning(level as 'restricted', version, violations);
}

/** Warnings PodSecurity gives for a workload with a pod template (warn mode; enforce applies to pods only). */
export async function workloadWarnings(c: ClusterState, obj: KObj, user: Requester): Promise<string[]> {
  if (!pssActive(c)) return [];
  const ns = obj.metadata?.namespace ?? 'default';
  if (pssExempt(c, ns, user)) return [];
  const levels = pssLevels(c, c.objects[objKey('Namespace', '', ns)]);
  const w = await pssCheck(c, obj, levels.warn, levels.warnVersion, 'warn');
  return w ? [w] : [];
}

/**
 * Namespace label change warnings (admission.go EvaluatePodsInNamespace): when the
 * enforce level or version changes, existing pods are checked against the new level.
 */
export async function namespaceUpdateWarnings(c: ClusterState, before: KObj, after: KObj): Promise<string[]> {
  if (!pssActive(c)) return [];
  const ns = after.metadata.name;
  if (c.pss?.exemptions.namespaces.includes(ns)) return [];
  const a = pssLevels(c, before);
  const b = pssLevels(c, after);
  if (a.enforce === b.enforce && a.enforceVersion === b.enforceVersion) return [];
  if (b.enforce === 'privileged') return [];
  const pss = await loadPss();
  let version: ReturnType<PssModule['parsePssVersion']>;
  try {
    version = pss.parsePssVersion(b.enforceVersion);
  } catch {
    return [];
  }
  const evalVersion = version === 'latest' || version.minor > c.minor ? { minor: c.minor } : version;
  const pods = Object.values(c.objects)
    .filter((o) => o.kind === 'Pod' && o.metadata.namespace === ns)
    .map((p) => ({
      name: p.metadata.name as string,
      violations: pss.evaluatePss(p, b.enforce as 'restricted', evalVersion),
      controllerUid: (p.metadata.ownerReferences ?? []).find((r: KObj) => r.controller)?.uid,
      runtimeClassName: p.spec?.runtimeClassName,
    }));
  return pss.namespaceWarnings(ns, b.enforce as 'restricted', version, pods, {
    exemptRuntimeClasses: c.pss?.exemptions.runtimeClasses ?? [],
  });
}

/** Fault injection: a pod admitted "by" a policy that should not have admitted it. */
function wrongPolicyFault(s: SimState, pod: KObj): string | undefined {
  for (const f of s.faults) {
    if (f.action !== 'wrongPolicy') continue;
    if (f.count !== undefined && f.count <= 0) continue;
    const name = pod.metadata.name || pod.metadata.generateName || '';
    if (!name.startsWith(f.podPrefix)) continue;
    if (f.namespace && f.namespace !== pod.metadata.namespace) continue;
    if (f.count !== undefined) f.count--;
    f.fired = (f.fired ?? 0) + 1;
    return f.policy;
  }
  return undefined;
}

/**
 * Runs a pod create through admission. `pod` is not modified; the outcome's pod is
 * what would be stored (defaulted, token volume, PSP mutation and annotation).
 */
export async function admitPodCreate(
  s: SimState,
  c: ClusterState,
  input: KObj,
  user: Requester,
): Promise<AdmissionOutcome> {
  const pod = clone(input);
  pod.metadata ??= {};
  const ns: string = (pod.metadata.namespace ??= 'default');
  const warnings: string[] = [];
  defaultPod(pod);
  const nsObj = c.objects[objKey('Namespace', '', ns)];
  if (!nsObj) return { allowed: false, pod, reason: 'NotFound', message: `namespaces "${ns}" not found`, warnings };
  const forbid = (msg: string, name = displayName(pod)): AdmissionOutcome => ({
    allowed: false,
    pod,
    reason: 'Forbidden',
    message: `pods "${name}" is forbidden: ${msg}`,
    warnings,
  });

  const saErr = serviceAccountAdmission(c, pod);
  if (saErr) return forbid(saErr);
  if (pod.spec.priorityClassName && PRIORITIES[pod.spec.priorityClassName] !== undefined)
    pod.spec.priority = PRIORITIES[pod.spec.priorityClassName];
  else pod.spec.priority ??= 0;

  let admitted = pod;
  if (c.psp) {
    const forced = wrongPolicyFault(s, pod);
    if (forced) {
      admitted = clone(pod);
      admitted.metadata.annotations = { ...(admitted.metadata.annotations ?? {}), 'kubernetes.io/psp': forced };
    } else {
      const psp = await loadPsp();
      const rbac = await loadRbac();
      const authz = await rbacFor(c);
      const policies = Object.values(c.objects)
        .filter((o) => o.kind === 'PodSecurityPolicy')
        .map((o) => ({
          metadata: { name: o.metadata.name, annotations: o.metadata.annotations ?? null },
          spec: o.spec ?? {},
        }));
      const isAuthorized = rbac.policyUseAuthorizer({ rbac: authz, requester: user })(
        ns,
        pod.spec.serviceAccountName ?? '',
      );
      const r = psp.admitPod(pod as never, { policies, isAuthorized });
      if (!r.admitted) return forbid(r.message ?? psp.NO_PROVIDERS_MESSAGE);
      admitted = r.pod as KObj;
    }
  }

  // The registry's PrepareForCreate: seccomp annotations and fields in step (1.19-1.26);
  // AppArmor annotations copied into container fields with a deprecation warning (1.30+).
  if (c.minor >= 19 && c.minor <= 26) admitted = seccompVersionSkew(admitted);
  if (c.minor >= 30) {
    const pss = await loadAppArmorSync();
    warnings.push(...appArmorWarnings(admitted));
    admitted = pss.syncAppArmorAnnotations(admitted as never) as KObj;
  }

  // Validating admission: generated names exist by now.
  if (!admitted.metadata.name && admitted.metadata.generateName)
    admitted.metadata.name = `${admitted.metadata.generateName}${randSuffix()}`;
  if (pssActive(c) && !pssExempt(c, ns, user, admitted)) {
    const levels = pssLevels(c, nsObj);
    const refused = await pssCheck(c, admitted, levels.enforce, levels.enforceVersion, 'enforce');
    if (refused) return forbid(refused, admitted.metadata.name);
    const w = await pssCheck(c, admitted, levels.warn, levels.warnVersion, 'warn');
    if (w) warnings.push(w);
  }
  return { allowed: true, pod: admitted, warnings };
}

/** The identity of a controller's service account as it authenticates (token: with system:authenticated). */
export function controllerUser(name: string): Requester {
  return {
    name: `system:serviceaccount:kube-system:${name}`,
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
  };
}

export function nodeUser(node: string): Requester {
  return { name: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] };
}

/** Who `admin.conf` authenticates as: system:masters until 1.28, kubeadm:cluster-admins from 1.29. */
export function adminUser(minor: number): Requester {
  return {
    name: 'kubernetes-admin',
    groups: [minor >= 29 ? 'kubeadm:cluster-admins' : 'system:masters', 'system:authenticated'],
  };
}
