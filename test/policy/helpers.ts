/**
 * Builders for the PodSecurityPolicy tests: a permissive policy that each case
 * restricts in one field, a minimal pod each case changes in one place, and a
 * one-call admission.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { PspAdmission, type AdmitOptions, type AdmitResult } from '../../src/policy/psp/admission.js';
import type { Pod } from '../../src/policy/psp/pod.js';
import type { PolicyObject } from '../../src/policy/psp/provider.js';
import type { PspSpec } from '../../src/k8s/psp.js';
import { classify, type PodInput } from '../../src/policy/objects.js';

export type Json = any;

/** Allows everything a PodSecurityPolicy can allow, and defaults nothing. */
export const PERMISSIVE: PspSpec = {
  privileged: true,
  hostNetwork: true,
  hostPID: true,
  hostIPC: true,
  hostPorts: [{ min: 0, max: 65535 }],
  allowedCapabilities: ['*'],
  volumes: ['*'],
  allowedProcMountTypes: ['Default', 'Unmasked'],
  allowedUnsafeSysctls: ['*'],
  runAsUser: { rule: 'RunAsAny' },
  seLinux: { rule: 'RunAsAny' },
  supplementalGroups: { rule: 'RunAsAny' },
  fsGroup: { rule: 'RunAsAny' },
};

/** A policy named `name`: PERMISSIVE with `spec` on top; annotations as given. */
export function policy(name: string, spec: Partial<PspSpec> = {}, annotations?: Record<string, string>): PolicyObject {
  return { metadata: { name, ...(annotations ? { annotations } : {}) }, spec: { ...PERMISSIVE, ...spec } as PspSpec };
}

/** A minimal valid pod with one container `c`; `patch` changes it in place. */
export function pod(patch: (p: Json) => void = () => {}): Pod {
  const p: Json = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'demo' },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  };
  patch(p);
  return p;
}

/** `spec.containers[0].securityContext`, created if needed. */
export function sc(p: Json, i = 0): Json {
  return (p.spec.containers[i].securityContext ??= {});
}

/** `spec.securityContext`, created if needed. */
export function podSC(p: Json): Json {
  return (p.spec.securityContext ??= {});
}

export const USABLE: AdmitOptions = { isAuthorized: () => true };

export function admit(p: Pod, policies: PolicyObject | PolicyObject[], opts: AdmitOptions = USABLE): AdmitResult {
  return new PspAdmission(Array.isArray(policies) ? policies : [policies]).admit(p, opts);
}

/** Every object of a fixture file under test/fixtures/pods/. */
export function fixture(name: string): Json[] {
  const text = readFileSync(path.join('test/fixtures/pods', name), 'utf8');
  const docs: Json[] = [];
  for (const d of text.split(/^---$/m)) {
    const o = load(d);
    if (o) docs.push(o);
  }
  return docs;
}

/** The pod (or pod template) of a one-object fixture, classified as policy check does. */
export function fixturePod(name: string): PodInput {
  const [obj] = fixture(name);
  const c = classify({ obj, file: name, line: 1 });
  if (c.type !== 'pod') throw new Error(`${name} is not a pod or workload`);
  return c;
}

/** Deep-freezes a value, so a test fails if the engine writes into its input. */
export function frozen<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) frozen((v as Json)[k]);
    Object.freeze(v);
  }
  return v;
}
