/**
 * privileged (baseline, v1.0+): no container may set securityContext.privileged=true.
 *
 * Upstream: policy/check_privileged.go (read at 008b3652). One revision at 1.0.
 * Walks init, regular and ephemeral containers (visitor.go order).
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { asContainer, containerList, containersPhrase, nameOf, obj } from '../helpers.js';

function privileged1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let bad: string[] | undefined;
  for (let l = 0; l < 3; l++) {
    const list = containerList(spec, l);
    if (!list) continue;
    for (let i = 0; i < list.length; i++) {
      const c = asContainer(list[i]);
      if (obj(c.securityContext)?.privileged === true) (bad ??= []).push(nameOf(c));
    }
  }
  if (!bad) return null;
  return {
    reason: 'privileged',
    detail: `${containersPhrase(bad)} must not set securityContext.privileged=true`,
  };
}

export const privileged: CheckDefinition = {
  id: 'privileged',
  level: 'baseline',
  versions: [{ minimumMinor: 0, check: privileged1_0 }],
};
