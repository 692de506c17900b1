/**
 * Every object rendered for every supported minor, in each pod security mode
 * the minor has, is one its API server accepts: Kubernetes objects against the
 * Kubernetes schemas (unknown fields included), PodSecurityPolicies against
 * the API server's own validation rules for that minor, kubeadm documents
 * against their API version's fields.
 */
import test from 'ava';
import { parse } from 'yaml';
import { configFrom } from '../helpers/config.js';
import { schemaProblems } from '../helpers/k8s-schema.js';
import { KUBEADM_DOCUMENTS, admissionConfiguration } from '../helpers/kubeadm-schema.js';
import { render } from '../../src/render/index.js';
import { validatePspSpec } from '../../src/policy/psp/validate.js';
import {
  PSP_FIELD_SINCE,
  kubeadmApiFor,
  podSecurityConfigApi,
  pspServed,
  pssAvailable,
  supportedMinors,
} from '../../src/versions.js';
import type { PodSecurityPolicy } from '../../src/policy/psp/schema.js';

/** A config that exercises every renderer: all built-in templates, a custom policy, ingress, addresses. */
function fullConfig(minor: number, mode: 'psp' | 'pss'): string {
  return [
    `kubernetesVersion: v1.${minor}.0`,
    // From v1.30 in PSS mode the tenants' policies are also rendered as ValidatingAdmissionPolicies.
    `podSecurity: {mode: ${mode}, privilegedNamespaces: [kube-system, ${minor >= 17 ? 'kube-flannel' : 'kube-system-extra'}]${mode === 'pss' && minor >= 30 ? ', customPolicies: vap' : ''}}`,
    'controlPlane: {advertiseAddress: 192.168.56.10, nodeName: cp}',
    'cni: {iface: eth1, backend: wireguard}',
    // ingress-nginx from 1.20; host ports where the minor's PSP or PSS allows them only on request.
    `ingress: {enabled: ${minor >= 20}, hostPorts: ${minor % 2 === 0}}`,
    'tenants:',
    '  - {namespace: t-restricted, serviceAccounts: [app], role: edit, policy: restricted}',
    '  - {namespace: t-baseline, serviceAccounts: [app], role: view, policy: baseline}',
    '  - {namespace: t-privileged, serviceAccounts: [app], role: admin, policy: privileged}',
    '  - {namespace: t-pr, serviceAccounts: [app], policy: privileged-restricted}',
    '  - {namespace: t-prvr, serviceAccounts: [app], policy: privileged-root-volumes-restricted}',
    '  - {namespace: t-ingress, serviceAccounts: [app], policy: ingress-nginx}',
    '  - {namespace: t-custom, serviceAccounts: [app, default], policy: custom}',
    'policies:',
    '  - name: custom',
    '    template: restricted',
    '    spec: {hostPorts: [{min: 8080, max: 8090}], allowedHostPaths: [{pathPrefix: /data, readOnly: true}], volumes: [hostPath, secret]}',
    '',
  ].join('\n');
}

const cases = supportedMinors().flatMap((minor) => [
  ...(pspServed(minor) ? [{ minor, mode: 'psp' as const }] : []),
  ...(pssAvailable(minor) ? [{ minor, mode: 'pss' as const }] : []),
]);

for (const { minor, mode } of cases) {
  test(`v1.${minor} ${mode}: every rendered object is valid for its schema`, (t) => {
    const cfg = configFrom(fullConfig(minor, mode));
    const { artifacts } = render(cfg);
    const problems: string[] = [];
    for (const a of artifacts) {
      if (a.kind === 'kubeadm-config') {
        const expected = KUBEADM_DOCUMENTS[kubeadmApiFor(minor)];
        t.is(a.objects.length, expected.length, 'kubeadm config document count');
        a.objects.forEach((o, i) => {
          const r = expected[i].safeParse(o);
          if (!r.success) problems.push(`kubeadm-config.yaml doc ${i}: ${JSON.stringify(r.error.issues)}`);
        });
        continue;
      }
      if (a.kind === 'host-file') {
        const r = admissionConfiguration(podSecurityConfigApi(minor)).safeParse(a.objects[0]);
        if (!r.success) problems.push(`${a.path}: ${JSON.stringify(r.error.issues)}`);
        continue;
      }
      for (const o of a.objects) {
        problems.push(...schemaProblems(o).map((p) => `${a.path}: ${p}`));
        if (o.kind === 'PodSecurityPolicy') {
          const psp = o as unknown as PodSecurityPolicy;
          for (const sp of validatePspSpec(psp.spec, minor, psp.metadata.annotations ?? {})) {
            problems.push(`${a.path}: PSP ${psp.metadata.name}: ${sp.path.join('.')}: ${sp.message}`);
          }
          for (const [field, since] of Object.entries(PSP_FIELD_SINCE)) {
            if (minor < since && field in psp.spec)
              problems.push(`${a.path}: PSP ${psp.metadata.name} uses ${field}, unknown to v1.${minor}`);
          }
        }
        if (o.kind === 'Namespace') {
          for (const [k, v] of Object.entries((o.metadata?.labels ?? {}) as Record<string, string>)) {
            if (k.endsWith('-version') && !/^(latest|v1\.(0|[1-9][0-9]*))$/.test(v))
              problems.push(`${a.path}: label ${k}=${v} is not a PSS version`);
          }
        }
      }
    }
    t.deepEqual(problems, []);
    if (mode === 'pss' && minor >= 30)
      t.true(
        artifacts.some((a) => a.objects.some((o) => o.kind === 'ValidatingAdmissionPolicy')),
        'the VAP objects are among the checked ones',
      );
    // The files parse back to the same objects with duplicate keys refused.
    for (const a of artifacts) {
      t.notThrows(() => a.text.split(/^---$/m).forEach((d) => parse(d, { uniqueKeys: true })), a.path);
    }
  });
}
