/**
 * Kubernetes object-name rules (apimachinery validation.IsDNS1123Label /
 * IsDNS1123Subdomain), with the reason a name fails.
 */

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Namespaces and label values of this kind: at most 63 characters, no dots. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return `must be no more than 63 characters (has ${name.length})`;
  if (!LABEL.test(name)) {
    return `"${name}" is not a valid DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Most object names (service accounts, policies, node names): at most 253 characters, dots allowed. */
export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 253) return `must be no more than 253 characters (has ${name.length})`;
  if (!SUBDOMAIN.test(name)) {
    return `"${name}" is not a valid DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit`;
  }
  return undefined;
}
