/**
 * What config validation needs to know about pod security policies (config/validate.ts
 * PolicyCatalog): the built-in names, and what the API server would reject in a custom
 * policy once its template and overrides are merged for the cluster's minor.
 */
import { buildPolicy, PolicyProblem, type CustomPolicy } from './psp/library.js';
import { BUILTIN_POLICY_TEMPLATES } from './templates.js';

export const POLICY_CATALOG = {
  builtins: BUILTIN_POLICY_TEMPLATES,
  problems(name: string, minor: number, policies: CustomPolicy[]): { path: (string | number)[]; message: string }[] {
    try {
      buildPolicy(name, minor, policies);
      return [];
    } catch (e) {
      if (!(e instanceof PolicyProblem)) throw e;
      // The config writes a policy's annotations beside its spec, not under metadata.
      return e.problems.map((p) => ({ path: p.path[0] === 'metadata' ? p.path.slice(1) : p.path, message: p.message }));
    }
  },
};
