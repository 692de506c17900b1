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
import { InputSet } from '../policy/input-set.js';
import { classify, type Classified, type PodInput } from '../policy/objects.js';
import { OutputSpool } from '../policy/output-spool.js';
import { NO_PROVIDERS_MESSAGE, PspAdmission, withoutPspAnnotation, type AdmitResult } from '../policy/psp/admission.js';
import { applyApiDefaults } from '../policy/psp/api-defaults.js';
import { podServiceAccount } from '../policy/psp/pod.js';
import type { PolicyObject } from '../policy/psp/provider.js';
import type { PssLevel, PssVersion, PssViolation } from '../policy/pss/types.js';
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
  if (pss && (opts.as || (opts.allow ?? []).length > 0))
    io.err('note: --as and --allow choose PodSecurityPolicies; Pod Security Standards do not use them');

  const spool = new OutputSpool();
  // PSS mode needs nothing but the pod, so one pass always does; PSP mode may need two.
  const inputs = new InputSet(files, stdin, pss === undefined);
  try {
    const emit = output === 'json' ? jsonEmitter(spool) : textEmitter(spool, opts.as);
    const run =
      pss !== undefined
        ? await checkPss(inputs, pss, opts.level as PssLevel, pssVersion!, emit, io)
        : await checkPsp(inputs, opts, emit, spool, io);
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
      const perFile = this.ignored.get(c.where.file) ?? new Map<string, number>();
      perFile.set(c.kind, (perFile.get(c.kind) ?? 0) + 1);
      this.ignored.set(c.where.file, perFile);
      return false;
    }
    return true;
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
async function checkPss(
  inputs: InputSet,
  pss: PssModule,
  level: PssLevel,
  version: PssVersion,
  emit: Emitter,
  io: Io,
): Promise<Run> {
  const label: PssLabel = {
    level,
    version: pss.formatPssVersion(version),
    levelVersion: pss.formatLevelVersion(level, version),
  };
  const census = new Census();
  let pods = 0;
  let refused = 0;
  for await (const src of inputs.first()) {
    const c = classify(src);
    if (c.type !== 'pod') {
      census.take(c);
      continue;
    }
    pods++;
    const violations = pss.evaluatePss(c.pod, level, version);
    if (violations.length > 0) refused++;
    emit.pss(c, label, violations);
  }
  census.noteIgnored(io);
  if (census.policies.size > 0)
    io.err(
      `note: --level given: checking Pod Security Standards; the ${census.policies.size} PodSecurityPolicies in the input are not used`,
    );
  return { pods, refused };
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
  for await (const src of inputs.first()) {
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
    for await (const src of inputs.second()) {
      const c = classify(src);
      if (c.type === 'pod' && !judge.admit(c, emit)) refused++;
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
    const isAuthorized = this.authorizerFor(c.namespace, podServiceAccount(c.pod.spec));
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

/** How a PSS verdict is labelled: `restricted`, `v1.30`, `restricted:v1.30`. */
interface PssLabel {
  level: PssLevel;
  version: string;
  levelVersion: string;
}

interface Emitter {
  psp(p: PodInput, r: AdmitResult, usable: () => string[]): void;
  pss(p: PodInput, label: PssLabel, violations: PssViolation[]): void;
  end(pods: number, refused: number): void;
  /** Forgets what was emitted (the spool was discarded for a second pass). */
  restart(): void;
}

/** `Deployment demo/web` */
function title(p: PodInput): string {
  return `${p.kind} ${p.namespace}/${p.name || '(unnamed)'}`;
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
          const who = [
            `serviceaccount ${p.namespace}/${podServiceAccount(p.pod.spec)}`,
            ...(requester ? [requester] : []),
          ].join(' or ');
          line(
            `    no PodSecurityPolicy may be used by ${who} in namespace ${p.namespace} (see the RBAC input, --as and --allow)`,
          );
        }
      }
    },
    pss(p, label, violations) {
      if (violations.length === 0) {
        line(`${title(p)}: allowed by ${label.levelVersion}`);
        return;
      }
      line(`${title(p)}: violates PodSecurity "${label.levelVersion}"`);
      for (const v of violations) line(`    ${pssMessage(v)}`);
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

/** `reason (detail)`, as the PodSecurity plugin joins them. */
function pssMessage(v: PssViolation): string {
  return v.detail ? `${v.reason} (${v.detail})` : v.reason;
}

/**
 * One JSON array, one entry per line: `[`, the entries separated by `,`, `]`. Each
 * entry is serialised on its own as it comes, never the whole array at once. PSS
 * entries are written field by field: their shape is fixed and their keys constant.
 */
function jsonEmitter(out: OutputSpool): Emitter {
  let count = 0;
  const put = (entry: string) => out.write(count++ === 0 ? `[\n${entry}` : `,\n${entry}`);
  return {
    psp(p, r) {
      put(
        JSON.stringify({
          kind: p.kind,
          namespace: p.namespace,
          name: p.name,
          admitted: r.admitted,
          policy: r.policy,
          pod: r.pod,
          reasons: r.reasons,
        }),
      );
    },
    pss(p, label, violations) {
      let list = '';
      for (let i = 0; i < violations.length; i++) {
        const v = violations[i];
        list += `${i > 0 ? ',' : ''}{"check":${JSON.stringify(v.check)},"message":${JSON.stringify(pssMessage(v))}}`;
      }
      put(
        `{"kind":${JSON.stringify(p.kind)},"namespace":${JSON.stringify(p.namespace)},"name":${JSON.stringify(p.name)},` +
          `"admitted":${violations.length === 0},"level":${JSON.stringify(label.level)},"version":${JSON.stringify(label.version)},` +
          `"violations":[${list}]}`,
      );
    },
    end() {
      out.write(count === 0 ? '[]\n' : '\n]\n');
    },
    restart() {
      count = 0;
    },
  };
}
