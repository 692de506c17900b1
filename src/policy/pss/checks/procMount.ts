/**
 * procMount (baseline): containers must keep the default /proc masks
 * (`securityContext.procMount` unset or `Default`).
 *
 * Upstream: policy/check_procMount_baseline.go at e8bd3f62 (PR #132157, v1.35; the file
 * was check_procMount.go before): revisions
 * - 1.0: refuse any other value, unconditionally (procMount_1_0);
 * - 1.35: allow anything for a pod in a user namespace (`hostUsers: false`), else as
 *   1.0 (procMount1_35baseline).
 * Before 1.35 the relaxation sat behind the alpha UserNamespacesPodSecurityStandards
 * gate (off by default); that gate was removed and the 1.0 revision no longer relaxes.
 * Restricted keeps refusing from 1.35 via procMount_restricted, which overrides this.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import {
  containersPhrase,
  forEachContainer,
  inUserNamespace,
  joinQuote,
  nameOf,
  obj,
  sortedSet,
  str,
} from '../helpers.js';

/** procMount_1_0: shared with procMount_restricted (check_procMount_restricted.go). */
export function procMount1_0(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  let bad: string[] | undefined;
  let types: string[] | undefined;
  forEachContainer(spec, (c) => {
    const sc = obj(c.securityContext);
    if (!sc || sc.procMount === undefined || sc.procMount === null) return;
    const pm = str(sc.procMount);
    if (pm !== 'Default') {
      (bad ??= []).push(nameOf(c));
      (types ??= []).push(pm);
    }
  });
  if (!bad) return null;
  return {
    reason: 'procMount',
    detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types!))}`,
  };
}

function procMount1_35baseline(meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
  if (inUserNamespace(spec)) return null;
  return procMount1_0(meta, spec);
}

export const procMount: CheckDefinition = {
  id: 'procMount',
  level: 'baseline',
  versions: [
    { minimumMinor: 0, check: procMount1_0 },
    { minimumMinor: 35, check: procMount1_35baseline },
  ],
};
