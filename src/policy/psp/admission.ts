/**
 * The PodSecurityPolicy admission controller of Kubernetes 1.24
 * (plugin/pkg/admission/security/podsecuritypolicy/admission.go), offline.
 *
 * For a pod it tries every policy, sorted by name, on its own copy of the pod:
 * default, then validate. The first policy the requester or the pod's service
 * account may `use` that admits the pod *unchanged* wins; failing that, on create,
 * the first usable one (by name) that admits it after defaulting. On update nothing
 * may be changed, and the policy named in the pod's `kubernetes.io/psp` annotation is
 * tried first. A refusal lists the field errors of the usable policies only.
 *
 * "No providers available" is upstream's answer only when there is no policy it can
 * build at all; when policies exist but none is usable, the refusal is
 * `unable to admit pod: []` (kubernetes#103094).
 *
 * Where upstream is not deterministic, kubestrap picks the obvious order: upstream
 * keeps the per-policy errors in a Go map and prints them in map order; here they
 * come in the order the policies were tried.
 *
 * On create the API server also runs the plugin's validating half after storing
 * defaults (with mutation forbidden and the admitting policy first). It is not
 * repeated here: a policy's defaulting is idempotent, so the pod it admitted passes
 * its own validation unchanged.
 */
import { applyApiDefaults } from './api-defaults.js';
import type { Candidate } from './candidate.js';
import type { FieldError } from './field-error.js';
import { formatErrorList, formatFieldError } from './field-error.js';
import type { Pod } from './pod.js';
import { podView, type PodView } from './pod-view.js';
import { PspProvider, ProviderBuildError, type PolicyObject } from './provider.js';

/** The annotation the admitted pod carries: the name of the policy that admitted it. */
export const VALIDATED_PSP_ANNOTATION = 'kubernetes.io/psp';

/**
 * The admitted pod without the kubernetes.io/psp annotation, which every admitted
 * pod gets: what a reader compares with the input to see what the policy changed.
 */
export function withoutPspAnnotation(out: Pod, input: Pod): Pod {
  const { [VALIDATED_PSP_ANNOTATION]: _, ...rest } = out.metadata?.annotations ?? {};
  const metadata = { ...out.metadata };
  if (Object.keys(rest).length > 0 || input.metadata?.annotations) metadata.annotations = rest;
  else delete metadata.annotations;
  return { ...out, metadata };
}

export const NO_PROVIDERS_MESSAGE = 'PodSecurityPolicy: no providers available to validate pod request';

export type Operation = 'create' | 'update';

export interface AdmitOptions {
  /** `create` (default) may default fields; `update` only validates. */
  operation?: Operation;
  /**
   * Whether the requesting user or the pod's service account may `use` the policy
   * in the pod's namespace (see rbac.ts policyUseAuthorizer), or it was allowed explicitly.
   */
  isAuthorized: (policyName: string) => boolean;
}

export interface AdmitResult {
  admitted: boolean;
  /** The admitting policy, or null. */
  policy: string | null;
  /** The pod as admitted (defaulted, annotated), or the input pod when refused. */
  pod: Pod;
  /** Whether the admitting policy changed the pod (other than the kubernetes.io/psp annotation). */
  mutated: boolean;
  /** Upstream-formatted field errors of the usable policies, in order; empty when admitted. */
  reasons: string[];
  /** The full refusal message, as the API server words it; null when admitted. */
  message: string | null;
}

export class PspAdmission {
  /** Providers sorted by policy name (policy names are ASCII, so code units sort as Go's bytes). */
  readonly providers: readonly PspProvider[];
  /** Policies upstream could not build a provider for, and so skips. */
  readonly skipped: readonly ProviderBuildError[];

  constructor(policies: readonly PolicyObject[]) {
    const providers: PspProvider[] = [];
    const skipped: ProviderBuildError[] = [];
    for (const p of policies) {
      try {
        providers.push(new PspProvider(p));
      } catch (e) {
        if (e instanceof ProviderBuildError) skipped.push(e);
        else throw e;
      }
    }
    providers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.providers = providers;
    this.skipped = skipped;
  }

  /**
   * Admits a pod (a v1 Pod object). Throws PodShapeError when a field admission
   * reads has the wrong type (the API server would not have decoded the pod).
   */
  admit(pod: Pod, opts: AdmitOptions): AdmitResult {
    return this.admitView(podView(pod), opts);
  }

  admitView(view: PodView, opts: AdmitOptions): AdmitResult {
    const create = (opts.operation ?? 'create') === 'create';
    if (this.providers.length === 0) return refused(view, [], NO_PROVIDERS_MESSAGE);

    const authorized = memo(opts.isAuthorized);
    const order = create ? this.providers : hintFirst(this.providers, view.annotations[VALIDATED_PSP_ANNOTATION]);
    const failures: [string, FieldError[]][] = [];
    let firstMutated: Candidate | undefined;
    let firstMutatedBy = '';

    for (const provider of order) {
      const candidate = provider.mutate(view);
      const errs = provider.validate(candidate);
      if (errs.length > 0) {
        failures.push([provider.name, errs]);
        continue;
      }
      if (candidate.mutated && !create) continue;
      if (!authorized(provider.name)) continue;
      if (!candidate.mutated) return admitted(candidate, provider.name, create);
      if (!firstMutated) {
        firstMutated = candidate;
        firstMutatedBy = provider.name;
      }
    }
    if (firstMutated) return admitted(firstMutated, firstMutatedBy, create);

    const errors: FieldError[] = [];
    for (const [name, errs] of failures) if (authorized(name)) errors.push(...errs);
    const verb = create ? 'admit' : 'validate';
    return refused(view, errors, `PodSecurityPolicy: unable to ${verb} pod: ${formatErrorList(errors)}`);
  }
}

function admitted(c: Candidate, policy: string, create: boolean): AdmitResult {
  // On create the plugin records the admitting policy on the pod; on update it only checks.
  const pod = create ? c.toPod({ [VALIDATED_PSP_ANNOTATION]: policy }) : applyApiDefaults(c.view.pod);
  return { admitted: true, policy, pod, mutated: c.mutated, reasons: [], message: null };
}

function refused(view: PodView, errors: FieldError[], message: string): AdmitResult {
  return {
    admitted: false,
    policy: null,
    pod: applyApiDefaults(view.pod),
    mutated: false,
    reasons: errors.map(formatFieldError),
    message,
  };
}

/** On update the policy that admitted the pod at creation is tried first (a stable move to the front). */
function hintFirst(providers: readonly PspProvider[], hint: string | undefined): readonly PspProvider[] {
  if (!hint) return providers;
  const i = providers.findIndex((p) => p.name === hint);
  if (i <= 0) return providers;
  return [providers[i], ...providers.slice(0, i), ...providers.slice(i + 1)];
}

function memo(fn: (name: string) => boolean): (name: string) => boolean {
  const seen = new Map<string, boolean>();
  return (name) => {
    let v = seen.get(name);
    if (v === undefined) {
      v = fn(name);
      seen.set(name, v);
    }
    return v;
  };
}

const cache = new WeakMap<readonly PolicyObject[], PspAdmission>();

/**
 * One-call form for callers that do not keep a PspAdmission: the providers are built
 * once per `policies` array (keep passing the same array to reuse them).
 */
export function admitPod(pod: Pod, opts: AdmitOptions & { policies: readonly PolicyObject[] }): AdmitResult {
  let admission = cache.get(opts.policies);
  if (!admission) {
    admission = new PspAdmission(opts.policies);
    cache.set(opts.policies, admission);
  }
  return admission.admit(pod, opts);
}
