/**
 * `kubestrap policy check`: offline admission of pods and pod templates.
 *
 * PSP mode (PodSecurityPolicies in the input, no --level): each pod goes through the
 * PodSecurityPolicy admission controller of Kubernetes 1.24 (src/policy/psp), with
 * the policies the requester (--as), the pod's service account or --allow may use.
 * PSS mode (--level): the Pod Security Standards checks of that level and version.
 *
 * Output: one line per pod (plus its reasons) for people, or with `-o json` exactly
 * one JSON array, one entry per line. It is held back (OutputSpool) until the whole
 * input has been read, so bad input prints nothing but the error. Exit 0 when
 * everything is admitted, 1 when anything is refused, 2 for bad input (thrown as
 * UserError).
 */
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { changes } from '../policy/diff.js';
import { objectsOf } from '../policy/input.js';
import { InputSet } from '../policy/input-set.js';
import type { PssJob } from '../policy/check/pss-batch.js';
import { classify, type Classified, type PodInput, title } from '../policy/objects.js';
import { OutputSpool } from '../policy/output-spool.js';
import { NO_PROVIDERS_MESSAGE, PspAdmission, withoutPspAnnotation, type AdmitResult } from '../policy/psp/admission.js';
import { applyApiDefaults } from '../policy/psp/api-defaults.js';
import { admissionServiceAccount } from '../policy/psp/pod.js';
import type { PolicyObject } from '../policy/psp/provider.js';
import type { PssLevel } from '../policy/pss/types.js';
import { impersonatedUser, policyUseAuthorizer, RbacAuthorizer, type RbacObject } from '../policy/rbac.js';

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

type PssModule = typeof import('../policy/pss/evaluate.js');

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

  // Imported only for --level, so PSP mode never loads the PSS checks. The version is
  // checked before reading anything, so a typo fails fast.
  const pss: PssModule | undefined = opts.level !== undefined ? await import('../policy/pss/evaluate.js') : undefined;
  const pssVersion = pss?.parsePssVersion(opts.pssVersion ?? 'latest');
  const pssJob: PssJob | undefined =
    pss !== undefined ? { level: opts.level as PssLevel, version: pssVersion!, json: output === 'json' } : undefined;
  if (pss && (opts.as || (opts.allow ?? []).length > 0))
    io.err('note: --as and --allow choose PodSecurityPolicies; Pod Security Standards do not use them');

  const spool = new OutputSpool();
  // PSS mode needs nothing but the pod, so one pass always does; PSP mode may need two.
  const inputs = new InputSet(files, stdin, pss === undefined);
  try {
    const emit = output === 'json' ? jsonEmitter(spool) : textEmitter(spool, opts.as);
    const run =
      pssJob !== undefined ? await checkPss(inputs, pssJob, emit, io) : await checkPsp(inputs, opts, emit, spool, io);
    emit.end(run.pods, run.refused);
    await spool.flush(io);
    return run.refused > 0 ? 1 : 0;
  } finally {
    spool.dispose();
    await inputs.dispose();
  }
}

/** What a pass over the input found besides the pods. */
class Census {
  readonly policies = new Map<string, PolicyObject>();
  readonly rbac: RbacObject[] = [];
  private readonly ignored = new Map<string, Map<string, number>>();

  /** Takes a non-pod object; true for a policy or RBAC object. */
  take(c: Exclude<Classified, PodInput>): boolean {
    if (c.type === 'psp') this.policies.set(c.policy.metadata.name, c.policy);
    else if (c.type === 'rbac') this.rbac.push(c.object);
    else {
      this.ignore(c.where.file, c.kind);
      return false;
    }
    return true;
  }

  ignore(file: string, kind: string): void {
    const perFile = this.ignored.get(file) ?? new Map<string, number>();
    perFile.set(kind, (perFile.get(kind) ?? 0) + 1);
    this.ignored.set(file, perFile);
  }

  noteIgnored(io: Io): void {
    for (const [file, kinds] of this.ignored) {
      const list = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
      io.err(`note: ${file}: skipped ${list} (not a pod, workload, PodSecurityPolicy or RBAC object)`);
    }
  }
}

