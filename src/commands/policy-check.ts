/**
 * `kubestrap policy check`: offline admission of pods and pod templates.
 *
 * PSP mode (PodSecurityPolicies in the input, no --level): each pod goes through the
 * PodSecurityPolicy admission controller of Kubernetes 1.24 (src/policy/psp), with
 * the policies the requester (--as), the pod's service account or --allow may use.
 * PSS mode (--level): the Pod Security Standards checks of that level and version.
 *
 * Output: one line per pod (plus its reasons) for people, or with `-o json` exactly
 * one JSON array, streamed entry by entry. Exit 0 when everything is admitted, 1 when
 * anything is refused, 2 for bad input (thrown as UserError).
 */
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { changes } from '../policy/diff.js';
import { InputSet } from '../policy/input-set.js';
import { classify, type PodInput } from '../policy/objects.js';
import { NO_PROVIDERS_MESSAGE, PspAdmission, withoutPspAnnotation, type AdmitResult } from '../policy/psp/admission.js';
import { applyApiDefaults } from '../policy/psp/api-defaults.js';
import { admissionServiceAccount } from '../policy/psp/pod.js';
import type { PolicyObject } from '../policy/psp/provider.js';
import { syncAppArmorAnnotations } from '../policy/pss/apparmor-sync.js';
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

interface Collected {
  policies: Map<string, PolicyObject>;
  rbac: RbacObject[];
  pods: number;
}

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

  // Checked before reading anything, so a typo fails fast.
  const pssVersion =
    opts.level !== undefined
      ? (await import('../policy/pss/evaluate.js')).parsePssVersion(opts.pssVersion ?? 'latest')
      : undefined;

  const inputs = new InputSet(files, stdin);
  try {
    const collected = await collect(inputs, io);
    const emit = output === 'json' ? jsonEmitter(io) : textEmitter(io, opts.as);
    let refused: number;
    if (opts.level !== undefined) {
      if (collected.policies.size > 0)
        io.err(
          `note: --level given: checking Pod Security Standards; the ${collected.policies.size} PodSecurityPolicies in the input are not used`,
        );
      if (opts.as || (opts.allow ?? []).length > 0)
        io.err('note: --as and --allow choose PodSecurityPolicies; Pod Security Standards do not use them');
      refused = await checkPss(inputs, opts.level as PssLevel, pssVersion!, emit);
    } else {
      if (collected.policies.size === 0) {
        throw new UserError(
          'nothing to check against: the input has no PodSecurityPolicy and no --level was given. ' +
            'Add the policies (-f policies.yaml) or name a Pod Security Standards level (--level restricted)',
        );
      }
      refused = await checkPsp(inputs, collected, opts, io, emit);
    }
    emit.end(collected.pods, refused);
    return refused > 0 ? 1 : 0;
  } finally {
    await inputs.dispose();
  }
}

/** First pass: policies, RBAC, a count of pods, and every input error before any output. */
async function collect(inputs: InputSet, io: Io): Promise<Collected> {
  const policies = new Map<string, PolicyObject>();
  const rbac: RbacObject[] = [];
  const ignored = new Map<string, Map<string, number>>();
  let pods = 0;
  for await (const src of inputs.first()) {
    const c = classify(src);
    if (c.type === 'pod') pods++;
    else if (c.type === 'psp') policies.set(c.policy.metadata.name, c.policy);
    else if (c.type === 'rbac') rbac.push(c.object);
    else {
      const perFile = ignored.get(src.file) ?? new Map<string, number>();
      perFile.set(c.kind, (perFile.get(c.kind) ?? 0) + 1);
      ignored.set(src.file, perFile);
    }
  }
  for (const [file, kinds] of ignored) {
    const list = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
    io.err(`note: ${file}: skipped ${list} (not a pod, workload, PodSecurityPolicy or RBAC object)`);
  }
  return { policies, rbac, pods };
}

async function checkPsp(
  inputs: InputSet,
  collected: Collected,
  opts: PolicyCheckOptions,
  io: Io,
  emit: Emitter,
): Promise<number> {
  const admission = new PspAdmission([...collected.policies.values()]);
  warnAboutPolicies(admission, collected, opts, io);
  const rbac = new RbacAuthorizer(collected.rbac);
  const requester = opts.as ? impersonatedUser(opts.as, opts.asGroup ?? []) : undefined;
  const authorizerFor = policyUseAuthorizer({ rbac, requester, allow: opts.allow });
  let refused = 0;
  for await (const src of inputs.second()) {
    const c = classify(src);
    if (c.type !== 'pod') continue;
    const isAuthorized = authorizerFor(c.namespace, admissionServiceAccount(c.pod));
    const result = admission.admitView(c.view, { isAuthorized });
    if (!result.admitted) refused++;
    emit.psp(c, result, () => admission.providers.map((p) => p.name).filter(isAuthorized));
  }
  return refused;
}

