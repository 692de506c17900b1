#!/usr/bin/env zx
/**
 * Provisions one kubestrap lab node (run by scripts/lab/bootstrap.sh as root, with
 * the arguments the Vagrantfile gives it):
 *
 *   provision.mjs --role cp|worker --node-name NAME --node-ip IP --control-plane-ip IP
 *                 --kubernetes-version v1.24.17 [--pod-subnet CIDR] [--ingress true|false]
 *                 [--allow-workloads true|false] [--source /vagrant]
 *                 [--join-file /vagrant/.lab/join-command] [--cluster-config FILE] [--user vagrant]
 *                 [--dry-run [--facts FILE]]
 *
 * It gathers the host's facts, plans with plan.mjs, and runs what the plan says,
 * printing each step. With --dry-run it prints the commands it would run, one JSON
 * argv array a line on stdout, and runs nothing; --facts FILE describes the host
 * instead of looking at it (the shape is in facts.mjs). Exit 0 done, 1 a step or
 * the host failed, 2 bad options.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LabError, normalizeOptions, planProvision } from './plan.mjs';
import { executeSteps } from './execute.mjs';

const OPTIONS = {
  role: { type: 'string' },
  'node-name': { type: 'string' },
  'node-ip': { type: 'string' },
  'control-plane-ip': { type: 'string' },
  'kubernetes-version': { type: 'string' },
  'pod-subnet': { type: 'string' },
  ingress: { type: 'string' },
  'allow-workloads': { type: 'string' },
  source: { type: 'string' },
  'join-file': { type: 'string' },
  'cluster-config': { type: 'string' },
  user: { type: 'string' },
  'join-timeout': { type: 'string' },
  'dry-run': { type: 'boolean' },
  facts: { type: 'string' },
};

/** The arguments after this script's path (zx's CLI and plain node put different things before it). */
function scriptArgs(argv) {
  const i = argv.findIndex((a) => /(^|\/)provision\.mjs$/.test(a));
  return argv.slice(i + 1);
}

function parse(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new LabError(e.message, 2);
  }
  if (values.facts && !values['dry-run'])
    throw new LabError('--facts describes a host for --dry-run; add --dry-run', 2);
  const opts = normalizeOptions({
    role: values.role,
    nodeName: values['node-name'],
    nodeIp: values['node-ip'],
    controlPlaneIp: values['control-plane-ip'],
    kubernetesVersion: values['kubernetes-version'],
    podSubnet: values['pod-subnet'],
    ingress: values.ingress,
    allowWorkloads: values['allow-workloads'],
    source: values.source,
    joinFile: values['join-file'],
    clusterConfig: values['cluster-config'],
    user: values.user,
  });
  const joinTimeout = Number(values['join-timeout'] ?? 1800);
  if (!Number.isInteger(joinTimeout) || joinTimeout < 0)
    throw new LabError('--join-timeout: whole seconds, e.g. 1800', 2);
  return { opts, dryRun: Boolean(values['dry-run']), factsFile: values.facts, joinTimeout };
}

async function main() {
  const { opts, dryRun, factsFile, joinTimeout } = parse(scriptArgs(process.argv));
  // zx's CLI (how bootstrap.sh runs this) puts `$` on globalThis; under plain node it
  // is imported, and a dry run from a facts file needs none.
  const zx = dryRun && factsFile ? { $: undefined } : globalThis.$ ? { $: globalThis.$ } : await import('zx');
  const say = (text) => (dryRun ? process.stderr : process.stdout).write(`lab: ${text}\n`);

  let facts;
  if (factsFile) {
    try {
      facts = JSON.parse(readFileSync(factsFile, 'utf8'));
    } catch (e) {
      throw new LabError(`--facts ${factsFile}: ${e.message}`, 2);
    }
  } else {
    const { gatherFacts } = await import('./facts.mjs');
    facts = await gatherFacts(zx.$, opts);
  }

  const steps = planProvision(opts, facts);
  const lab = opts.version.minor <= 24 ? 'PodSecurityPolicy' : 'Pod Security Standards';
  say(
    `${dryRun ? 'would provision' : 'provisioning'} ${opts.nodeName} (${opts.role === 'cp' ? 'control plane' : 'worker'}, ${opts.nodeIp}): Kubernetes ${opts.version.text}, a ${lab} lab, on ${facts.os?.id} ${facts.os?.versionId}`,
  );

  const ran = await executeSteps(steps, { $: zx.$, dryRun, say, joinTimeout });
  if (dryRun) say(`${ran} commands`);
  else
    say(
      ran
        ? `${opts.nodeName} provisioned (${ran} commands)`
        : `${opts.nodeName} was already provisioned: nothing to change`,
    );
}

await main().catch((e) => {
  if (e instanceof LabError) {
    process.stderr.write(`lab: error: ${e.message}\n`);
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(`lab: internal error: ${e?.stack ?? e}\n`);
    process.exitCode = 70;
  }
});
