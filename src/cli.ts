#!/usr/bin/env node
/**
 * kubestrap's entry point: parses argv, runs one command, and maps errors to
 * exit codes (0 ok, 1 a check or step failed, 2 bad usage or input). The only
 * place that touches process.argv and process.exit, which it calls only once stdout and
 * stderr are flushed. Command modules are
 * imported when their command runs, so `kubestrap render` loads only what it needs.
 */
import { Command, CommanderError } from 'commander';
import { CheckFailed, HostError, UserError, UserErrors } from './errors.js';
import { processIo } from './io.js';
import { registerPolicyCommands } from './commands/policy.js';

const VERSION = '0.1.0';

/** Ctrl-C (or SIGTERM) stops the command that runs and leaves the state as it was before that step. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count++;
    if (count > 1) process.exit(130); // a second Ctrl-C means now
    process.stderr.write(`\n${name}: stopping after the current command...\n`);
    controller.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return controller.signal;
}

const STEP_HELP =
  'preflight, kubeadm-init, kubeconfig, pod-security, cni, control-plane-taint, ingress, tenants, verify';

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('kubestrap')
    .description('Bootstrap secure kubeadm clusters: pod security on from the first minute.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('init')
    .description('write a commented starter cluster.yaml')
    .option('-o, --output <file>', 'where to write it ("-" for stdout)', 'cluster.yaml')
    .option('--kubernetes-version <version>', 'Kubernetes version for the starter, e.g. v1.31.4')
    .option('--force', 'overwrite an existing file')
    .action(async (opts) => {
      const { initCommand } = await import('./commands/init.js');
      setExit(initCommand(opts, processIo));
    });

  program
    .command('render')
    .description('write every artifact (kubeadm config, manifests, host files) to a directory')
    .option('-c, --config <file>', 'cluster config (default: ./cluster.yaml if present, else built-in defaults)')
    .option('-o, --output <dir>', 'directory to write', 'rendered')
    .action(async (opts) => {
      const { renderCommand } = await import('./commands/render.js');
      setExit(renderCommand(opts, processIo));
    });

  program
    .command('plan')
    .description('show the steps of `up` and the exact commands each would run')
    .option('-c, --config <file>', 'cluster config')
    .option('-o, --output <format>', 'json for one JSON document on stdout')
    .option('-i, --inventory <file>', 'plan a whole cluster: the steps of every host of this inventory')
    .action(async (opts) => {
      const { planCommand } = await import('./commands/plan.js');
      setExit(await planCommand(opts, processIo, interruptSignal()));
    });

  program
    .command('up')
    .description('bootstrap this node: kubeadm init, pod security, CNI, tenants, verify (resumable)')
    .option('-c, --config <file>', 'cluster config')
    .option('--dry-run', 'print every command and manifest it would run, touching nothing')
    .option('--from <step>', `start at this step, running it and the ones after it again (${STEP_HELP})`)
    .option('--only <step>', 'run just this step')
    .option('-y, --yes', 'apply the fixes preflight offers without asking')
    .option('-q, --quiet', 'print only failures')
    .option('-o, --output <format>', 'json for one JSON document on stdout')
    .option('-i, --inventory <file>', 'build the whole cluster of this inventory over SSH')
    .action(async (opts) => {
      const { upCommand } = await import('./commands/up.js');
      setExit(await upCommand(opts, processIo, interruptSignal()));
    });

  program
    .command('verify')
    .description('check readiness and pod security of the running cluster')
    .option('-c, --config <file>', 'cluster config')
    .option('-o, --output <format>', 'json for one JSON document on stdout')
    .option('-i, --inventory <file>', 'verify the whole cluster of this inventory over SSH')
    .option('--wait', "first wait (up to the config's timeouts.waitSeconds) for the system workloads to roll out")
    .action(async (opts) => {
      const { verifyCommand } = await import('./commands/verify.js');
      setExit(await verifyCommand(opts, processIo, interruptSignal()));
    });

  program
    .command('reset')
    .description('tear this node down: kubeadm reset, iptables, IPVS, CNI config and links, kubeconfig, state')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'list everything it would do')
    .option('--force', 'clean a host that does not look like a kubeadm node')
    .option(
      '-i, --inventory <file>',
      'tear down every host of this inventory over SSH (workers first, the first control plane last)',
    )
    .option('-c, --config <file>', 'cluster config (with -i)')
    .option(
      '--iptables <mode>',
      'all: flush filter, nat and mangle (policies set to ACCEPT first); kube-only: remove only the chains kube-proxy, the kubelet, flannel and the CNI plugins create (by exact name) and the rules that jump to them',
      'all',
    )
    .option('-q, --quiet', 'print only failures')
    .action(async (opts) => {
      const { resetCommand } = await import('./commands/reset.js');
      setExit(await resetCommand(opts, processIo, interruptSignal()));
    });

  program
    .command('rebuild')
    .description('reset, then up: one command, one confirmation')
    .option('-c, --config <file>', 'cluster config')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--iptables <mode>', 'as for reset', 'all')
    .option('-q, --quiet', 'print only failures')
    .option('-o, --output <format>', 'json for one JSON document on stdout (of the up part)')
    .action(async (opts) => {
      const { rebuildCommand } = await import('./commands/rebuild.js');
      setExit(await rebuildCommand(opts, processIo, interruptSignal()));
    });

  program
    .command('join-command')
    .description('on a control plane: print a fresh `kubeadm join` command for a worker (short-lived token)')
    .option('--ttl <duration>', 'how long the token stays valid, e.g. 30m or 2h', '1h')
    .option('-o, --output <file>', 'write it to this file (mode 0600) instead of stdout')
    .action(async (opts) => {
      const { joinCommandCommand } = await import('./commands/join.js');
      setExit(await joinCommandCommand(opts, processIo, interruptSignal()));
    });

  program
    .command('join')
    .description('on a worker: preflight, kubeadm join, then wait for this node to be Ready')
    .requiredOption('--join-file <file>', 'the join command written by `kubestrap join-command -o FILE`')
    .option('--node-name <name>', 'name to register (default: the hostname)')
    .option('--node-ip <address>', 'address the kubelet registers (e.g. the private NIC on a Vagrant VM)')
    .option('--wait-seconds <n>', 'how long to wait for the node to turn Ready', '600')
    .option('-c, --config <file>', "the control plane's cluster config: the install step installs its version")
    .option('--yes', 'install what is missing and apply the host fixes without asking')
    .action(async (opts) => {
      const { joinCommand } = await import('./commands/join.js');
      setExit(await joinCommand(opts, processIo, interruptSignal()));
    });

  program
    .command('audit')
    .description(
      'judge every pod and workload of the live cluster with the offline engines, now and after a proposed change (--if); changes nothing',
    )
    .option(
      '-c, --config <file>',
      'cluster config (default level, privileged namespaces, custom policies); default: ./cluster.yaml if present',
    )
    .option('--kubeconfig <file>', 'default: /etc/kubernetes/admin.conf, else ~/.kube/config')
    .option('--mode <mode>', 'auto, psp or pss (default: auto, from the cluster version)')
    .option(
      '--if <change>',
      'simulate a change: enable[=LEVEL], disable, disassociate, associate, level=NS:LEVEL, bind=NS:POLICY, unbind=NS:POLICY; repeatable',
      (v: string, p: string[] | undefined) => [...(p ?? []), v],
    )
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts) => {
      const { auditCommand } = await import('./commands/audit.js');
      setExit(await auditCommand(opts, processIo, interruptSignal()));
    });

  program
    .command('admission')
    .description(
      'on a control-plane node: turn pod security admission on or off in place (enable, disable), or show where it is configured (status)',
    )
    .argument('<action>', 'enable, disable or status')
    .option(
      '-c, --config <file>',
      'cluster config (default level, privileged namespaces); default: ./cluster.yaml if present',
    )
    .option('--kubeconfig <file>', 'default: /etc/kubernetes/admin.conf')
    .option('--mode <mode>', 'auto, psp or pss (default: auto, from the cluster version)')
    .option(
      '--level <level>',
      "the default policy (PSP) or cluster default level (PSS): restricted, baseline or privileged (default: the config's podSecurity.default)",
    )
    .option(
      '--privileged-namespace <ns>',
      'also leave this namespace privileged (PSP: a privileged RoleBinding; PSS: exempt); repeatable',
      (v: string, p: string[] | undefined) => [...(p ?? []), v],
    )
    .option(
      '--scope <scope>',
      'PSS: cluster (admission configuration file, API server restart) or namespaces (namespace labels only)',
      'cluster',
    )
    .option('--force', 'enable even when running pods or workloads would be refused')
    .option('--dry-run', 'print the changes (objects, manifest and ClusterConfiguration diffs) and change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option(
      '--wait-seconds <n>',
      'how long to wait for the API server to restart before restoring the backup (default: timeouts.waitSeconds)',
    )
    .option('-o, --output <format>', 'status: text or json', 'text')
    .action(async (action: string, opts) => {
      const { admissionCommand } = await import('./commands/admission.js');
      setExit(await admissionCommand(action, opts, processIo, interruptSignal()));
    });

  registerPolicyCommands(program, setExit, interruptSignal);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    return reportError(e);
  }
}

function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // Help and --version end here too: they are not errors.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2;
  }
  if (e instanceof UserErrors) {
    for (const err of e.errors) process.stderr.write(`error: ${err.toString()}\n`);
    return 2;
  }
  if (e instanceof UserError) {
    process.stderr.write(`error: ${e.toString()}\n`);
    return 2;
  }
  if (e instanceof CheckFailed) {
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
  if (e instanceof HostError) {
    process.stderr.write(`error: ${e.message}\n`);
    return 1;
  }
  if (isSystemError(e)) {
    // The host refused an operation no check foresaw (a full disk, a read-only /var): not a bug, but host state.
    const where = e.path ? `${e.path}: ` : '';
    process.stderr.write(`error: ${where}${e.syscall} failed: ${e.code}${e.dest ? ` (to ${e.dest})` : ''}\n`);
    return 1;
  }
  // A bug in kubestrap: show the stack so it can be reported.
  process.stderr.write(`kubestrap: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 70;
}

function isSystemError(e: unknown): e is NodeJS.ErrnoException & { dest?: string } {
  const x = e as NodeJS.ErrnoException;
  return e instanceof Error && typeof x.code === 'string' && /^E[A-Z]+$/.test(x.code) && typeof x.syscall === 'string';
}

/**
 * Ends the process once everything written to stdout and stderr has left it. Through a
 * pipe, Node queues what the reader has not taken yet, and process.exit() would drop
 * that queue: a `policy check -o json | jq` that refuses pods (exit 1) lost most of its
 * output. A reader that goes away early (`| head`) is not an error of ours: EPIPE ends
 * the wait too.
 */
async function exitWhenFlushed(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableLength === 0) return resolve();
    stream.on('error', () => resolve());
    // Writes are flushed in order, so the callback of an empty write runs after all earlier ones.
    stream.write('', () => resolve());
  });
}

// A closed reader (EPIPE) must not turn into an unhandled 'error' event and a stack trace.
process.stdout.on('error', () => undefined);

main(process.argv).then(exitWhenFlushed);