interface Run {
  pods: number;
  refused: number;
}

/** One pass: each pod is judged as soon as it is read. */
async function checkPss(inputs: InputSet, job: PssJob, emit: Emitter, io: Io): Promise<Run> {
  const batch = await import('../policy/check/pss-batch.js');
  const tally = batch.emptyTally();
  for await (const b of inputs.firstBatches()) {
    const out: string[] = [];
    batch.judgePss(job, b.file, b.pieces, out, tally);
    emit.batch(out.join(''));
  }
  const census = new Census();
  for (const [file, kind] of tally.ignored) census.ignore(file, kind);
  census.noteIgnored(io);
  const policies = new Set(tally.policies).size;
  if (policies > 0)
    io.err(
      `note: --level given: checking Pod Security Standards; the ${policies} PodSecurityPolicies in the input are not used`,
    );
  return { pods: tally.pods, refused: tally.refused };
}

/**
 * PodSecurityPolicy admission needs every policy and RBAC object before the first pod.
 * When they come first (`-f policies.yaml -f pods.json`), each pod is judged in the
 * pass that reads it; when one comes after a pod, the results so far are dropped and
 * the pods are judged in a second pass over the input.
 */
async function checkPsp(
  inputs: InputSet,
  opts: PolicyCheckOptions,
  emit: Emitter,
  spool: OutputSpool,
  io: Io,
): Promise<Run> {
  const census = new Census();
  let judge: Judge | undefined;
  let again = false;
  let pods = 0;
  let refused = 0;
  for await (const batch of inputs.firstBatches()) {
    for (const piece of batch.pieces) {
      for (const src of objectsOf(piece, batch.file)) {
        const c = classify(src);
        if (c.type !== 'pod') {
          if (census.take(c) && pods > 0) again = true;
          continue;
        }
        pods++;
        // Without any policy yet there is nothing to judge with; they may still come.
        if (again || census.policies.size === 0) {
          again = true;
          continue;
        }
        judge ??= new Judge(census, opts);
        if (!judge.admit(c, emit)) refused++;
      }
    }
  }
  census.noteIgnored(io);
  if (census.policies.size === 0) {
    throw new UserError(
      'nothing to check against: the input has no PodSecurityPolicy and no --level was given. ' +
        'Add the policies (-f policies.yaml) or name a Pod Security Standards level (--level restricted)',
    );
  }
  if (again || judge === undefined) {
    spool.discard();
    emit.restart();
    judge = new Judge(census, opts);
    refused = 0;
    for await (const batch of inputs.secondBatches()) {
      for (const piece of batch.pieces) {
        for (const src of objectsOf(piece, batch.file)) {
          const c = classify(src);
          if (c.type === 'pod' && !judge.admit(c, emit)) refused++;
        }
      }
    }
  }
  warnAboutPolicies(judge.admission, census, opts, io);
  return { pods, refused };
}

/** PodSecurityPolicy admission with the policies and RBAC of the input. */
class Judge {
  readonly admission: PspAdmission;
  private readonly authorizerFor: ReturnType<typeof policyUseAuthorizer>;

  constructor(census: Census, opts: PolicyCheckOptions) {
    this.admission = new PspAdmission([...census.policies.values()]);
    const rbac = new RbacAuthorizer(census.rbac);
    const requester = opts.as ? impersonatedUser(opts.as, opts.asGroup ?? []) : undefined;
    this.authorizerFor = policyUseAuthorizer({ rbac, requester, allow: opts.allow });
  }

  /** Judges one pod and emits the result; false when it is refused. */
  admit(c: PodInput, emit: Emitter): boolean {
    const isAuthorized = this.authorizerFor(c.namespace, admissionServiceAccount(c.pod));
    const result = this.admission.admitView(c.view, { isAuthorized });
    emit.psp(c, result, () => this.admission.providers.map((p) => p.name).filter(isAuthorized));
    return result.admitted;
  }
}

