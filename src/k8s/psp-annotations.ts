/**
 * The annotations through which a PSP controls seccomp and AppArmor profiles.
 * Kept apart from schema.ts so the admission engine (and every simulated
 * kubectl process) does not load zod just for these names.
 */
export const PSP_ANNOTATIONS = {
  seccompAllowed: 'seccomp.security.alpha.kubernetes.io/allowedProfileNames',
  seccompDefault: 'seccomp.security.alpha.kubernetes.io/defaultProfileName',
  apparmorAllowed: 'apparmor.security.beta.kubernetes.io/allowedProfileNames',
  apparmorDefault: 'apparmor.security.beta.kubernetes.io/defaultProfileName',
} as const;
