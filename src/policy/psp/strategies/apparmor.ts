/**
 * AppArmor (pkg/security/podsecuritypolicy/apparmor/strategy.go). Profiles live in
 * per-container pod annotations; the policy lists allowed ones (no wildcard: `*` is
 * just a name) and may name a default that is added to containers without one.
 */
import type { FieldError } from '../field-error.js';
import { forbidden, go, NO_ERRORS } from '../field-error.js';
import { APPARMOR_CONTAINER_ANNOTATION_PREFIX } from '../pod-view.js';
import { PSP_ANNOTATIONS } from '../../../k8s/psp-annotations.js';

/** `current` is the container's AppArmor annotation (undefined when absent). */
export interface AppArmorStrategy {
  /** The annotation value to default this container to, or undefined for no change. */
  generate(current: string | undefined): string | undefined;
  validate(container: string, current: string | undefined): readonly FieldError[];
}

/** The container's AppArmor annotation, as errors name it (built only for an error). */
function annotationPath(container: string): string {
  return `pod.metadata.annotations[${APPARMOR_CONTAINER_ANNOTATION_PREFIX}${container}]`;
}

export function createAppArmorStrategy(pspAnnotations: Record<string, string> | undefined): AppArmorStrategy {
  const allowedText = pspAnnotations?.[PSP_ANNOTATIONS.apparmorAllowed];
  const defaultProfile = pspAnnotations?.[PSP_ANNOTATIONS.apparmorDefault] ?? '';
  const allowed = allowedText === undefined ? undefined : new Set(allowedText.split(','));
  return {
    generate(current) {
      if (defaultProfile === '') return undefined;
      return (current ?? '') === '' ? defaultProfile : undefined;
    },
    validate(name, current) {
      // No allowed list on the policy: any profile, or none.
      if (!allowed) return NO_ERRORS;
      const profile = current ?? '';
      if (profile === '')
        return allowed.size > 0 ? [forbidden(annotationPath(name), 'AppArmor profile must be set')] : NO_ERRORS;
      if (!allowed.has(profile))
        return [
          forbidden(
            annotationPath(name),
            `${profile} is not an allowed profile. Allowed values: ${go.str(allowedText!)}`,
          ),
        ];
      return NO_ERRORS;
    },
  };
}
