/**
 * The Pod Security Standards level a namespace gets in PSS mode when its tenant
 * names a PodSecurityPolicy.
 *
 * Built-in templates map by intent (TEMPLATE_LEVEL). By the Kubernetes mapping page
 * every one of them would be Privileged (their seLinux rule is RunAsAny, which "admits
 * everything" includes spc_t); `kubestrap policy migrate` reports that (`level`) and the
 * level the rest of each template supports (`target`, see policy/migrate/pss-mapping.ts
 * and its table test). TEMPLATE_LEVEL is that target, except ingress-nginx: its policy
 * still allows privilege escalation for controllers older than v1.10 (target Baseline),
 * but the controller kubestrap documents passes Restricted (kubernetes/ingress-nginx
 * deploy/static/provider/baremetal/deploy.yaml at controller-v1.15.1: no privilege escalation,
 * drop ALL + NET_BIND_SERVICE, user 101, runAsNonRoot, seccomp RuntimeDefault; older
 * releases needed allowPrivilegeEscalation, ingress-nginx#5244 and #8499).
 *
 * A custom policy starts from its template's level and is relaxed (never tightened) by
 * every override that differs from the template and that the level would refuse, by the
 * mapping page's rows (levelOfFields), so PSS never blocks a pod that the override was
 * written to admit.
 */
import type { Level, PolicyConfig } from '../../config/schema.js';
import type { BuiltinPolicyName } from '../templates.js';
import { isBuiltinPolicy } from '../templates.js';
import { buildPolicy } from '../psp/library.js';
import { levelOfFields, looser } from '../migrate/pss-mapping.js';
import { NEWEST_MINOR } from '../../versions.js';

const TEMPLATE_LEVEL: Record<BuiltinPolicyName, Level> = {
  restricted: 'restricted',
  baseline: 'baseline',
  privileged: 'privileged',
  // Both allow every capability and (the first) hostPath volumes: beyond baseline.
  'privileged-restricted': 'privileged',
  'privileged-root-volumes-restricted': 'privileged',
  // The current ingress-nginx controller passes restricted (see above).
  'ingress-nginx': 'restricted',
};

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The level of a built-in template or custom policy; `minor` picks the template's volume list to compare overrides with. */
export function levelForPolicy(name: string, custom: PolicyConfig[], minor = NEWEST_MINOR): Level {
  if (isBuiltinPolicy(name)) return TEMPLATE_LEVEL[name];
  const def = custom.find((p) => p.name === name);
  if (!def || !isBuiltinPolicy(def.template)) throw new Error(`policy ${name} is neither built in nor defined`);
  const template = buildPolicy(def.template, minor, []);
  const spec = Object.fromEntries(
    Object.entries(def.spec).filter(
      ([k, v]) => v !== undefined && !same(v, (template.spec as Record<string, unknown>)[k]),
    ),
  );
  const templateAnnotations = template.metadata.annotations ?? {};
  const annotations = Object.fromEntries(
    Object.entries(def.annotations ?? {}).filter(([k, v]) => v !== undefined && v !== templateAnnotations[k]),
  );
  return looser(TEMPLATE_LEVEL[def.template], levelOfFields(spec, annotations));
}
