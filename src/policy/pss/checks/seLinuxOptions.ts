/**
 * seLinuxOptions (baseline): the SELinux type must be one of the container types, and
 * a custom SELinux user or role may not be set, on the pod or on any container.
 *
 * Upstream: policy/check_seLinuxOptions.go; revisions at 1.0 and 1.31. The 1.31 set
 * adds `container_engine_t` (PR #126165, "Starting in 1.31, container_engine_t is in
 * the list of allowed SELinux types"; test check_seLinuxOptions_test.go at 2e090810
 * calls seLinuxOptions1_31). Detail text per that test, e.g.
 * `pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions:
 * types "bar", "foo"; user may not be set; role may not be set`.
 * "user/role may not be set" is printed even without a bad type: the 1.22-1.25 code
 * nested them under the type test and printed an empty tail (kubernetes#113109, fixed
 * by #113111); the current plugin prints them.
 */
import type { CheckDefinition } from '../registry.js';
import type { CheckOutcome, PodMetaLike, PodSpecLike } from '../helpers.js';
import { containersPhrase, forEachContainer, joinQuote, nameOf, obj, pluralize, sortedSet, str } from '../helpers.js';

const TYPES_1_0: ReadonlySet<string> = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const TYPES_1_31: ReadonlySet<string> = new Set([...TYPES_1_0, 'container_engine_t']);

interface SELinuxLike {
  type?: unknown;
  user?: unknown;
  role?: unknown;
}

/** What the options of the pod and its containers got wrong; filled only on the refusal path. */
interface Findings {
  badTypes: string[] | undefined;
  setUser: boolean;
  setRole: boolean;
}

function validOptions(o: SELinuxLike, allowed: ReadonlySet<string>, f: Findings): boolean {
  let ok = true;
  const t = str(o.type);
  if (!allowed.has(t)) {
    ok = false;
    (f.badTypes ??= []).push(t);
  }
  if (str(o.user) !== '') {
    ok = false;
    f.setUser = true;
  }
  if (str(o.role) !== '') {
    ok = false;
    f.setRole = true;
  }
  return ok;
}

function makeCheck(allowed: ReadonlySet<string>) {
  return function seLinuxOptions(_meta: PodMetaLike, spec: PodSpecLike): CheckOutcome | null {
    let setters: string[] | undefined;
    let f: Findings | undefined;

    const podOpts = obj(obj(spec.securityContext)?.seLinuxOptions);
    if (podOpts) {
      f = { badTypes: undefined, setUser: false, setRole: false };
      if (!validOptions(podOpts, allowed, f)) (setters ??= []).push('pod');
    }

    let badContainers: string[] | undefined;
    forEachContainer(spec, (c) => {
      const o = obj(obj(c.securityContext)?.seLinuxOptions);
      if (!o) return;
      f ??= { badTypes: undefined, setUser: false, setRole: false };
      if (!validOptions(o, allowed, f)) (badContainers ??= []).push(nameOf(c));
    });
    if (badContainers) (setters ??= []).push(containersPhrase(badContainers));
    if (!setters) return null;

    const data: string[] = [];
    if (f!.badTypes) {
      const types = sortedSet(f!.badTypes);
      data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
    }
    if (f!.setUser) data.push('user may not be set');
    if (f!.setRole) data.push('role may not be set');
    return {
      reason: 'seLinuxOptions',
      detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
    };
  };
}

export const seLinuxOptions: CheckDefinition = {
  id: 'seLinuxOptions',
  level: 'baseline',
  versions: [
    { minimumMinor: 0, check: makeCheck(TYPES_1_0) },
    { minimumMinor: 31, check: makeCheck(TYPES_1_31) },
  ],
};
