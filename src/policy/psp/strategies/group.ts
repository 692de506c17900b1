/**
 * Group strategies shared by runAsGroup, fsGroup and supplementalGroups
 * (pkg/security/podsecuritypolicy/group: mustrunas.go, mayrunas.go, runasany.go,
 * helpers.go; factory.go createRunAsGroupStrategy / createFSGroupStrategy /
 * createSupplementalGroupStrategy).
 */
import type { FieldError } from '../field-error.js';
import { formatIdRanges, go, invalid, NO_ERRORS } from '../field-error.js';
import { StrategyError } from './build-error.js';
import { inRanges, type IdRange } from './user.js';

export interface GroupStrategy {
  /** Supplemental groups to default to (undefined: leave unset). */
  generate(): number[] | undefined;
  /** A single group to default to (fsGroup, runAsGroup). */
  generateSingle(): number | undefined;
  /** `groups` is nil (undefined/null) or a list, which matters for the printed value. */
  validate(path: string, groups: readonly number[] | null | undefined): readonly FieldError[];
}

/** Which PSP field the strategy is for: only the names in build errors differ. */
export type GroupField = 'RunAsGroup' | 'FSGroup' | 'SupplementalGroups';

function outOfRange(
  path: string,
  ranges: readonly IdRange[],
  groups: readonly number[] | null | undefined,
): readonly FieldError[] {
  let errs: FieldError[] | undefined;
  if (groups) {
    for (const g of groups) {
      if (!inRanges(g, ranges))
        (errs ??= []).push(
          invalid(path, go.int64s(groups), `group ${g} must be in the ranges: ${formatIdRanges(ranges)}`),
        );
    }
  }
  return errs ?? NO_ERRORS;
}

const RUN_AS_ANY: GroupStrategy = {
  generate: () => undefined,
  generateSingle: () => undefined,
  validate: () => NO_ERRORS,
};

/** `opts` undefined means the field is absent, which only runAsGroup may be (it is RunAsAny then). */
export function createGroupStrategy(
  field: GroupField,
  opts: { rule?: string; ranges?: IdRange[] } | undefined,
): GroupStrategy {
  if (opts === undefined && field === 'RunAsGroup') return RUN_AS_ANY;
  const rule = opts?.rule ?? '';
  const ranges = opts?.ranges ?? [];
  switch (rule) {
    case 'MustRunAs':
      if (ranges.length === 0) throw new StrategyError('ranges must be supplied for MustRunAs');
      return {
        generate: () => [ranges[0].min],
        generateSingle: () => ranges[0].min,
        validate(path, groups) {
          if (!groups || groups.length === 0)
            return [invalid(path, go.int64s(groups), 'unable to validate empty groups against required ranges')];
          return outOfRange(path, ranges, groups);
        },
      };
    case 'MayRunAs':
      if (ranges.length === 0) throw new StrategyError('ranges must be supplied for MayRunAs');
      return {
        generate: () => undefined,
        generateSingle: () => undefined,
        validate: (path, groups) => outOfRange(path, ranges, groups),
      };
    case 'RunAsAny':
      return RUN_AS_ANY;
    default:
      throw new StrategyError(`Unrecognized ${field} strategy type ${rule}`);
  }
}
