/**
 * Seccomp (pkg/security/podsecuritypolicy/seccomp/strategy.go, 1.19-1.24 form).
 *
 * The policy speaks annotations: `seccomp.security.alpha.kubernetes.io/
 * allowedProfileNames` (comma-separated, `*` for any) and `.../defaultProfileName`.
 * Since 1.19 a pod may also use the `seccompProfile` fields; the strategy reads them
 * by translating them to the annotation form (`runtime/default`, `unconfined`,
 * `localhost/<path>`), and `docker/default` and `runtime/default` allow each other.
 *
 * Defaulting happens at pod level only: the pod annotation is set to the existing
 * pod annotation, else the pod field's translation, else the policy default. Writing
 * the field's translation into the annotation counts as a mutation, exactly as
 * upstream (the API server syncs annotation and field only later, in
 * PrepareForCreate, after mutating admission).
 */
import type { FieldError } from '../field-error.js';
import { forbidden, NO_ERRORS } from '../field-error.js';
import type { SeccompProfile } from '../pod.js';
import { PSP_ANNOTATIONS } from '../../../k8s/psp-annotations.js';

import { SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION } from '../pod-view.js';

/** What the strategy reads of a (possibly already defaulted) pod. */
export interface SeccompSubject {
  /** The `seccomp.security.alpha.kubernetes.io/pod` annotation. */
  seccompAnnotation: string | undefined;
  podProfile: SeccompProfile | undefined;
}

/** A container: its name and its own annotation (its own field is passed separately). */
export interface SeccompContainer {
  readonly name: string;
  readonly seccompAnnotation: string | undefined;
}

export interface SeccompStrategy {
  /** The pod annotation value to set, '' for none. */
  generate(pod: SeccompSubject): string;
  validatePod(pod: SeccompSubject): readonly FieldError[];
  validateContainer(
    pod: SeccompSubject,
    container: SeccompContainer,
    profile: SeccompProfile | undefined,
  ): readonly FieldError[];
}

/** podutil.SeccompAnnotationForField. */
export function seccompAnnotationForField(field: SeccompProfile): string {
  switch (field.type) {
    case 'Unconfined':
      return 'unconfined';
    case 'RuntimeDefault':
      return 'runtime/default';
    case 'Localhost':
      if (field.localhostProfile != null) return `localhost/${field.localhostProfile}`;
  }
  return '';
}

function podProfile(pod: SeccompSubject): string {
  const a = pod.seccompAnnotation ?? '';
  if (a !== '') return a;
  return pod.podProfile ? seccompAnnotationForField(pod.podProfile) : '';
}

/** The container's field, its annotation, the pod's field, the pod's annotation: first that is set. */
function containerProfile(pod: SeccompSubject, c: SeccompContainer, profile: SeccompProfile | undefined): string {
  if (profile) return seccompAnnotationForField(profile);
  if (c.seccompAnnotation !== undefined) return c.seccompAnnotation;
  if (pod.podProfile) return seccompAnnotationForField(pod.podProfile);
  return pod.seccompAnnotation ?? '';
}

/** The annotation a profile error names: the container's, or the pod's (`c` undefined). */
function annotationPath(c: SeccompContainer | undefined): string {
  return `pod.metadata.annotations[${c ? SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name : SECCOMP_POD_ANNOTATION}]`;
}

export function createSeccompStrategy(pspAnnotations: Record<string, string> | undefined): SeccompStrategy {
  const allowedText = pspAnnotations?.[PSP_ANNOTATIONS.seccompAllowed];
  const defaultProfile = pspAnnotations?.[PSP_ANNOTATIONS.seccompDefault] ?? '';
  const allowed = new Set<string>();
  let allowAny = false;
  if (allowedText !== undefined) {
    for (const p of allowedText.split(',')) {
      if (p === '*') {
        allowAny = true;
        continue;
      }
      if (p === 'docker/default' || p === 'runtime/default') {
        allowed.add('docker/default');
        allowed.add('runtime/default');
      }
      allowed.add(p);
    }
  }

  /** `c` undefined: the pod's own profile. The error path is built only on error. */
  const check = (c: SeccompContainer | undefined, profile: string): readonly FieldError[] => {
    if (!allowAny && allowed.size === 0 && profile !== '')
      return [forbidden(annotationPath(c), 'seccomp may not be set')];
    // A policy without allowed profiles admits pods without a profile (the runtime's default applies).
    const ok = (allowed.size === 0 && profile === '') || allowAny || allowed.has(profile);
    if (!ok)
      return [
        forbidden(
          annotationPath(c),
          `${profile} is not an allowed seccomp profile. Valid values are ${allowedText ?? ''}`,
        ),
      ];
    return NO_ERRORS;
  };

  return {
    generate(pod) {
      const a = pod.seccompAnnotation ?? '';
      if (a !== '') return a;
      if (pod.podProfile) return seccompAnnotationForField(pod.podProfile);
      return defaultProfile;
    },
    validatePod: (pod) => check(undefined, podProfile(pod)),
    validateContainer: (pod, c, profile) => check(c, containerProfile(pod, c, profile)),
  };
}
