#!/usr/bin/env node
/**
 * kubestrap's entry point: parses argv, runs one command, and maps errors to
 * exit codes (0 ok, 1 a check or step failed, 2 bad usage or input). The only
 * place that touches process.argv and process.exit. Command modules are
 * imported when their command runs, so `kubestrap render` loads only what it needs.
 */
import { Command, CommanderError } from 'commander';
import { CheckFailed, UserError, UserErrors } from './errors.js';
import { processIo } from './io.js';

const VERSION = '0.1.0';

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
  // A bug in kubestrap: show the stack so it can be reported.
  process.stderr.write(`kubestrap: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 70;
}

main(process.argv).then((code) => process.exit(code));