/** What makes policies behave unlike their author expects, on stderr. */
function warnAboutPolicies(admission: PspAdmission, collected: Collected, opts: PolicyCheckOptions, io: Io): void {
  for (const skipped of admission.skipped) {
    io.err(
      `warning: PodSecurityPolicy ${skipped.policy} cannot be used (${skipped.reasons.join('; ')}); the admission controller skips it`,
    );
  }
  for (const p of collected.policies.values()) {
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
    if (!collected.policies.has(name))
      io.err(`warning: --allow ${name}: no PodSecurityPolicy of that name in the input`);
  }
}

async function checkPss(inputs: InputSet, level: PssLevel, version: PssVersion, emit: Emitter): Promise<number> {
  // Imported here so PSP mode never loads the PSS checks.
  const pss = await import('../policy/pss/evaluate.js');
  const label: PssLabel = {
    level,
    version: pss.formatPssVersion(version),
    levelVersion: pss.formatLevelVersion(level, version),
  };
  let refused = 0;
  for await (const src of inputs.second()) {
    const c = classify(src);
    if (c.type !== 'pod') continue;
    const pod = c.kind === 'Pod' ? syncAppArmorAnnotations(c.pod) : c.pod;
    const violations = pss.evaluatePss(pod, level, version);
    if (violations.length > 0) refused++;
    emit.pss(c, label, violations);
  }
  return refused;
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
}

/** `Deployment demo/web` */
function title(p: PodInput): string {
  return `${p.kind} ${p.namespace}/${p.name || '(unnamed)'}`;
}

function textEmitter(io: Io, requester?: string): Emitter {
  let changed = 0;
  return {
    psp(p, r, usable) {
      if (r.admitted) {
        const diff = r.mutated ? changes(applyApiDefaults(p.pod), withoutPspAnnotation(r.pod, p.pod)) : [];
        if (diff.length === 0) {
          io.out(`${title(p)}: admitted by ${r.policy}`);
        } else {
          changed++;
          io.out(`${title(p)}: admitted by ${r.policy}, which changes it:`);
          for (const d of diff) io.out(`    ${d}`);
        }
        return;
      }
      io.out(`${title(p)}: refused`);
      for (const reason of r.reasons) io.out(`    ${reason}`);
      if (r.reasons.length === 0) {
        // No field errors: no policy was usable (or, on update, none admitted it unchanged).
        io.out(`    ${r.message}`);
        if (r.message !== NO_PROVIDERS_MESSAGE && usable().length === 0) {
          const sa = admissionServiceAccount(p.pod);
          const who = [...(sa ? [`serviceaccount ${p.namespace}/${sa}`] : []), ...(requester ? [requester] : [])].join(
            ' or ',
          );
          io.out(
            `    no PodSecurityPolicy may be used by ${who} in namespace ${p.namespace} (see the RBAC input, --as and --allow)`,
          );
        }
      }
    },
    pss(p, label, violations) {
      if (violations.length === 0) {
        io.out(`${title(p)}: allowed by ${label.levelVersion}`);
        return;
      }
      io.out(`${title(p)}: violates PodSecurity "${label.levelVersion}"`);
      for (const v of violations) io.out(`    ${pssMessage(v)}`);
    },
    end(pods, refused) {
      const admitted = pods - refused;
      const parts = [`${admitted} admitted`];
      if (changed > 0) parts.push(`${changed} of them changed by their policy`);
      parts.push(`${refused} refused`);
      io.out(`${pods} ${pods === 1 ? 'pod' : 'pods'}: ${parts.join(', ')}`);
    },
  };
}

/** `reason (detail)`, as the PodSecurity plugin joins them. */
function pssMessage(v: PssViolation): string {
  return v.detail ? `${v.reason} (${v.detail})` : v.reason;
}

/**
 * Streams a JSON array: each entry is printed once the next one is known (or the
 * array ends), so the output is one valid JSON document without holding all entries.
 */
function jsonEmitter(io: Io): Emitter {
  let held: string | undefined;
  let started = false;
  const put = (entry: unknown) => {
    if (!started) {
      io.out('[');
      started = true;
    }
    if (held !== undefined) io.out(`${held},`);
    held = JSON.stringify(entry);
  };
  return {
    psp(p, r) {
      put({
        kind: p.kind,
        namespace: p.namespace,
        name: p.name,
        admitted: r.admitted,
        policy: r.policy,
        pod: r.pod,
        reasons: r.reasons,
      });
    },
    pss(p, label, violations) {
      put({
        kind: p.kind,
        namespace: p.namespace,
        name: p.name,
        admitted: violations.length === 0,
        level: label.level,
        version: label.version,
        violations: violations.map((v) => ({ check: v.check, message: pssMessage(v) })),
      });
    },
    end() {
      if (!started) {
        io.out('[]');
        return;
      }
      if (held !== undefined) io.out(held);
      io.out(']');
    },
  };
}
