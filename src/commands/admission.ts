/**
 * `kubestrap admission enable|disable|status`: turn pod security admission on and off
 * on a running kubeadm cluster, from its control-plane node, or show where it is
 * configured (src/admission/).
 */
import { UserError } from '../errors.js';
import { reportFailures } from '../exec/failures.js';
import type { Io } from '../io.js';
import { isPssLevel, type PssLevel } from '../k8s/pss.js';
import { changeApiServerAdmission } from '../admission/api-server.js';
import { changeNamespaceLevels } from '../admission/namespace-levels.js';
import { admissionStatus } from '../admission/status.js';
import { openClusterSession } from '../session/open.js';

export interface AdmissionOptions {
  config?: string;
  kubeconfig?: string;
  mode?: string;
  level?: string;
  scope?: string;
  privilegedNamespace?: string[];
  force?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  waitSeconds?: string;
  output?: string;
}

function parseWait(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 86400)
    throw new UserError(
      `must be a whole number of seconds from 1 to 86400, not ${JSON.stringify(text)}`,
      undefined,
      '--wait-seconds',
    );
  return n;
}

function parseLevel(text: string | undefined, fallback: PssLevel): PssLevel {
  if (text === undefined) return fallback;
  if (!isPssLevel(text))
    throw new UserError(
      `must be restricted, baseline or privileged, not ${JSON.stringify(text)}`,
      undefined,
      '--level',
    );
  return text;
}

export async function admissionCommand(
  action: string,
  opts: AdmissionOptions,
  io: Io,
  signal: AbortSignal,
): Promise<number> {
  return reportFailures(io, () => admission(action, opts, io, signal));
}

async function admission(action: string, opts: AdmissionOptions, io: Io, signal: AbortSignal): Promise<number> {
  if (!['enable', 'disable', 'status'].includes(action))
    throw new UserError(`unknown action ${JSON.stringify(action)}: use enable, disable or status`);
  if (opts.scope !== undefined && !['cluster', 'namespaces'].includes(opts.scope))
    throw new UserError(`must be cluster or namespaces, not ${JSON.stringify(opts.scope)}`, undefined, '--scope');
  if (opts.output !== undefined && opts.output !== 'text' && opts.output !== 'json')
    throw new UserError(`-o must be text or json, not ${JSON.stringify(opts.output)}`, undefined, '-o');
  const session = await openClusterSession(
    {
      config: opts.config,
      kubeconfig: opts.kubeconfig,
      mode: opts.mode,
      log: action !== 'status' && !opts.dryRun,
      offline: action === 'status',
    },
    io,
    signal,
  );
  if (action === 'status') return admissionStatus(session, opts.output === 'json' ? 'json' : 'text');
  const waitSeconds = parseWait(opts.waitSeconds, session.config.timeouts.waitSeconds);
  const level = parseLevel(opts.level, session.config.podSecurity.default as PssLevel);
  const exempt = [
    ...new Set([...session.config.podSecurity.privilegedNamespaces, ...(opts.privilegedNamespace ?? [])]),
  ];
  const change = action as 'enable' | 'disable';
  if (session.mode === 'pss' && opts.scope === 'namespaces')
    return changeNamespaceLevels(session, change, level, exempt, opts);
  return changeApiServerAdmission(session, change, {
    level,
    exempt,
    waitSeconds,
    force: opts.force,
    dryRun: opts.dryRun,
    yes: opts.yes,
  });
}
