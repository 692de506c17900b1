/**
 * What `policy migrate` reads from its -f inputs: the PodSecurityPolicies the admission
 * controller could use (a policy no pod could pass is reported and left out, as the
 * controller skips it) and the RBAC that grants them; other kinds are counted and noted.
 */
import type { Readable } from 'node:stream';
import { UserError } from '../../errors.js';
import { readInputs } from '../input.js';
import { classify } from '../objects.js';
import { PspProvider, ProviderBuildError, type PolicyObject } from '../psp/provider.js';
import type { RbacObject } from '../rbac.js';

/** The usable policies by name, and the RBAC objects; `warn` gets each note and warning. */
export async function readMigrationInput(
  files: string[],
  stdin: Readable | undefined,
  warn: (line: string) => void,
): Promise<{ usable: PolicyObject[]; rbac: RbacObject[] }> {
  const policies = new Map<string, PolicyObject>();
  const rbac: RbacObject[] = [];
  const skipped = new Map<string, number>();
  for await (const src of readInputs(files, stdin)) {
    const c = classify(src);
    if (c.type === 'psp') policies.set(c.policy.metadata.name, c.policy);
    else if (c.type === 'rbac') rbac.push(c.object);
    else skipped.set(c.kind, (skipped.get(c.kind) ?? 0) + 1);
  }
  if (skipped.size > 0)
    warn(
      `note: skipped ${[...skipped].map(([k, n]) => `${n} ${k}`).join(', ')} (migrate reads PodSecurityPolicies and RBAC)`,
    );
  const usable: PolicyObject[] = [];
  for (const p of [...policies.values()].sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
  )) {
    try {
      new PspProvider(p);
      usable.push(p);
    } catch (e) {
      if (!(e instanceof ProviderBuildError)) throw e;
      warn(
        `warning: PodSecurityPolicy ${p.metadata.name} admitted no pod (${e.reasons.join('; ')}): the admission controller skipped it, so there is nothing to carry over`,
      );
    }
  }
  if (usable.length === 0) {
    throw new UserError(
      policies.size === 0
        ? 'the input has no PodSecurityPolicy to migrate (kubectl get psp -o yaml, plus the RBAC: kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A -o yaml)'
        : 'no PodSecurityPolicy in the input can be used',
    );
  }

  return { usable, rbac };
}
