/**
 * `kubestrap policy default --disassociate | --associate`: remove or restore the
 * cluster-wide binding of the default policy (ClusterRoleBinding `psp:<default>`),
 * so that only the namespace bindings apply. kube-system keeps working: its nodes
 * and service accounts have the privileged policy through a RoleBinding there
 * (added first when missing). A disassociation that leaves running pods without a
 * policy that admits them is refused, naming their namespaces, unless --force.
 */
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { planAssociate, planDisassociate } from '../changes/pod-security.js';
import { readClusterSnapshot } from '../audit/snapshot.js';
import { applyPlanned } from '../changes/apply-planned.js';
import { reportFailures } from '../exec/failures.js';
import { openClusterSession } from '../session/open.js';

export interface DefaultOptions {
  config?: string;
  kubeconfig?: string;
  mode?: string;
  disassociate?: boolean;
  associate?: boolean;
  policy?: string;
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

export async function policyDefaultCommand(opts: DefaultOptions, io: Io, signal: AbortSignal): Promise<number> {
  return reportFailures(io, () => defaultBinding(opts, io, signal));
}

async function defaultBinding(opts: DefaultOptions, io: Io, signal: AbortSignal): Promise<number> {
  if (opts.disassociate === opts.associate)
    throw new UserError('give exactly one of --disassociate and --associate', undefined, '--disassociate');
  const session = await openClusterSession(
    { config: opts.config, kubeconfig: opts.kubeconfig, mode: opts.mode, log: !opts.dryRun },
    io,
    signal,
  );
  if (session.mode !== 'psp') {
    throw new UserError(
      `the cluster (Kubernetes ${session.version.text}) uses Pod Security Standards, which have no default policy binding: the cluster default level is set with \`kubestrap admission enable --level L\``,
    );
  }
  const policy = opts.policy ?? session.config.podSecurity.default;
  const snapshot = await readClusterSnapshot(session);
  const inp = { snapshot, config: session.config };
  const { changes, already } = opts.disassociate ? planDisassociate(inp, policy) : planAssociate(inp, policy);
  const binding = `ClusterRoleBinding psp:${policy}`;
  if (already) {
    io.out(
      opts.disassociate
        ? `Nothing to change: there is no ${binding}; the default policy ${policy} is not associated cluster-wide.`
        : `Nothing to change: ${binding} binds ${policy} cluster-wide already.`,
    );
    return 0;
  }
  return applyPlanned(session, snapshot, changes, opts, {
    command: `kubestrap policy default ${opts.disassociate ? '--disassociate' : '--associate'}`,
    question: opts.disassociate ? `Remove ${binding}?` : `Restore ${binding}?`,
    done: opts.disassociate
      ? `The default policy ${policy} is disassociated: only the namespace bindings apply (see \`kubestrap policy bindings\`).`
      : `The default policy ${policy} applies cluster-wide again.`,
    blockedHint:
      'Bind a policy to those namespaces first (`kubestrap policy bind --namespace NS --all-serviceaccounts --policy P`), or pass --force.',
    label: opts.disassociate ? `disassociate ${policy}` : `associate ${policy}`,
  });
}
