/**
 * `kubestrap policy bind|unbind|bindings`: the association rules of a live
 * cluster. PodSecurityPolicy mode: a Role `psp:<policy>` and RoleBinding
 * `psp:<policy>` in the namespace (the shape `up` renders for tenants), whose
 * subjects are the service accounts given or the namespace's whole
 * `system:serviceaccounts:<ns>` group; unbind takes subjects out and deletes the
 * binding (and its Role) when none is left. Pod Security Standards mode: the
 * namespace's level labels. Both are idempotent; a change that would get running
 * pods refused is refused (exit 1) unless --force.
 */
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { readClusterSnapshot } from '../audit/snapshot.js';
import { printBindings } from '../audit/bindings.js';
import { applyPlanned } from '../changes/apply-planned.js';
import { planBind, planUnbind, type BindTarget } from '../changes/pod-security.js';
import { reportFailures } from '../exec/failures.js';
import { openClusterSession } from '../session/open.js';

export interface BindOptions {
  config?: string;
  kubeconfig?: string;
  mode?: string;
  namespace?: string;
  serviceaccount?: string[];
  allServiceaccounts?: boolean;
  policy?: string;
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  output?: string;
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function target(opts: BindOptions): BindTarget {
  if (!opts.namespace) throw new UserError('is required', undefined, '--namespace');
  if (!DNS1123.test(opts.namespace))
    throw new UserError(`${JSON.stringify(opts.namespace)} is not a valid namespace name`, undefined, '--namespace');
  if (!opts.policy) throw new UserError('is required', undefined, '--policy');
  const sas = opts.serviceaccount ?? [];
  if (sas.length === 0 && !opts.allServiceaccounts)
    throw new UserError(
      'name the service accounts (--serviceaccount SA, repeatable) or give --all-serviceaccounts',
      undefined,
      '--serviceaccount',
    );
  if (sas.length > 0 && opts.allServiceaccounts)
    throw new UserError(
      'give either --serviceaccount or --all-serviceaccounts, not both',
      undefined,
      '--all-serviceaccounts',
    );
  for (const sa of sas)
    if (!DNS1123.test(sa) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(sa))
      throw new UserError(`${JSON.stringify(sa)} is not a valid service account name`, undefined, '--serviceaccount');
  return {
    namespace: opts.namespace,
    serviceAccounts: [...new Set(sas)],
    all: Boolean(opts.allServiceaccounts),
    policy: opts.policy,
  };
}

export async function policyBindCommand(
  action: 'bind' | 'unbind',
  opts: BindOptions,
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  return reportFailures(io, () => bindOrUnbind(action, opts, io, signal));
}

async function bindOrUnbind(
  action: 'bind' | 'unbind',
  opts: BindOptions,
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  const t = target(opts);
  const session = await openClusterSession(
    { config: opts.config, kubeconfig: opts.kubeconfig, mode: opts.mode, log: !opts.dryRun },
    io,
    signal,
  );
  const snapshot = await readClusterSnapshot(session);
  const inp = { snapshot, config: session.config };
  const changes = action === 'bind' ? planBind(inp, t) : planUnbind(inp, t);
  const who = t.all
    ? `every service account of ${t.namespace}`
    : t.serviceAccounts.map((sa) => `serviceaccount ${t.namespace}/${sa}`).join(', ');
  const what =
    session.mode === 'psp'
      ? `${who} ${action === 'bind' ? 'may use' : 'may not use'} the policy ${t.policy} in ${t.namespace}`
      : `namespace ${t.namespace} ${action === 'bind' ? `enforces the level of ${t.policy}` : `no longer enforces ${t.policy}`}`;
  if (changes.length === 0) {
    io.out(`Nothing to change: ${what} already.`);
    return 0;
  }
  return applyPlanned(session, snapshot, changes, opts, {
    command: `kubestrap policy ${action}`,
    question: action === 'bind' ? 'Bind?' : 'Unbind?',
    done: `Done: ${what}.`,
    blockedHint:
      action === 'bind'
        ? 'Choose a policy or level they meet, or pass --force.'
        : 'Bind another policy they may use first (`kubestrap policy bind`), or pass --force.',
    label: `${action} ${t.namespace}:${t.policy}`,
  });
}

export async function policyBindingsCommand(
  opts: { config?: string; kubeconfig?: string; mode?: string; namespace?: string; output?: string },
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  if (opts.output !== undefined && opts.output !== 'text' && opts.output !== 'json')
    throw new UserError(`-o must be text or json, not ${JSON.stringify(opts.output)}`, undefined, '-o');
  const output = opts.output === 'json' ? 'json' : 'text';
  return reportFailures(io, async () => {
    const session = await openClusterSession(
      { config: opts.config, kubeconfig: opts.kubeconfig, mode: opts.mode },
      io,
      signal,
    );
    return printBindings(io, await readClusterSnapshot(session), opts.namespace, output);
  });
}
