/**
 * seLinux strategies (pkg/security/podsecuritypolicy/selinux: mustrunas.go,
 * runasany.go). MustRunAs compares levels with categories in any order
 * (`s0:c1,c2` equals `s0:c2,c1`), the other parts exactly.
 */
import type { FieldError } from '../field-error.js';
import { go, invalid, NO_ERRORS, required } from '../field-error.js';
import type { SELinuxOptions } from '../pod.js';
import { StrategyError } from './build-error.js';

export interface SELinuxStrategy {
  generate(): SELinuxOptions | undefined;
  /** `path` is `...securityContext.seLinuxOptions` of the pod or container. */
  validate(path: string, opts: SELinuxOptions | undefined): readonly FieldError[];
}

export function createSELinuxStrategy(
  opts: { rule?: string; seLinuxOptions?: SELinuxOptions } | undefined,
): SELinuxStrategy {
  const rule = opts?.rule ?? '';
  switch (rule) {
    case 'MustRunAs': {
      const want = opts?.seLinuxOptions;
      if (!want) throw new StrategyError('MustRunAs requires SELinuxOptions');
      const w = { user: want.user ?? '', role: want.role ?? '', type: want.type ?? '', level: want.level ?? '' };
      return {
        // A fresh copy each time: the defaulted pod must not share objects with the policy.
        generate: () => ({ ...want }),
        validate(path, got) {
          if (!got) return [required(path)];
          if (
            (got.level ?? '') === w.level &&
            (got.role ?? '') === w.role &&
            (got.type ?? '') === w.type &&
            (got.user ?? '') === w.user
          )
            return NO_ERRORS;
          const g = { user: got.user ?? '', role: got.role ?? '', type: got.type ?? '', level: got.level ?? '' };
          const errs: FieldError[] = [];
          if (!equalLevels(w.level, g.level))
            errs.push(invalid(`${path}.level`, go.str(g.level), `must be ${w.level}`));
          if (g.role !== w.role) errs.push(invalid(`${path}.role`, go.str(g.role), `must be ${w.role}`));
          if (g.type !== w.type) errs.push(invalid(`${path}.type`, go.str(g.type), `must be ${w.type}`));
          if (g.user !== w.user) errs.push(invalid(`${path}.user`, go.str(g.user), `must be ${w.user}`));
          return errs;
        },
      };
    }
    case 'RunAsAny':
      return { generate: () => undefined, validate: () => NO_ERRORS };
    default:
      throw new StrategyError(`Unrecognized SELinuxContext strategy type ${rule}`);
  }
}

/** "s0:c6,c0" equals "s0:c0,c6": same sensitivity, same set of categories. */
export function equalLevels(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  const e = splitOnce(expected);
  const a = splitOnce(actual);
  if (!e || !a) return false;
  if (e[0] !== a[0]) return false;
  const ec = e[1].split(',').sort();
  const ac = a[1].split(',').sort();
  return ec.length === ac.length && ec.every((c, i) => c === ac[i]);
}

function splitOnce(s: string): [string, string] | undefined {
  const i = s.indexOf(':');
  return i < 0 ? undefined : [s.slice(0, i), s.slice(i + 1)];
}
