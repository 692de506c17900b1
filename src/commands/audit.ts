/**
 * `kubestrap audit`: reads the live cluster (pods, workloads, policies, RBAC,
 * namespace labels) and judges every pod and pod template with the offline
 * engines, now and, with `--if`, after a proposed change. Changes nothing.
 * Exit 0 when every pod gets in (after the change, when one is proposed), 1 when
 * any would be refused.
 */
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import type { PssLevel } from '../k8s/pss.js';
import { audit, printAudit } from '../audit/report.js';
import { changesForIf } from '../changes/pod-security.js';
import { auditChanges } from '../changes/simulate.js';
import { reportFailures } from '../exec/failures.js';
import { readClusterSnapshot } from '../audit/snapshot.js';
import { openClusterSession } from '../session/open.js';

export interface AuditOptions {
  config?: string;
  kubeconfig?: string;
  mode?: string;
  if?: string[];
  output?: string;
}

export async function auditCommand(opts: AuditOptions, io: Io, signal: AbortSignal): Promise<number> {
  return reportFailures(io, () => runAudit(opts, io, signal));
}

async function runAudit(opts: AuditOptions, io: Io, signal: AbortSignal): Promise<number> {
  const output = opts.output ?? 'text';
  if (output !== 'text' && output !== 'json')
    throw new UserError(`-o must be text or json, not ${JSON.stringify(output)}`, undefined, '-o');
  const session = await openClusterSession(
    { config: opts.config, kubeconfig: opts.kubeconfig, mode: opts.mode },
    io,
    signal,
  );
  const snapshot = await readClusterSnapshot(session);
  const ifs = opts.if ?? [];
  const report = ifs.length
    ? auditChanges(
        snapshot,
        ifs,
        changesForIf({ snapshot, config: session.config }, ifs, {
          level: session.config.podSecurity.default as PssLevel,
          exempt: session.config.podSecurity.privilegedNamespaces,
        }),
      )
    : audit(snapshot);
  if (output === 'json') io.out(JSON.stringify(report));
  else {
    printAudit(io, report);
    if (ifs.length === 0 && report.mode === 'psp' && !report.admission.podSecurityPolicy) {
      io.err(
        'hint: PodSecurityPolicy admission is off; `kubestrap audit --if enable` shows what turning it on would admit and refuse',
      );
    }
  }
  const refused = ifs.length ? (report.summary.refusedAfter ?? 0) : report.summary.refusedNow;
  return refused > 0 ? 1 : 0;
}
