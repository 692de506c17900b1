/**
 * The objects `policy migrate` generates are ones the API server accepts: every
 * ValidatingAdmissionPolicy and binding against the admissionregistration.k8s.io/v1
 * schema of kubernetes-models, unknown fields refused. kubernetes-models has no v1beta1
 * ValidatingAdmissionPolicy; the v1beta1 kinds served on 1.28-1.29 have the same fields
 * as v1 for everything generated here (matchConstraints, variables, validations with
 * message, messageExpression and reason; policyName, validationActions, matchResources),
 * so they are checked against v1 with the apiVersion swapped.
 *
 * Every expression also parses as CEL without optional syntax, and uses no function
 * outside CEL's standard library (the evaluator has no extensions loaded).
 */
import test from 'ava';
import { parse } from '@bufbuild/cel';
import { schemaProblems } from '../../helpers/k8s-schema.js';
import { buildMigration } from '../../../src/policy/migrate/report.js';
import { vapObjects } from '../../../src/policy/migrate/vap.js';
import { ALL_POLICIES } from './policies.js';
import type { RbacObject } from '../../../src/policy/rbac.js';

const RBAC: RbacObject[] = [
  {
    kind: 'ClusterRole',
    metadata: { name: 'use-all' },
    rules: [{ apiGroups: ['policy'], resources: ['podsecuritypolicies'], verbs: ['use'] }],
  },
  {
    kind: 'RoleBinding',
    metadata: { name: 'b', namespace: 'demo' },
    roleRef: { kind: 'ClusterRole', name: 'use-all' },
    subjects: [{ kind: 'ServiceAccount', name: 'app' }],
  },
];

function expressions(o: Record<string, any>): string[] {
  const spec = o.spec ?? {};
  return [
    ...(spec.variables ?? []).map((v: { expression: string }) => v.expression),
    ...(spec.validations ?? []).flatMap((v: { expression: string; messageExpression?: string }) => [
      v.expression,
      ...(v.messageExpression ? [v.messageExpression] : []),
    ]),
  ];
}

for (const minor of [28, 29, 30, 33, 37]) {
  test(`v1.${minor}: every generated object validates against its schema`, (t) => {
    const report = buildMigration(ALL_POLICIES, RBAC, minor, 'vap');
    t.true(report.objects.length >= ALL_POLICIES.length * 2 - 2);
    const want = minor >= 30 ? 'admissionregistration.k8s.io/v1' : 'admissionregistration.k8s.io/v1beta1';
    const problems: string[] = [];
    for (const o of report.objects) {
      t.is(o.apiVersion, want);
      const asV1 = { ...o, apiVersion: 'admissionregistration.k8s.io/v1' };
      problems.push(...schemaProblems(asV1));
    }
    t.deepEqual(problems, []);
  });
}

test('a binding for every namespace has no selector; a policy without users has no binding', (t) => {
  const policy = ALL_POLICIES.find((p) => p.metadata.name === 'restricted')!;
  const wide = vapObjects({ policy, minor: 30, namespaces: ['*'] });
  t.deepEqual(wide[1].spec, { policyName: 'psp-restricted', validationActions: ['Deny'] });
  t.deepEqual(schemaProblems(wide[1]), []);
  t.deepEqual(
    vapObjects({ policy, minor: 30, namespaces: [] }).map((o) => o.kind),
    ['ValidatingAdmissionPolicy'],
  );
});

test('CEL: standard syntax only, no optional syntax, every expression parses', (t) => {
  const report = buildMigration(ALL_POLICIES, RBAC, 30, 'vap');
  let n = 0;
  for (const o of report.objects) {
    for (const e of expressions(o)) {
      n++;
      t.notRegex(e, /\?\.|\.\?|\[\?|orValue|optional\./, e);
      t.notThrows(() => parse(e), e);
    }
  }
  t.true(n > 100);
});

test('ValidatingAdmissionPolicy is refused before v1.28', (t) => {
  t.throws(() => vapObjects({ policy: ALL_POLICIES[0], minor: 27, namespaces: ['demo'] }), {
    message: /not served on v1.27/,
  });
});

test('messages are one line each, as the API server requires', (t) => {
  const report = buildMigration(ALL_POLICIES, RBAC, 30, 'vap');
  for (const o of report.objects) {
    for (const v of ((o.spec as Record<string, any>).validations ?? []) as {
      message: string;
      messageExpression?: string;
      reason: string;
    }[]) {
      t.notRegex(v.message, /[\n\r]/);
      t.true(v.message.length <= 1024, v.message);
      if (v.messageExpression) t.notRegex(v.messageExpression, /[\n\r]/);
      t.is(v.reason, 'Forbidden');
    }
  }
});
