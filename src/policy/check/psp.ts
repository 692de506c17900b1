/**
 * `policy check` in PodSecurityPolicy mode: each pod goes through the PodSecurityPolicy
 * admission controller of Kubernetes 1.24 (src/policy/psp), with the policies the
 * requester (--as), the pod's service account or --allow may use.
 */
import { UserError } from '../../errors.js';
import { objectsIn } from '../input.js';
import { classify, type PodInput } from '../objects.js';
import { PspAdmission } from '../psp/admission.js';
import { admissionServiceAccount } from '../psp/pod.js';
import type { PolicyObject } from '../psp/provider.js';
import { impersonatedUser, policyUseAuthorizer, type RbacObject, RbacAuthorizer } from '../rbac.js';
import { Census } from './census.js';
import type { Emitter } from './emit.js';
import type { InputSet } from './input-set.js';
import type { OutputSpool } from './output-spool.js';
import { type PspPrinter, pspPrinter } from './psp-print.js';
import type { FileJudge } from './verdicts.js';

/** Who asks: the requester and the policies usable regardless of RBAC. */
export interface PspRequester {
  as?: string;
  asGroups: string[];
  allow: string[];
}

/** What pods are judged with in PodSecurityPolicy mode, and what to do with more of it in a file judged at once. */
export interface PspCensus {
  policies: PolicyObject[];
  rbac: RbacObject[];
  /**
   * A policy or RBAC object in the file: 'refuse' in the first pass (it changes what
   * every pod is judged with, which the ordinary pass handles), 'skip' in the second.
   */
  others: 'refuse' | 'skip';
}

export interface Tally {
  pods: number;
  refused: number;
  /** Admitted pods their policy changed (PodSecurityPolicy mode). */
  changed: number;
}

/**
 * PodSecurityPolicy admission needs every policy and RBAC object before the first pod.
 * When they come first (`-f policies.yaml -f pods.json`), each pod is judged in the
 * pass that reads it; when one comes after a pod, the results so far are dropped and
 * the pods are judged in a second pass over the input.
 */
export async function checkPsp(
  inputs: InputSet,
  requester: PspRequester,
  json: boolean,
  emit: Emitter,
  spool: OutputSpool,
  note: (line: string) => void,
  judgeFile?: FileJudge<PspCensus>,
): Promise<Tally> {
  let printer = pspPrinter(json, requester.as);
  const census = new Census();
  let judge: Judge | undefined;
  let again = false;
  let pods = 0;
  let refused = 0;
  /** A file judged at once with the policies and RBAC read so far, when there are any. */
  const judgedAtOnce = async (file: string, others: PspCensus['others']) => {
    if (!judgeFile || (others === 'refuse' && (again || census.policies.size === 0))) return false;
    const v = await judgeFile(file, { policies: [...census.policies.values()], rbac: census.rbac, others });
    if (!v) return false;
    // As when one thread reads it: the policies in force are fixed at the first pod judged.
    if (v.pods > 0) judge ??= new Judge([...census.policies.values()], census.rbac, requester);
    pods += others === 'refuse' ? v.pods : 0;
    refused += v.refused;
    printer.changed += v.changed;
    for (const [f, kind] of v.ignored) census.ignore(f, kind);
    v.output.moveTo((text) => emit.batch(text));
    return true;
  };
  for await (const batch of inputs.firstBatches((file) => judgedAtOnce(file, 'refuse'))) {
    for (const piece of batch.pieces) {
      for (const src of objectsIn(piece, batch.file)) {
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
        judge ??= new Judge([...census.policies.values()], census.rbac, requester);
        if (!judge.admit(c, printer, (t) => emit.batch(t))) refused++;
      }
    }
  }
  census.noteIgnored(note);
  if (census.policies.size === 0) {
    throw new UserError(
      'nothing to check against: the input has no PodSecurityPolicy and no --level was given. ' +
        'Add the policies (-f policies.yaml) or name a Pod Security Standards level (--level restricted)',
    );
  }
  if (again || judge === undefined) {
    spool.discard();
    emit.restart();
    printer = pspPrinter(json, requester.as);
    judge = new Judge([...census.policies.values()], census.rbac, requester);
    refused = 0;
    for await (const batch of inputs.secondBatches((file) => judgedAtOnce(file, 'skip'))) {
      for (const piece of batch.pieces) {
        for (const src of objectsIn(piece, batch.file)) {
          const c = classify(src);
          if (c.type === 'pod' && !judge.admit(c, printer, (t) => emit.batch(t))) refused++;
        }
      }
    }
  }
  warnAboutPolicies(judge.admission, census, requester, note);
  return { pods, refused, changed: printer.changed };
}

/** PodSecurityPolicy admission with the policies and RBAC of the input. */
export class Judge {
  readonly admission: PspAdmission;
  private readonly authorizerFor: ReturnType<typeof policyUseAuthorizer>;

  constructor(policies: PolicyObject[], rbacObjects: RbacObject[], who: PspRequester) {
    this.admission = new PspAdmission(policies);
    const rbac = new RbacAuthorizer(rbacObjects);
    const requester = who.as ? impersonatedUser(who.as, who.asGroups) : undefined;
    this.authorizerFor = policyUseAuthorizer({ rbac, requester, allow: who.allow });
  }

  /** Judges one pod and hands `out` what to print for it; false when it is refused. */
  admit(c: PodInput, printer: PspPrinter, out: (text: string) => void): boolean {
    const isAuthorized = this.authorizerFor(c.namespace, admissionServiceAccount(c.pod));
    const result = this.admission.admitView(c.view, { isAuthorized });
    out(printer.print(c, result, () => this.admission.providers.map((p) => p.name).filter(isAuthorized)));
    return result.admitted;
  }
}

/** What makes policies behave unlike their author expects, on stderr. */
function warnAboutPolicies(
  admission: PspAdmission,
  census: Census,
  who: PspRequester,
  note: (line: string) => void,
): void {
  for (const skipped of admission.skipped) {
    note(
      `warning: PodSecurityPolicy ${skipped.policy} cannot be used (${skipped.reasons.join('; ')}); the admission controller skips it`,
    );
  }
  for (const p of census.policies.values()) {
    // Kubernetes splits these lists on "," and does not trim, so " runtime/default" is
    // a different (unknown) profile: a classic reason for pods refused "for no reason".
    for (const [key, value] of Object.entries(p.metadata.annotations ?? {})) {
      if (key.endsWith('/allowedProfileNames') && value.split(',').some((n) => n !== n.trim())) {
        note(
          `warning: PodSecurityPolicy ${p.metadata.name}: ${key} has spaces around a name; Kubernetes does not trim them, so that name matches no profile`,
        );
      }
    }
  }
  for (const name of who.allow) {
    if (!census.policies.has(name)) note(`warning: --allow ${name}: no PodSecurityPolicy of that name in the input`);
  }
}
