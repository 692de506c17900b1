/**
 * runAsUser strategies (pkg/security/podsecuritypolicy/user: mustrunas.go,
 * nonroot.go, runasany.go; factory.go createUserStrategy).
 */
import type { FieldError } from '../field-error.js';
import { formatIdRanges, go, invalid, NO_ERRORS, required } from '../field-error.js';
import { StrategyError } from './build-error.js';

export interface IdRange {
  min: number;
  max: number;
}

export interface RunAsUserStrategy {
  /** The uid to default a container to when neither it nor the pod sets one. */
  generate(): number | undefined;
  /** `scPath` is the container's `...securityContext`; the values are the effective ones. */
  validate(scPath: string, runAsNonRoot: boolean | undefined, runAsUser: number | undefined): readonly FieldError[];
}

export function inRanges(id: number, ranges: readonly IdRange[]): boolean {
  for (const r of ranges) if (id >= r.min && id <= r.max) return true;
  return false;
}

export function createRunAsUserStrategy(opts: { rule?: string; ranges?: IdRange[] } | undefined): RunAsUserStrategy {
  const rule = opts?.rule ?? '';
  switch (rule) {
    case 'MustRunAs': {
      const ranges = opts?.ranges ?? [];
      if (ranges.length === 0) throw new StrategyError('MustRunAs requires at least one range');
      return {
        // The first range's minimum, as upstream.
        generate: () => ranges[0].min,
        validate(scPath, _nonRoot, uid) {
          if (uid === undefined) return [required(`${scPath}.runAsUser`)];
          if (!inRanges(uid, ranges))
            return [invalid(`${scPath}.runAsUser`, go.int(uid), `must be in the ranges: ${formatIdRanges(ranges)}`)];
          return NO_ERRORS;
        },
      };
    }
    case 'MustRunAsNonRoot':
      return {
        // No uid is generated: the image's user is trusted and the kubelet checks it is not 0.
        generate: () => undefined,
        validate(scPath, nonRoot, uid) {
          if (nonRoot === undefined && uid === undefined) return [required(`${scPath}.runAsNonRoot`, 'must be true')];
          if (nonRoot === false) return [invalid(`${scPath}.runAsNonRoot`, go.bool(false), 'must be true')];
          if (uid === 0) return [invalid(`${scPath}.runAsUser`, go.int(0), 'running with the root UID is forbidden')];
          return NO_ERRORS;
        },
      };
    case 'RunAsAny':
      return { generate: () => undefined, validate: () => NO_ERRORS };
    default:
      throw new StrategyError(`Unrecognized RunAsUser strategy type ${rule}`);
  }
}
