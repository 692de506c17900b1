/** Offline RBAC: who may `use` which PodSecurityPolicy, and where. */
import test from 'ava';
import {
  impersonatedUser,
  policyUseAuthorizer,
  RbacAuthorizer,
  serviceAccountUser,
  type RbacObject,
} from '../../src/policy/rbac.js';

const useRole = (
  name: string,
  rule: Record<string, unknown>,
  kind: 'ClusterRole' | 'Role' = 'ClusterRole',
  namespace?: string,
): RbacObject =>
  ({
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    rules: [{ apiGroups: ['policy'], resources: ['podsecuritypolicies'], verbs: ['use'], ...rule }],
  }) as RbacObject;

const binding = (
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  roleRef: { kind: string; name: string },
  subjects: Record<string, string>[],
  namespace?: string,
): RbacObject => ({ kind, metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef, subjects }) as RbacObject;

const SA_DEMO_APP = serviceAccountUser('demo', 'app');

test('impersonation gives a service account its groups and system:authenticated', (t) => {
  t.deepEqual(impersonatedUser('system:serviceaccount:demo:app'), {
    name: 'system:serviceaccount:demo:app',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:demo', 'system:authenticated'],
  });
  t.deepEqual(impersonatedUser('jane').groups, ['system:authenticated']);
  t.deepEqual(impersonatedUser('jane', ['devs']).groups, ['devs', 'system:authenticated']);
  // Groups given replace the service-account ones, as the API server's impersonation does.
  t.deepEqual(impersonatedUser('system:serviceaccount:demo:app', ['x']).groups, ['x', 'system:authenticated']);
  t.deepEqual(impersonatedUser('system:anonymous').groups, ['system:unauthenticated']);
});

test("the pod's service account, as the PSP plugin sees it, is not in system:authenticated", (t) => {
  t.deepEqual(SA_DEMO_APP.groups, ['system:serviceaccounts', 'system:serviceaccounts:demo']);
  const rbac = new RbacAuthorizer([
    useRole('all', {}),
    binding('ClusterRoleBinding', 'all', { kind: 'ClusterRole', name: 'all' }, [
      { kind: 'Group', name: 'system:authenticated' },
    ]),
  ]);
  t.false(rbac.canUsePolicy(SA_DEMO_APP, 'demo', 'x'));
  t.true(rbac.canUsePolicy(impersonatedUser('system:serviceaccount:demo:app'), 'demo', 'x'));
});

test('a RoleBinding grants only in its own namespace, also when it refers to a ClusterRole', (t) => {
  const rbac = new RbacAuthorizer([
    useRole('psp:restricted', { resourceNames: ['restricted'] }),
    binding(
      'RoleBinding',
      'b',
      { kind: 'ClusterRole', name: 'psp:restricted' },
      [{ kind: 'ServiceAccount', name: 'app', namespace: 'demo' }],
      'demo',
    ),
  ]);
  t.true(rbac.canUsePolicy(SA_DEMO_APP, 'demo', 'restricted'));
  t.false(rbac.canUsePolicy(SA_DEMO_APP, 'other', 'restricted'));
  t.false(rbac.canUsePolicy(SA_DEMO_APP, 'demo', 'privileged'), 'resourceNames limit the grant');
});

test('a ClusterRoleBinding grants in every namespace', (t) => {
  const rbac = new RbacAuthorizer([
    useRole('psp:restricted', { resourceNames: ['restricted'] }),
    binding('ClusterRoleBinding', 'b', { kind: 'ClusterRole', name: 'psp:restricted' }, [
      { kind: 'Group', name: 'system:serviceaccounts' },
    ]),
  ]);
  t.true(rbac.canUsePolicy(SA_DEMO_APP, 'anywhere', 'restricted'));
});

test('a Role only counts in its namespace and through a RoleBinding there', (t) => {
  const rbac = new RbacAuthorizer([
    useRole('r', {}, 'Role', 'demo'),
    binding('RoleBinding', 'b', { kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'jane' }], 'demo'),
    binding('RoleBinding', 'elsewhere', { kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'jane' }], 'other'),
  ]);
  t.true(rbac.canUsePolicy(impersonatedUser('jane'), 'demo', 'any'));
  t.false(rbac.canUsePolicy(impersonatedUser('jane'), 'other', 'any'), 'the Role r does not exist in other');
});

