/**
 * What `kubestrap verify` (and the last step of `up`) checks on the running
 * cluster: nodes Ready, system pods Running, which policy admitted each system
 * pod, `auth can-i use` for every binding kubestrap made, and "test your
 * limits": a privileged pod is refused for every tenant that should not run
 * one, while a pod that follows the restricted rules is accepted.
 */
import type { Context } from '../context.js';
import type { KubeObjectJson } from '../kube/kubectl.js';
import { buildPolicy } from '../policy/psp/library.js';
import { levelForPolicy } from '../policy/pss/level-of-policy.js';
import { INGRESS_POLICY, INGRESS_SERVICE_ACCOUNTS, ingressLevel } from '../render/ingress.js';
import { defaultPolicyName } from '../render/pod-security.js';
import { pssVersionLabel, serverDryRunArgs } from '../versions.js';
import { ingressChecks } from './ingress.js';
import { privilegedProbePod, restrictedProbePod } from './probes.js';
import { systemNamespaces, systemWorkloads } from './system-workloads.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  checks: Check[];
}

const sa = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;

/** Roles that may create pods (view may not, so its tenants cannot be probed). */
const CAN_CREATE_PODS = new Set(['admin', 'edit']);

export async function runChecks(ctx: Context): Promise<VerifyReport> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const cfg = ctx.config;
  const k = ctx.kubectl;

  const nodes = await k.tryGetJson('nodes');
  if (!nodes) {
    add('api-server', false, `the API server does not answer with ${ctx.kubeconfig}`);
    return { ok: false, checks };
  }
  const notReady = nodes.items
    .filter((n) => !isTrue(n, 'Ready'))
    .map((n) => `${n.metadata.name}: ${condition(n, 'Ready')?.message ?? 'no Ready condition'}`);
  add(
    'node-ready',
    nodes.items.length > 0 && notReady.length === 0,
    notReady.length ? notReady.join('; ') : `${nodes.items.length} node(s) Ready`,
  );

  const systemPods: KubeObjectJson[] = [];
  for (const ns of systemNamespaces(ctx)) systemPods.push(...((await k.tryGetJson('pods', ns))?.items ?? []));
  const notRunning = systemPods
    .filter((p) => p.status?.phase !== 'Running' && p.status?.phase !== 'Succeeded')
    .map((p) => `${p.metadata.namespace}/${p.metadata.name} ${p.status?.phase ?? 'Unknown'}`);
  add(
    'system-pods-running',
    systemPods.length > 0 && notRunning.length === 0,
    notRunning.length ? notRunning.join(', ') : `${systemPods.length} pods Running`,
  );

  const workloads = (await systemWorkloads(ctx)) ?? [];
  const unavailable = workloads.filter((w) => !w.available);
  add(
    'system-workloads-available',
    workloads.length > 0 && unavailable.length === 0,
    unavailable.length
      ? unavailable.map((w) => `${w.kind} ${w.namespace}/${w.name}: ${w.detail}`).join('; ')
      : `${workloads.length} deployments and daemonsets available`,
  );

  const coredns = systemPods.filter(
    (p) => p.metadata.namespace === 'kube-system' && p.metadata.labels?.['k8s-app'] === 'kube-dns',
  );
  const corednsReady = coredns.filter((p) => isTrue(p, 'Ready'));
  add(
    'coredns-ready',
    coredns.length > 0 && corednsReady.length === coredns.length,
    `${corednsReady.length}/${coredns.length} coredns pods Ready`,
  );

  if (cfg.mode === 'psp') {
    // Everything in the privileged namespaces must have been admitted by `privileged`, never by a looser accident.
    const wrong = systemPods
      .filter((p) => cfg.podSecurity.privilegedNamespaces.includes(p.metadata.namespace ?? ''))
      .filter((p) => p.metadata.annotations?.['kubernetes.io/psp'] !== 'privileged')
      .map(
        (p) =>
          `${p.metadata.namespace}/${p.metadata.name} admitted by ${p.metadata.annotations?.['kubernetes.io/psp'] ?? 'no policy'}`,
      );
    add(
      'system-pods-policy',
      wrong.length === 0,
      wrong.length ? wrong.join(', ') : 'every system pod admitted by privileged',
    );

    for (const b of pspBindings(ctx)) {
      const ok = (await k.canI('use', `podsecuritypolicy/${b.policy}`, b.as, b.namespace)) === b.expect;
      add(
        `can-i use psp/${b.policy} as ${b.as} -n ${b.namespace}`,
        ok,
        ok
          ? b.expect
            ? 'yes'
            : 'no, as intended'
          : b.expect
            ? 'no: the binding is missing'
            : 'yes: granted more than intended',
      );
    }
  } else {
    const namespaces = await k.tryGetJson('namespaces');
    for (const [ns, level] of pssNamespaces(ctx)) {
      const labels = namespaces?.items.find((n) => n.metadata.name === ns)?.metadata.labels ?? {};
      const got = labels['pod-security.kubernetes.io/enforce'];
      const version = labels['pod-security.kubernetes.io/enforce-version'];
      const ok = got === level && version === pssVersionLabel(cfg.version.minor);
      add(
        `namespace ${ns} enforces ${level}`,
        ok,
        ok ? `${level}:${version}` : `enforce=${got ?? '(unset)'} enforce-version=${version ?? '(unset)'}`,
      );
    }
  }

  if (cfg.ingress.enabled) checks.push(...(await ingressChecks(ctx)));

  await testYourLimits(ctx, add);
  return { ok: checks.every((c) => c.ok), checks };
}