/** What makes policies behave unlike their author expects, on stderr. */
function warnAboutPolicies(admission: PspAdmission, census: Census, opts: PolicyCheckOptions, io: Io): void {
  for (const skipped of admission.skipped) {
    io.err(
      `warning: PodSecurityPolicy ${skipped.policy} cannot be used (${skipped.reasons.join('; ')}); the admission controller skips it`,
    );
  }
  for (const p of census.policies.values()) {
    // Kubernetes splits these lists on "," and does not trim, so " runtime/default" is
    // a different (unknown) profile: a classic reason for pods refused "for no reason".
    for (const [key, value] of Object.entries(p.metadata.annotations ?? {})) {
      if (key.endsWith('/allowedProfileNames') && value.split(',').some((n) => n !== n.trim())) {
        io.err(
          `warning: PodSecurityPolicy ${p.metadata.name}: ${key} has spaces around a name; Kubernetes does not trim them, so that name matches no profile`,
        );
      }
    }
  }
  for (const name of opts.allow ?? []) {
    if (!census.policies.has(name)) io.err(`warning: --allow ${name}: no PodSecurityPolicy of that name in the input`);
  }
}

// --- output --------------------------------------------------------------------

interface Emitter {
  psp(p: PodInput, r: AdmitResult, usable: () => string[]): void;
  /** Output made elsewhere (check/pss-batch.ts): text lines, or `,\n`-led JSON entries. */
  batch(text: string): void;
  end(pods: number, refused: number): void;
  /** Forgets what was emitted (the spool was discarded for a second pass). */
  restart(): void;
}

function textEmitter(out: OutputSpool, requester?: string): Emitter {
  let changed = 0;
  const line = (text: string) => out.write(`${text}\n`);
  return {
    psp(p, r, usable) {
      if (r.admitted) {
        const diff = r.mutated ? changes(applyApiDefaults(p.pod), withoutPspAnnotation(r.pod, p.pod)) : [];
        if (diff.length === 0) {
          line(`${title(p)}: admitted by ${r.policy}`);
        } else {
          changed++;
          line(`${title(p)}: admitted by ${r.policy}, which changes it:`);
          for (const d of diff) line(`    ${d}`);
        }
        return;
      }
      line(`${title(p)}: refused`);
      for (const reason of r.reasons) line(`    ${reason}`);
      if (r.reasons.length === 0) {
        // No field errors: no policy was usable (or, on update, none admitted it unchanged).
        line(`    ${r.message}`);
        if (r.message !== NO_PROVIDERS_MESSAGE && usable().length === 0) {
          const sa = admissionServiceAccount(p.pod);
          const who = [...(sa ? [`serviceaccount ${p.namespace}/${sa}`] : []), ...(requester ? [requester] : [])].join(
            ' or ',
          );
          line(
            `    no PodSecurityPolicy may be used by ${who} in namespace ${p.namespace} (see the RBAC input, --as and --allow)`,
          );
        }
      }
    },
    batch(text) {
      if (text !== '') out.write(text);
    },
    end(pods, refused) {
      const admitted = pods - refused;
      const parts = [`${admitted} admitted`];
      if (changed > 0) parts.push(`${changed} of them changed by their policy`);
      parts.push(`${refused} refused`);
      line(`${pods} ${pods === 1 ? 'pod' : 'pods'}: ${parts.join(', ')}`);
    },
    restart() {
      changed = 0;
    },
  };
}

/**
 * One JSON array, one entry per line: `[`, the entries separated by `,`, `]`. Each
 * entry is serialised on its own as it comes, never the whole array at once.
 */
function jsonEmitter(out: OutputSpool): Emitter {
  let started = false;
  // Entries arrive led by ",\n"; the first one's comma opens the array instead.
  const put = (text: string) => {
    if (text === '') return;
    out.write(started ? text : `[${text.slice(1)}`);
    started = true;
  };
  return {
    psp(p, r) {
      put(
        `,\n${JSON.stringify({
          kind: p.kind,
          namespace: p.namespace,
          name: p.name,
          admitted: r.admitted,
          policy: r.policy,
          pod: r.pod,
          reasons: r.reasons,
        })}`,
      );
    },
    batch: put,
    end() {
      out.write(started ? '\n]\n' : '[]\n');
    },
    restart() {
      started = false;
    },
  };
}
