/**
 * Pods for the migrate tests: every pod and pod template of test/fixtures/pods, and the
 * forms the API server gives a pod before a ValidatingAdmissionPolicy sees it.
 */
import { readdirSync } from 'node:fs';
import { applyApiDefaults } from '../../../src/policy/psp/api-defaults.js';
import type { Pod } from '../../../src/policy/psp/pod.js';
import { VOLUME_SOURCES } from '../../../src/policy/psp/fstype.js';
import { classify, type PodInput } from '../../../src/policy/objects.js';
import { fixture, type Json } from '../helpers.js';

const POD_ANN = 'seccomp.security.alpha.kubernetes.io/pod';
const CTR_ANN = 'container.seccomp.security.alpha.kubernetes.io/';

function seccompField(name: string): Json | undefined {
  if (name === 'runtime/default' || name === 'docker/default') return { type: 'RuntimeDefault' };
  if (name === 'unconfined') return { type: 'Unconfined' };
  if (name.startsWith('localhost/')) return { type: 'Localhost', localhostProfile: name.slice('localhost/'.length) };
  return undefined;
}

/** The v1 API's defaulting that matters here: host-network ports, sourceless volumes are emptyDirs. */
export function apiDefaults(pod: Pod): Json {
  const p: Json = structuredClone(applyApiDefaults(pod));
  for (const v of p.spec.volumes ?? [])
    if (!Object.keys(v).some((k) => VOLUME_SOURCES.has(k) && v[k] != null)) v.emptyDir = {};
  return p;
}

/** What a 1.24 API server stored: the seccomp annotations copied into unset fields. */
export function stored(pod: Pod): Json {
  const p = apiDefaults(pod);
  const ann = p.metadata?.annotations ?? {};
  const podField = ann[POD_ANN] !== undefined ? seccompField(ann[POD_ANN]) : undefined;
  if (podField && !p.spec.securityContext?.seccompProfile) (p.spec.securityContext ??= {}).seccompProfile = podField;
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of p.spec[list] ?? []) {
      const a = ann[CTR_ANN + c.name];
      const f = a !== undefined ? seccompField(a) : undefined;
      if (f && !c.securityContext?.seccompProfile) (c.securityContext ??= {}).seccompProfile = f;
    }
  }
  return p;
}

export function asDeployment(pod: Json): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'w', namespace: 'demo' },
    spec: { selector: {}, template: { metadata: { annotations: pod.metadata?.annotations }, spec: pod.spec } },
  };
}

export function asCronJob(pod: Json): Json {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'w', namespace: 'demo' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        spec: {
          template: {
            metadata: pod.metadata?.annotations ? { annotations: pod.metadata.annotations } : undefined,
            spec: pod.spec,
          },
        },
      },
    },
  };
}

export const PODS: { label: string; input: PodInput }[] = readdirSync('test/fixtures/pods')
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) =>
    fixture(file)
      .map((obj, i) => classify({ obj, file, line: i + 1 }))
      .filter((c) => c.type === 'pod')
      .map((c) => ({ label: `${file} ${c.kind} ${c.name}`, input: c as PodInput })),
  );