interface Binding {
  policy: string;
  as: string;
  namespace: string;
  expect: boolean;
}

/** Every grant of `use` kubestrap made, and the one it must not have made (tenants using privileged). */
export function pspBindings(ctx: Context): Binding[] {
  const cfg = ctx.config;
  const out: Binding[] = [
    { policy: defaultPolicyName(ctx.config), as: sa('default', 'default'), namespace: 'default', expect: true },
  ];
  for (const ns of cfg.podSecurity.privilegedNamespaces)
    out.push({ policy: 'privileged', as: sa(ns, 'default'), namespace: ns, expect: true });
  if (cfg.ingress.enabled) {
    for (const name of INGRESS_SERVICE_ACCOUNTS)
      out.push({
        policy: INGRESS_POLICY,
        as: sa(cfg.ingress.namespace, name),
        namespace: cfg.ingress.namespace,
        expect: true,
      });
  }
  for (const t of cfg.tenants) {
    for (const name of [...new Set([...t.serviceAccounts, 'default'])]) {
      out.push({ policy: t.policy, as: sa(t.namespace, name), namespace: t.namespace, expect: true });
      if (t.policy !== 'privileged' && defaultPolicyName(cfg) !== 'privileged') {
        out.push({ policy: 'privileged', as: sa(t.namespace, name), namespace: t.namespace, expect: false });
      }
    }
  }
  return out;
}

function pssNamespaces(ctx: Context): [string, string][] {
  const cfg = ctx.config;
  const out: [string, string][] = cfg.podSecurity.privilegedNamespaces.map((ns) => [ns, 'privileged']);
  if (cfg.ingress.enabled) out.push([cfg.ingress.namespace, ingressLevel(cfg)]);
  for (const t of cfg.tenants) out.push([t.namespace, levelForPolicy(t.policy, cfg.policies)]);
  return out;
}

/** Does the tenant's policy let a privileged container in? Then refusing it would be the surprise. */
function allowsPrivileged(ctx: Context, policy: string): boolean {
  if (ctx.config.mode === 'pss') return levelForPolicy(policy, ctx.config.policies) === 'privileged';
  return buildPolicy(policy, ctx.config.version.minor, ctx.config.policies).spec.privileged === true;
}

async function testYourLimits(ctx: Context, add: (name: string, ok: boolean, detail: string) => void) {
  const minor = ctx.config.version.minor;
  for (const t of ctx.config.tenants) {
    const accounts = t.serviceAccounts.length ? t.serviceAccounts : ['default'];
    for (const name of accounts) {
      const as = sa(t.namespace, name);
      const label = `limits as ${as}`;
      if (!CAN_CREATE_PODS.has(t.role)) {
        add(label, true, `skipped: role ${t.role} may not create pods`);
        continue;
      }
      if (!serverDryRunArgs(minor)) {
        add(label, true, `skipped: kubectl v1.${minor} has no server-side dry run`);
        continue;
      }
      const priv = await ctx.kubectl.serverDryRunCreate(privilegedProbePod(), as, t.namespace);
      const fine = await ctx.kubectl.serverDryRunCreate(restrictedProbePod(minor), as, t.namespace);
      const privRefused = priv!.exitCode !== 0;
      const wantRefused = !allowsPrivileged(ctx, t.policy);
      add(
        `${label}: privileged pod ${wantRefused ? 'refused' : 'accepted'}`,
        privRefused === wantRefused,
        privRefused ? firstLine(priv!.stderr) : 'accepted',
      );
      add(
        `${label}: restricted pod accepted`,
        fine!.exitCode === 0,
        fine!.exitCode === 0 ? 'accepted' : firstLine(fine!.stderr),
      );
    }
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

function condition(o: KubeObjectJson, type: string): { status: string; message?: string } | undefined {
  return (o.status?.conditions as { type: string; status: string; message?: string }[] | undefined)?.find(
    (c) => c.type === type,
  );
}

function isTrue(o: KubeObjectJson, type: string): boolean {
  return condition(o, type)?.status === 'True';
}
