/** The namespace labels that set a Pod Security Standards level (PSS mode). */
import type { Level } from '../config/schema.js';
import { pssVersionLabel } from '../versions.js';

export function pssLabels(level: Level, minor: number): Record<string, string> {
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
