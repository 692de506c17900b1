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
import { impersonatedUser, policyUseAuthorizer, RbacAuthorizer } from '../rbac.js';
import { Census } from './census.js';
import type { Emitter } from './emit.js';
import type { InputSet } from './input-set.js';
import type { OutputSpool } from './output-spool.js';
import { type PspPrinter, pspPrinter } from './psp-print.js';

/** Who asks: the requester and the policies usable regardless of RBAC. */
export interface PspRequester {
  as?: string;
  asGroups: string[];
  allow: string[];
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
): Promise<Tally> {
  let printer = pspPrinter(json, requester.as);
  const census = new Census();
  let judge: Judge | undefined;
  let again = false;
  let pods = 0;
  let refused = 0;
  for await (const batch of inputs.firstBatches()) {
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
        judge ??= new Judge(census, requester);
        if (!judge.admit(c, printer, emit)) refused++;
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
    judge = new Judge(census, requester);
    refused = 0;
    for await (const batch of inputs.secondBatches()) {
      for (const piece of batch.pieces) {
        for (const src of objectsIn(piece, batch.file)) {
          const c = classify(src);
          if (c.type === 'pod' && !judge.admit(c, printer, emit)) refused++;
        }
      }
    }
  }
  warnAboutPolicies(judge.admission, census, requester, note);
  return { pods, refused, changed: printer.changed };
}

/** PodSecurityPolicy admission with the policies and RBAC of the input. */
class Judge {
  readonly admission: PspAdmission;
  private readonly authorizerFor: ReturnType<typeof policyUseAuthorizer>;

  constructor(census: Census, who: PspRequester) {
    this.admission = new PspAdmission([...census.policies.values()]);
    const rbac = new RbacAuthorizer(census.rbac);
    const requester = who.as ? impersonatedUser(who.as, who.asGroups) : undefined;
    this.authorizerFor = policyUseAuthorizer({ rbac, requester, allow: who.allow });
  }

  /** Judges one pod and emits the result; false when it is refused. */
  admit(c: PodInput, printer: PspPrinter, emit: Emitter): boolean {
    const isAuthorized = this.authorizerFor(c.namespace, admissionServiceAccount(c.pod));
    const result = this.admission.admitView(c.view, { isAuthorized });
    emit.batch(printer.print(c, result, () => this.admission.providers.map((p) => p.name).filter(isAuthorized)));
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
