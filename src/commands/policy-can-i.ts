/**
 * `kubestrap policy can-i VERB podsecuritypolicy/NAME --as USER -n NS -f RBAC...`:
 * `kubectl auth can-i` answered offline from the RBAC objects in the input. Prints
 * `yes` (exit 0) or `no` (exit 1) on stdout; like kubectl up to 1.24 it warns on
 * stderr that PodSecurityPolicies are not namespaced unless --all-namespaces is
 * given (test/sim/REAL-OUTPUTS.md §7).
 */
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { classify } from '../policy/objects.js';
import { readInputs } from '../policy/input.js';
import { impersonatedUser, RbacAuthorizer, type RbacObject } from '../policy/rbac.js';

export interface PolicyCanIOptions {
  filename?: string[];
  as?: string;
  asGroup?: string[];
  namespace?: string;
  allNamespaces?: boolean;
  quiet?: boolean;
}

const PSP_RESOURCE = /^(podsecuritypolicy|podsecuritypolicies|psp)(?:\.(policy|extensions))?(?:\/(.+))?$/;

/** `psp/restricted`, `podsecuritypolicies.extensions/x`, `podsecuritypolicy`. */
export function parsePspResource(text: string): { group: string; name: string } {
  const m = PSP_RESOURCE.exec(text);
  if (!m)
    throw new UserError(
      `can-i answers only for podsecuritypolicies offline, not ${JSON.stringify(text)} (use podsecuritypolicy/NAME)`,
    );
  return { group: m[2] ?? 'policy', name: m[3] ?? '' };
}

export async function policyCanICommand(
  verb: string,
  resource: string,
  opts: PolicyCanIOptions,
  io: Io,
  stdin?: Readable,
): Promise<number> {
  if (!opts.as) throw new UserError('--as USER is required: offline there is no current user to ask for');
  const files = opts.filename ?? [];
  if (files.length === 0) throw new UserError('give the RBAC objects to decide with: -f FILE ("-" reads stdin)');
  const { group, name } = parsePspResource(resource);

  const objects: RbacObject[] = [];
  for await (const src of readInputs(files, stdin)) {
    const c = classify(src);
    if (c.type === 'rbac') objects.push(c.object);
  }
  const rbac = new RbacAuthorizer(objects);
  const user = impersonatedUser(opts.as, opts.asGroup ?? []);
  const namespace = opts.allNamespaces ? '' : (opts.namespace ?? 'default');
  if (!opts.allNamespaces)
    io.err(`Warning: resource 'podsecuritypolicies' is not namespace scoped in group '${group}'`);
  const allowed = rbac.allows(user, { verb, apiGroup: group, resource: 'podsecuritypolicies', name, namespace });
  if (!opts.quiet) io.out(allowed ? 'yes' : 'no');
  return allowed ? 0 : 1;
}
