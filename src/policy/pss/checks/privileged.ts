/**
 * privileged (baseline, v1.0+): no container may set securityContext.privileged=true.
 *
 * Upstream: policy/check_privileged.go (read at 008b3652). One revision at 1.0.
 * Walks init, regular and ephemeral containers (visitor.go order).
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { containersPhrase, containersWhere, obj } from '../helpers.js';

function privileged1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  const bad = containersWhere(spec, (c) => obj(c.securityContext)?.privileged === true);
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
