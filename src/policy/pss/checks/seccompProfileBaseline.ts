/**
 * seccompProfile_baseline (baseline): seccomp may not be set to Unconfined (or any
 * profile other than the runtime default or a localhost profile). Unset is fine.
 *
 * Upstream: policy/check_seccompProfile_baseline.go (read at 003effe9/046d201c):
 * - 1.0 (policy versions up to v1.18): the alpha annotations
 *   `seccomp.security.alpha.kubernetes.io/pod` and
 *   `container.seccomp.security.alpha.kubernetes.io/<container name>` must be
 *   `runtime/default`, `docker/default` or `localhost/...`;
 * - 1.19: the fields `securityContext.seccompProfile.type` on the pod and containers
 *   must be `RuntimeDefault` or `Localhost`.
 * At restricted level seccompProfile_restricted overrides it from v1.19.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import {
  containersPhrase,
  forEachContainer,
  goQuote,
  joinQuote,
  nameOf,
  obj,
  pluralize,
  sortedSet,
  str,
} from '../helpers.js';

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/** validSeccomp: the field values the baseline and restricted levels accept. */
export function validSeccompType(t: unknown): boolean {
  return t === 'Localhost' || t === 'RuntimeDefault';
}

function validAnnotationValue(v: string): boolean {
  return v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
}

function seccompProfileBaseline1_0(meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  const ann = meta.annotations;
  if (ann === null || typeof ann !== 'object') return null;
  const a = ann as Record<string, unknown>;
  let forbidden: string[] | undefined;
  if (Object.hasOwn(a, SECCOMP_POD_ANNOTATION)) {
    const v = str(a[SECCOMP_POD_ANNOTATION]);
    if (!validAnnotationValue(v)) (forbidden ??= []).push(`${SECCOMP_POD_ANNOTATION}=${goQuote(v)}`);
  }
  forEachContainer(spec, (c) => {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + nameOf(c);
    if (!Object.hasOwn(a, key)) return;
    const v = str(a[key]);
    if (!validAnnotationValue(v)) (forbidden ??= []).push(`${key}=${goQuote(v)}`);
  });
  if (!forbidden) return null;
  const set = sortedSet(forbidden);
  return {
    reason: 'seccompProfile',
    detail: `forbidden ${pluralize('annotation', 'annotations', set.length)} ${set.join(', ')}`,
  };
}

function seccompProfileBaseline1_19(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let setters: string[] | undefined;
  let values: string[] | undefined;
  const podProfile = obj(obj(spec.securityContext)?.seccompProfile);
  if (podProfile && !validSeccompType(podProfile.type)) {
    (setters ??= []).push('pod');
    (values ??= []).push(str(podProfile.type));
  }
  let bad: string[] | undefined;
  forEachContainer(spec, (c) => {
    const p = obj(obj(c.securityContext)?.seccompProfile);
    if (p && !validSeccompType(p.type)) {
      (bad ??= []).push(nameOf(c));
      (values ??= []).push(str(p.type));
    }
  });
  if (bad) (setters ??= []).push(containersPhrase(bad));
  if (!setters) return null;
  return {
    reason: 'seccompProfile',
    detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values!))}`,
  };
}

export const seccompProfileBaseline: CheckDefinition = {
  id: 'seccompProfile_baseline',
  level: 'baseline',
  versions: [
    { minimumMinor: 0, check: seccompProfileBaseline1_0 },
    { minimumMinor: 19, check: seccompProfileBaseline1_19 },
  ],
};
