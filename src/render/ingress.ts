/**
 * ingress-nginx: first what it needs before its own manifest is applied (its
 * namespace and, in PSP mode, the ingress-nginx policy with a Role and RoleBinding
 * for the controller's, the admission jobs' and the default service accounts), then
 * the controller itself from the release kubestrap pins for the minor.
 */
import type { ClusterConfig } from '../config/load.js';
import { buildPolicy } from '../policy/psp/library.js';
import { levelForPolicy } from '../policy/pss/level-of-policy.js';
import type { Level } from '../config/schema.js';
import { ingressNginxFor, pspRbacGroups } from '../versions.js';
import { renderTemplate } from './handlebars.js';
import { bindingDoc, namespaceDoc, pspDoc, pspUseRoleDoc, serviceAccountSubject } from './objects.js';
import { pssLabels } from './pss-labels.js';

export const INGRESS_POLICY = 'ingress-nginx';
/** Service accounts of the upstream ingress-nginx manifest: the controller and the admission webhook jobs. */
export const INGRESS_SERVICE_ACCOUNTS = ['ingress-nginx', 'ingress-nginx-admission'];

/** The node's ports 80 and 443 (ingress.hostPorts): only they, on top of the ingress-nginx policy. */
const HOST_PORTS = [
  { min: 80, max: 80 },
  { min: 443, max: 443 },
];

/**
 * The level ingress-nginx's namespace enforces in PSS mode: the ingress-nginx policy's, no
 * stricter than the pinned release's pods pass (v1.3's controller allows privilege
 * escalation: baseline), and privileged with host ports, which baseline forbids.
 */
export function ingressLevel(cfg: ClusterConfig): Level {
  if (cfg.ingress.hostPorts) return 'privileged';
  const policyLevel = levelForPolicy(INGRESS_POLICY, cfg.policies);
  const releaseLevel = ingressNginxFor(cfg.version.minor)?.release.level ?? policyLevel;
  return policyLevel === 'restricted' && releaseLevel === 'baseline' ? 'baseline' : policyLevel;
}

export function renderIngress(cfg: ClusterConfig): string[] {
  const ns = cfg.ingress.namespace;
  const minor = cfg.version.minor;
  if (cfg.mode === 'pss') return [namespaceDoc(ns, pssLabels(ingressLevel(cfg), minor))];
  const policy = structuredClone(buildPolicy(INGRESS_POLICY, minor, cfg.policies));
  if (cfg.ingress.hostPorts) policy.spec.hostPorts = HOST_PORTS;
  return [
    pspDoc(policy),
    namespaceDoc(ns),
    pspUseRoleDoc({
      kind: 'Role',
      name: `psp:${INGRESS_POLICY}`,
      namespace: ns,
      policy: INGRESS_POLICY,
      apiGroups: pspRbacGroups(minor),
    }),
    bindingDoc({
      kind: 'RoleBinding',
      name: `psp:${INGRESS_POLICY}`,
      namespace: ns,
      roleKind: 'Role',
      roleName: `psp:${INGRESS_POLICY}`,
      subjects: [...INGRESS_SERVICE_ACCOUNTS, 'default'].map((sa) => serviceAccountSubject(ns, sa)),
    }),
  ];
}

/** The ingress-nginx controller manifest for the cluster's minor, and a warning when its release was not tested there. */
export function renderIngressController(cfg: ClusterConfig): { text: string; warnings: string[] } {
  const pick = ingressNginxFor(cfg.version.minor);
  if (!pick) throw new Error(`no ingress-nginx release for v1.${cfg.version.minor} (validation refuses it)`);
  const { release, tested } = pick;
  const text = renderTemplate(release.template, {
    namespace: cfg.ingress.namespace,
    controllerImage: release.controllerImage,
    certgenImage: release.certgenImage,
    hostPorts: cfg.ingress.hostPorts,
  });
  const warnings = tested
    ? []
    : [
        `ingress-nginx ${release.version}, the release kubestrap installs on v1.${cfg.version.minor}, is tested on 1.${release.tested[0]}-1.${release.tested[1]} only (the ingress-nginx project is retired: no release lists v1.${cfg.version.minor}); check it before you rely on it`,
      ];
  return { text, warnings };
}
