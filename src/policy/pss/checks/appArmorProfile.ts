/**
 * appArmorProfile (baseline, v1.0+): AppArmor may not be switched off. Two channels
 * are checked, both at every policy version:
 * - the fields `securityContext.appArmorProfile.type` on the pod and on every
 *   container: only `RuntimeDefault` and `Localhost` (anything else, `Unconfined`
 *   included, is refused);
 * - the beta annotations `container.apparmor.security.beta.kubernetes.io/<name>`:
 *   empty, `runtime/default` or `localhost/...` only.
 *
 * Upstream: policy/check_appArmorProfile.go (read at da0c8de9) and the released test
 * check_appArmorProfile_test.go (object 4979538: `appArmorProfile_1_0`, texts such as
 * `pod must not set AppArmor profile type to "Unconfined"` and
 * `annotations must not set AppArmor profile type to "container.apparmor...=\"bogus\""`).
 * The field channel was added by PR #123435 (Kubernetes 1.30) inside the single 1.0
 * revision, not as a new version, so a current plugin applies it at every pinned
 * version; before 1.30 the plugin printed only the annotation form
 * (`forbidden AppArmor profile (key="value")`, check_appArmorProfile.go at ab3cf0b2).
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import {
  containersPhrase,
  forEachContainer,
  goCompare,
  goQuote,
  joinQuote,
  nameOf,
  obj,
  pluralize,
  sortedSet,
  str,
} from '../helpers.js';

export const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function allowedType(t: unknown): boolean {
  return t === 'RuntimeDefault' || t === 'Localhost';
}

function allowedAnnotationValue(v: string): boolean {
  return v === '' || v === 'runtime/default' || v.startsWith('localhost/');
}

function appArmorProfile1_0(meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let setters: string[] | undefined;
  let values: string[] | undefined;

  const podProfile = obj(obj(spec.securityContext)?.appArmorProfile);
  if (podProfile && !allowedType(podProfile.type)) {
    (setters ??= []).push('pod');
    (values ??= []).push(str(podProfile.type));
  }

  let badContainers: string[] | undefined;
  forEachContainer(spec, (c) => {
    const p = obj(obj(c.securityContext)?.appArmorProfile);
    if (p && !allowedType(p.type)) {
      (badContainers ??= []).push(nameOf(c));
      (values ??= []).push(str(p.type));
    }
  });
  if (badContainers) (setters ??= []).push(containersPhrase(badContainers));

  let annotations: string[] | undefined;
  const ann = meta.annotations;
  if (ann !== null && typeof ann === 'object') {
    for (const k in ann as Record<string, unknown>) {
      if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
      const v = str((ann as Record<string, unknown>)[k]);
      if (!allowedAnnotationValue(v)) (annotations ??= []).push(`${k}=${goQuote(v)}`);
    }
  }

  if (!setters && !annotations) return null;
  // Field values are a set; the annotation texts follow, sorted on their own.
  const list = values ? sortedSet(values) : [];
  if (annotations) {
    annotations.sort(goCompare);
    list.push(...annotations);
    (setters ??= []).push(pluralize('annotation', 'annotations', annotations.length));
  }
  return {
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', list.length),
    detail: `${setters!.join(' and ')} must not set AppArmor profile type to ${joinQuote(list)}`,
  };
}

export const appArmorProfile: CheckDefinition = {
  id: 'appArmorProfile',
  level: 'baseline',
  versions: [{ minimumMinor: 0, check: appArmorProfile1_0 }],
};
