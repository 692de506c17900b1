/**
 * procMount_restricted (restricted, v1.35+): the unconditional /proc-mask rule, kept for
 * restricted namespaces once baseline relaxed it for user-namespace pods.
 *
 * Upstream: policy/check_procMount_restricted.go (read at 7c0ae3a5; PR #132157):
 * one revision at 1.35 running procMount_1_0 with OverrideCheckIDs ["procMount"].
 * Below 1.35 restricted simply runs the baseline procMount check, which is identical.
 * The ID sorts among the restricted checks, so from v1.35 a procMount reason is listed
 * after the capabilities reason at restricted level.
 */
import type { CheckDefinition } from '../registry.js';
import { procMount1_0 } from './procMount.js';

export const procMountRestricted: CheckDefinition = {
  id: 'procMount_restricted',
  level: 'restricted',
  versions: [{ minimumMinor: 35, check: procMount1_0, overrides: ['procMount'] }],
};
