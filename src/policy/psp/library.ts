/**
 * Builds PodSecurityPolicy objects: a built-in template rendered for the
 * cluster's minor, optionally with a custom policy's overrides on top. A field
 * given in the overrides replaces the template's field wholesale (lists are not
 * merged), which is what a reader of the config expects.
 */
import { parse } from 'yaml';
import { renderTemplate } from '../../render/handlebars.js';
import { MANAGED_BY } from '../../render/labels.js';
import {
  pspAnnotationsSchema,
  pspSpecSchema,
  type PodSecurityPolicy,
  type PspAnnotations,
  type PspSpec,
} from '../../k8s/psp.js';
import { validatePspSpec, type SpecProblem } from './validate.js';
import { pspVolumeTypes } from './volumes.js';
import { pspExtraVolumeTypes } from '../../versions.js';
import { isBuiltinPolicy, type BuiltinPolicyName } from '../templates.js';

/** A custom policy as the config declares it. */
export interface CustomPolicy {
  name: string;
  template: string;
  annotations?: PspAnnotations;
  spec: Partial<PspSpec>;
}

/** Volume types that keep data inside the cluster: what restricted policies allow. */
export function restrictedVolumeTypes(minor: number): string[] {
  return [
    'configMap',
    'downwardAPI',
    'emptyDir',
    'persistentVolumeClaim',
    'projected',
    'secret',
    ...pspExtraVolumeTypes(minor),
  ];
}

interface TemplateOutput {
  annotations: PspAnnotations;
  spec: PspSpec;
}

function renderBuiltin(name: BuiltinPolicyName, minor: number): TemplateOutput {
  const text = renderTemplate(`policies/${name}.yaml.hbs`, {
    restrictedVolumes: restrictedVolumeTypes(minor),
    allVolumeTypesButHostPath: pspVolumeTypes(minor).filter((t) => t !== '*' && t !== 'hostPath' && t !== 'none'),
  });
  const raw = parse(text, { uniqueKeys: true, version: '1.1' }) as { annotations?: unknown; spec?: unknown };
  // Built-in templates are ours; a failure here is a bug in kubestrap, not user input.
  pspAnnotationsSchema.parse(raw.annotations ?? {});
  pspSpecSchema.parse(raw.spec);
  // The parsed copies are only checks: the raw objects keep the template's key order for readers.
  return { annotations: (raw.annotations ?? {}) as PspAnnotations, spec: raw.spec as PspSpec };
}

export function pspObject(name: string, body: TemplateOutput): PodSecurityPolicy {
  const annotations = Object.fromEntries(Object.entries(body.annotations).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return {
    apiVersion: 'policy/v1beta1',
    kind: 'PodSecurityPolicy',
    metadata: {
      name,
      labels: { ...MANAGED_BY },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: body.spec,
  };
}

/** A custom policy that the API server would reject; paths are relative to the policy entry. */
export class PolicyProblem extends Error {
  constructor(
    readonly policyIndex: number,
    readonly problems: SpecProblem[],
  ) {
    super(problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; '));
  }
}

/**
 * The PodSecurityPolicy named `name`: a built-in template, or a custom policy
 * from the config (its template plus overrides). Throws PolicyProblem when the
 * merged policy is one the API server would reject.
 */
export function buildPolicy(name: string, minor: number, custom: CustomPolicy[]): PodSecurityPolicy {
  if (isBuiltinPolicy(name)) return pspObject(name, renderBuiltin(name, minor));
  const index = custom.findIndex((p) => p.name === name);
  if (index < 0) throw new Error(`policy ${name} is neither built in nor defined`);
  const def = custom[index];
  if (!isBuiltinPolicy(def.template)) throw new Error(`template ${def.template} is not built in`);
  const base = renderBuiltin(def.template, minor);
  const spec = { ...base.spec, ...stripUndefined(def.spec) } as PspSpec;
  const annotations = { ...base.annotations, ...stripUndefined(def.annotations ?? {}) } as PspAnnotations;
  const problems = validatePspSpec(spec, minor, annotations);
  if (problems.length > 0) throw new PolicyProblem(index, problems);
  return pspObject(name, { spec, annotations });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