test('a ServiceAccount subject without a namespace means the binding namespace', (t) => {
  const rbac = new RbacAuthorizer([
    useRole('u', {}),
    binding('RoleBinding', 'b', { kind: 'ClusterRole', name: 'u' }, [{ kind: 'ServiceAccount', name: 'app' }], 'demo'),
  ]);
  t.true(rbac.canUsePolicy(SA_DEMO_APP, 'demo', 'p'));
  t.false(rbac.canUsePolicy(serviceAccountUser('other', 'app'), 'other', 'p'));
});

test('wildcards: verbs, resources and API groups', (t) => {
  const cases: [Record<string, unknown>, boolean][] = [
    [{ verbs: ['*'] }, true],
    [{ resources: ['*'] }, true],
    [{ apiGroups: ['*'] }, true],
    [{ verbs: ['get', 'list'] }, false],
    [{ resources: ['pods'] }, false],
    [{ apiGroups: ['apps'] }, false],
    // `use` granted in the legacy extensions group counts too (admission.go authorizedForPolicy).
    [{ apiGroups: ['extensions'] }, true],
    [{ resourceNames: ['x', 'p'] }, true],
    [{ resourceNames: ['x'] }, false],
  ];
  for (const [rule, want] of cases) {
    const rbac = new RbacAuthorizer([
      useRole('r', rule),
      binding('ClusterRoleBinding', 'b', { kind: 'ClusterRole', name: 'r' }, [{ kind: 'User', name: 'jane' }]),
    ]);
    t.is(rbac.canUsePolicy(impersonatedUser('jane'), 'demo', 'p'), want, JSON.stringify(rule));
  }
});

test('a ClusterRoleBinding to a Role grants nothing; an unknown role grants nothing', (t) => {
  const rbac = new RbacAuthorizer([
    useRole('r', {}, 'Role', 'demo'),
    binding('ClusterRoleBinding', 'b', { kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'jane' }]),
    binding('ClusterRoleBinding', 'c', { kind: 'ClusterRole', name: 'missing' }, [{ kind: 'User', name: 'jane' }]),
  ]);
  t.false(rbac.canUsePolicy(impersonatedUser('jane'), 'demo', 'p'));
});

test('system:masters may do anything', (t) => {
  t.true(new RbacAuthorizer([]).canUsePolicy(impersonatedUser('root', ['system:masters']), 'demo', 'p'));
});

test('aggregated ClusterRoles get the rules of the roles they select, nested too', (t) => {
  const rbac = new RbacAuthorizer([
    {
      kind: 'ClusterRole',
      metadata: { name: 'admin' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'aggregate-to-admin': 'true' } }] },
    },
    {
      kind: 'ClusterRole',
      metadata: { name: 'edit', labels: { 'aggregate-to-admin': 'true' } },
      aggregationRule: {
        clusterRoleSelectors: [{ matchExpressions: [{ key: 'aggregate-to-edit', operator: 'Exists' }] }],
      },
    },
    { ...useRole('psp-use', {}), metadata: { name: 'psp-use', labels: { 'aggregate-to-edit': 'yes' } } },
    binding('RoleBinding', 'b', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'User', name: 'jane' }], 'demo'),
  ]);
  t.true(rbac.canUsePolicy(impersonatedUser('jane'), 'demo', 'p'));
});

test('the pod service account or the requester, or --allow, makes a policy usable', (t) => {
  const rbac = new RbacAuthorizer([
    useRole('sa-use', { resourceNames: ['for-sa'] }),
    useRole('user-use', { resourceNames: ['for-user'] }),
    binding(
      'RoleBinding',
      'sa',
      { kind: 'ClusterRole', name: 'sa-use' },
      [{ kind: 'ServiceAccount', name: 'app', namespace: 'demo' }],
      'demo',
    ),
    binding('ClusterRoleBinding', 'u', { kind: 'ClusterRole', name: 'user-use' }, [{ kind: 'User', name: 'jane' }]),
  ]);
  const usable = policyUseAuthorizer({ rbac, requester: impersonatedUser('jane'), allow: ['allowed'] })('demo', 'app');
  t.true(usable('for-sa'));
  t.true(usable('for-user'));
  t.true(usable('allowed'));
  t.false(usable('other'));
  const noRequester = policyUseAuthorizer({ rbac })('demo', 'default');
  t.false(noRequester('for-sa'), 'another service account');
  t.false(noRequester('for-user'));
});
