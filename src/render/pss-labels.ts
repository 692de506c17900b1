/** The namespace labels that set a Pod Security Standards level (PSS mode). */
import type { PssLevel } from '../k8s/pss.js';
import { pssVersionLabel } from '../versions.js';

export function pssLabels(level: PssLevel, minor: number): Record<string, string> {
  const version = pssVersionLabel(minor);
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': version,
    'pod-security.kubernetes.io/audit': level,
    'pod-security.kubernetes.io/audit-version': version,
    'pod-security.kubernetes.io/warn': level,
    'pod-security.kubernetes.io/warn-version': version,
  };
}
