/**
 * `kubestrap policy check`: flags to a request, one call into src/policy/check, the
 * verdicts to stdout. Exit 0 when everything is admitted, 1 when anything is refused, 2
 * for bad usage or input (thrown as UserError).
 */
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { checkPolicies } from '../policy/check/index.js';
import { threadsFrom } from '../policy/check/threads.js';
import type { PssLevel } from '../policy/pss/types.js';

export interface PolicyCheckOptions {
  filename?: string[];
  as?: string;
  asGroup?: string[];
  allow?: string[];
  level?: string;
  pssVersion?: string;
  output?: string;
}

const LEVELS: readonly PssLevel[] = ['privileged', 'baseline', 'restricted'];

export async function policyCheckCommand(opts: PolicyCheckOptions, io: Io, stdin?: Readable): Promise<number> {
  const files = opts.filename ?? [];
  if (files.length === 0) throw new UserError('give the objects to check with -f FILE (YAML or JSON; "-" reads stdin)');
  const output = opts.output ?? 'text';
  if (output !== 'text' && output !== 'json')
    throw new UserError(`-o must be text or json, not ${JSON.stringify(output)}`);
  if (opts.level !== undefined && !LEVELS.includes(opts.level as PssLevel)) {
    throw new UserError(`--level must be one of ${LEVELS.join(', ')}, not ${JSON.stringify(opts.level)}`);
  }
  if (opts.pssVersion !== undefined && opts.level === undefined) throw new UserError('--pss-version needs --level');
  if ((opts.asGroup ?? []).length > 0 && !opts.as)
    throw new UserError('--as-group needs --as (a user to add the groups to)');

  const result = await checkPolicies(
    {
      files,
      json: output === 'json',
      level: opts.level as PssLevel | undefined,
      pssVersion: opts.pssVersion,
      requester: { as: opts.as, asGroups: opts.asGroup ?? [], allow: opts.allow ?? [] },
      threads: threadsFrom(process.env),
    },
    { stdin, note: (line) => io.err(line) },
  );
  try {
    await result.output.flush(io);
  } finally {
    result.output.dispose();
  }
  return result.refused > 0 ? 1 : 0;
}
