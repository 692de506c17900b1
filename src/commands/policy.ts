/**
 * The `kubestrap policy` command group. Only the command definitions live here; each
 * action imports its implementation when it runs, so other commands load none of it.
 */
import { Option, type Command } from 'commander';
import { processIo } from '../io.js';

/** Repeatable option: `-f a -f b`. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Repeatable and comma-separated: `--allow a,b --allow c`. */
function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

/** `interrupt`: the AbortSignal Ctrl-C aborts, from cli.ts (the one place that handles process signals). */
export function registerPolicyCommands(
  program: Command,
  setExit: (code: number) => void,
  interrupt: () => AbortSignal,
): void {
  const policy = program.command('policy').description('offline pod security: admission checks and RBAC questions');

  policy
    .command('check')
    .description(
      'admit pods and pod templates offline: PodSecurityPolicy (as Kubernetes 1.24) or Pod Security Standards (--level)',
    )
    .requiredOption(
      '-f, --filename <file>',
      'YAML or JSON with pods, workloads, PodSecurityPolicies and RBAC ("-" for stdin); repeatable',
      collect,
    )
    .option(
      '--as <user>',
      'the user creating the pods (e.g. system:serviceaccount:ns:name); its RBAC counts besides the pod service account',
    )
    .option('--as-group <group>', 'a group for --as; repeatable', collect)
    .option(
      '--allow <policy>',
      'treat this PodSecurityPolicy as usable regardless of RBAC; repeatable or comma-separated',
      collectList,
    )
    .addOption(
      new Option('--level <level>', 'check the Pod Security Standards of this level instead').choices([
        'privileged',
        'baseline',
        'restricted',
      ]),
    )
    .option('--pss-version <version>', 'Pod Security Standards version: v1.N or latest (default: latest)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      const { policyCheckCommand } = await import('./policy-check.js');
      setExit(await policyCheckCommand(opts, processIo));
    });

  policy
    .command('can-i')
    .description('answer `kubectl auth can-i VERB podsecuritypolicy/NAME` offline from RBAC objects')
    .argument('<verb>', 'e.g. use')
    .argument('<resource>', 'podsecuritypolicy/NAME (also psp/NAME, podsecuritypolicies.extensions/NAME)')
    .requiredOption(
      '-f, --filename <file>',
      'YAML or JSON with Roles, ClusterRoles and bindings ("-" for stdin); repeatable',
      collect,
    )
    .option('--as <user>', 'the user to ask for (required)')
    .option('--as-group <group>', 'a group for --as; repeatable', collect)
    .option('-n, --namespace <namespace>', 'the namespace to ask in', 'default')
    .option('-A, --all-namespaces', 'ask cluster-wide (only ClusterRoleBindings count)')
    .option('-q, --quiet', 'print nothing; only the exit code answers')
    .action(async (verb: string, resource: string, opts) => {
      const { policyCanICommand } = await import('./policy-can-i.js');
      setExit(await policyCanICommand(verb, resource, opts, processIo));
    });

  const live = (cmd: Command) =>
    cmd
      .option(
        '-c, --config <file>',
        'cluster config (custom policies, default policy); default: ./cluster.yaml if present',
      )
      .option('--kubeconfig <file>', 'default: /etc/kubernetes/admin.conf, else ~/.kube/config')
      .option('--mode <mode>', 'auto, psp or pss (default: auto, from the cluster version)');

  for (const action of ['bind', 'unbind'] as const) {
    live(policy.command(action))
      .description(
        action === 'bind'
          ? 'on a live cluster: let service accounts of a namespace use a policy (Role and RoleBinding psp:POLICY; PSS: the namespace level)'
          : 'on a live cluster: take that permission away again (the RoleBinding goes when nobody is left; PSS: the level labels)',
      )
      .option('-n, --namespace <namespace>', 'the namespace')
      .option('--serviceaccount <name>', 'a service account of the namespace; repeatable', collect)
      .option('--all-serviceaccounts', 'every service account of the namespace')
      .option('--policy <policy>', 'a PodSecurityPolicy (or, PSS, a level or a policy that maps to one)')
      .option('--force', 'even when running pods would be refused afterwards')
      .option('--dry-run', 'print the objects to apply or delete and change nothing')
      .option('-y, --yes', 'do not ask for confirmation')
      .action(async (opts) => {
        const { policyBindCommand } = await import('./policy-bind.js');
        setExit(await policyBindCommand(action, opts, processIo, interrupt()));
      });
  }

  live(policy.command('bindings'))
    .description(
      'on a live cluster: list the association rules (which policy who may use where; PSS: each namespace level)',
    )
    .option('-n, --namespace <namespace>', 'only this namespace (and the cluster-wide bindings)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      const { policyBindingsCommand } = await import('./policy-bind.js');
      setExit(await policyBindingsCommand(opts, processIo, interrupt()));
    });

  live(policy.command('default'))
    .description(
      'on a live cluster: remove (--disassociate) or restore (--associate) the cluster-wide binding of the default policy',
    )
    .option('--disassociate', 'remove ClusterRoleBinding psp:POLICY: only the namespace bindings apply')
    .option('--associate', 'restore it')
    .option('--policy <policy>', "the default policy (default: the config's podSecurity.default)")
    .option('--force', 'even when running pods would be left without a policy')
    .option('--dry-run', 'print the objects to apply or delete and change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (opts) => {
      const { policyDefaultCommand } = await import('./policy-default.js');
      setExit(await policyDefaultCommand(opts, processIo, interrupt()));
    });

  policy
    .command('migrate')
    .description('carry PodSecurityPolicies over to Pod Security Standards labels and ValidatingAdmissionPolicies')
    .requiredOption(
      '-f, --filename <file>',
      'YAML or JSON with PodSecurityPolicies and the RBAC that grants them ("-" for stdin); repeatable',
      collect,
    )
    .addOption(
      new Option('--to <target>', 'pss: levels and namespace labels; vap: ValidatingAdmissionPolicies; all: both')
        .choices(['pss', 'vap', 'all'])
        .default('all'),
    )
    .addOption(
      new Option(
        '-o, --output <format>',
        'text, json, or yaml (with --to vap|all: only the objects, for kubectl apply -f -)',
      )
        .choices(['text', 'json', 'yaml'])
        .default('text'),
    )
    .option(
      '--kubernetes-version <version>',
      'the version you are moving to, e.g. v1.30 (default: the newest supported)',
    )
    .action(async (opts) => {
      const { policyMigrateCommand } = await import('./policy-migrate.js');
      setExit(await policyMigrateCommand(opts, processIo));
    });
}
