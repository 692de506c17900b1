/**
 * The generated ValidatingAdmissionPolicy refuses exactly the pods the PodSecurityPolicy
 * refuses. For every built-in template and every custom policy of policies.ts, and every
 * pod of test/fixtures/pods (field-coverage.yaml has one pod per field), the offline
 * PodSecurityPolicy engine (Kubernetes 1.24 semantics) decides, and the policy's CEL is
 * evaluated with @bufbuild/cel (standard library only):
 * - on the pod as PSP admitted it (after its defaulting), when PSP admitted it: a VAP
 *   cannot default, so the workload must carry those values itself;
 * - on the pod as submitted (after the API server's own defaulting), when PSP refused it.
 * Both verdicts must be equal, for the pod itself and for the same pod template in a
 * Deployment and in a CronJob.
 *
 * "As PSP admitted it" is the pod as a 1.24 API server stored it: admission's defaults,
 * then PrepareForCreate, which (1.19-1.26) copied the seccomp annotations PSP wrote into
 * the seccompProfile fields. The VAP reads only the fields: from v1.27 the annotations
 * do nothing (kubernetes PR #114947).
 */
import test from 'ava';
import { PspAdmission } from '../../../src/policy/psp/admission.js';
import { validatePspSpec } from '../../../src/policy/psp/validate.js';
import { vapObjects } from '../../../src/policy/migrate/vap.js';
import { evaluateVap } from '../../helpers/vap-eval.js';
import { USABLE, type Json } from '../helpers.js';
import { apiDefaults, asCronJob, asDeployment, PODS, stored } from './pods.js';
import { ALL_POLICIES } from './policies.js';

test('the fixtures cover enough pods', (t) => {
  t.true(PODS.length >= 60, `${PODS.length}`);
});

test('the custom policies are valid PodSecurityPolicies', (t) => {
  for (const p of ALL_POLICIES)
    t.deepEqual(validatePspSpec(p.spec, 24, p.metadata.annotations ?? {}), [], p.metadata.name);
});

for (const policy of ALL_POLICIES) {
  test(`PSP and VAP agree: ${policy.metadata.name}`, (t) => {
    const [vap] = vapObjects({ policy, minor: 30, namespaces: ['demo'] });
    const admission = new PspAdmission([policy]);
    let admitted = 0;
    let refused = 0;
    for (const { label, input } of PODS) {
      const r = admission.admitView(input.view, USABLE);
      const pod = r.admitted ? stored(r.pod) : apiDefaults(input.pod);
      const expected = r.admitted;
      if (expected) admitted++;
      else refused++;
      for (const [form, obj] of [
        ['Pod', pod],
        ['Deployment', asDeployment(pod)],
        ['CronJob', asCronJob(pod)],
      ] as const) {
        const verdict = vap ? evaluateVap(vap, obj) : { allowed: true, messages: [] };
        t.is(
          verdict.allowed,
          expected,
          `${label} as ${form}: PSP ${expected ? 'admits' : `refuses (${r.reasons.join('; ')})`}, VAP ${verdict.allowed ? 'admits' : `refuses (${verdict.messages.join('; ')})`}`,
        );
      }
    }
    t.true(admitted + refused === PODS.length);
  });
}

test('every policy has pods on both sides (the comparison is not vacuous)', (t) => {
  for (const policy of ALL_POLICIES) {
    const admission = new PspAdmission([policy]);
    const verdicts = PODS.map(({ input }) => admission.admitView(input.view, USABLE).admitted);
    t.true(verdicts.includes(true), `${policy.metadata.name} admits some pod`);
    t.true(verdicts.includes(false), `${policy.metadata.name} refuses some pod`);
  }
});

test('a refusal names the container and the policy', (t) => {
  const policy = ALL_POLICIES.find((p) => p.metadata.name === 'restricted')!;
  const [vap] = vapObjects({ policy, minor: 30, namespaces: ['demo'] });
  const pod = PODS.find((p) => p.input.name === 'init-privileged')!.input.pod;
  const v = evaluateVap(vap, apiDefaults(pod));
  t.false(v.allowed);
  t.true(
    v.messages.includes(
      'container "init": securityContext.privileged: Privileged containers are not allowed (PodSecurityPolicy restricted)',
    ),
    v.messages.join('\n'),
  );
});

test('every generated rule refuses some pod that PSP refuses (each rule is exercised)', (t) => {
  const unexercised: string[] = [];
  for (const policy of ALL_POLICIES) {
    const [vap] = vapObjects({ policy, minor: 30, namespaces: ['demo'] });
    if (!vap) continue;
    const admission = new PspAdmission([policy]);
    const validations = (vap.spec as Json).validations as Json[];
    const hit = new Set<number>();
    for (const { input } of PODS) {
      if (admission.admitView(input.view, USABLE).admitted) continue;
      const pod = apiDefaults(input.pod);
      validations.forEach((v, i) => {
        if (!evaluateVap({ spec: { ...(vap.spec as Json), validations: [v] } }, pod).allowed) hit.add(i);
      });
    }
    validations.forEach((v, i) => {
      if (!hit.has(i)) unexercised.push(`${policy.metadata.name}: ${v.message}`);
    });
  }
  t.deepEqual(unexercised, []);
});
