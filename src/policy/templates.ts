/**
 * Names of the built-in policies (their objects: psp/library.ts).
 * A tenant or a custom policy refers to one of these, or to a custom policy.
 */
export const BUILTIN_POLICY_TEMPLATES = [
  'restricted',
  'baseline',
  'privileged',
  'privileged-restricted',
  'privileged-root-volumes-restricted',
  'ingress-nginx',
] as const;

export type BuiltinPolicyName = (typeof BUILTIN_POLICY_TEMPLATES)[number];

export function isBuiltinPolicy(name: string): name is BuiltinPolicyName {
  return (BUILTIN_POLICY_TEMPLATES as readonly string[]).includes(name);
}
