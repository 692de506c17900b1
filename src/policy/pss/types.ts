/**
 * The Pod Security Standards evaluation interface shared by `policy check`,
 * the simulated node and `audit`. Implemented in ./evaluate.ts.
 */

export type { PssCheckedLevel, PssLevel } from '../../k8s/pss.js';

/** `latest` or a minor: checks behave as the PodSecurity plugin of v1.<minor> defines them. */
export type PssVersion = 'latest' | { minor: number };

export interface PssViolation {
  /** The check's ID as kubernetes/pod-security-admission names it, e.g. `privileged`, `hostNamespaces`, `capabilities_restricted`. */
  check: string;
  /** Short reason as the plugin prints it, e.g. `privileged`, `host namespaces`, `unrestricted capabilities`. */
  reason: string;
  /** What to change, as the plugin prints it, e.g. `container "c" must not set securityContext.privileged=true`. */
  detail: string;
}
