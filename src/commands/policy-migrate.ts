/**
 * `kubestrap policy migrate -f FILE... [--to pss|vap|all] [-o text|json|yaml] [--kubernetes-version V]`:
 * PodSecurityPolicies (and the RBAC that grants them) carried over to the Pod Security
 * Standards (levels, namespace labels, a dry run to check live pods first) and to
 * ValidatingAdmissionPolicies (CEL rules equivalent to each policy's validating rules,
 * bound to the namespaces that used it).
 *
 * Output: a report for people (text), one JSON document (-o json), or YAML: with
 * --to vap|all only the Kubernetes objects, ready for `kubectl apply -f -`, the report
 * going to stderr; with --to pss the report itself. Exit 0, 2 on bad input or usage.
 */
import type { Readable } from 'node:stream';
import { stringify } from 'yaml';
import { toGoYaml } from '../render/go-yaml.js';
import { UserError } from '../errors.js';
import type { Io } from '../io.js';
import { readInputs } from '../policy/input.js';
import {
  buildMigration,
  type MigrateTarget,
  type MigrationReport,
  type NamespaceReport,
  type PolicyReport,
} from '../policy/migrate/report.js';
import { FIRST_VAP_MINOR } from '../policy/migrate/vap.js';
import { ALL_NAMESPACES } from '../policy/migrate/usage.js';
import { classify } from '../policy/objects.js';
import { PspProvider, ProviderBuildError, type PolicyObject } from '../policy/psp/provider.js';
import type { RbacObject } from '../policy/rbac.js';
import { FIRST_PSS_MINOR, NEWEST_MINOR, OLDEST_MINOR } from '../versions.js';

export interface PolicyMigrateOptions {
  filename?: string[];
  to?: string;
  output?: string;
  kubernetesVersion?: string;
}

const TARGETS: readonly MigrateTarget[] = ['pss', 'vap', 'all'];
const FORMATS = ['text', 'json', 'yaml'] as const;

/** `v1.30`, `1.30` or `v1.30.4` -> 30. */
export function parseTargetMinor(text: string): number {
  const m = /^v?1\.(\d{1,2})(?:\.\d{1,3})?$/.exec(text.trim());
  if (!m)
    throw new UserError(
      `--kubernetes-version: "${text}" is not a Kubernetes version; write it as v1.MINOR, e.g. v1.30`,
    );
  const minor = Number(m[1]);
  if (minor < OLDEST_MINOR || minor > NEWEST_MINOR)
    throw new UserError(
      `--kubernetes-version: v1.${minor} is outside the supported range v1.${OLDEST_MINOR} to v1.${NEWEST_MINOR}`,
    );
  return minor;
}

export async function policyMigrateCommand(opts: PolicyMigrateOptions, io: Io, stdin?: Readable): Promise<number> {
  const files = opts.filename ?? [];
  if (files.length === 0)
    throw new UserError(
      'give the PodSecurityPolicies (and the RBAC that grants them) with -f FILE (YAML or JSON; "-" reads stdin)',
    );
  const to = (opts.to ?? 'all') as MigrateTarget;
  if (!TARGETS.includes(to))
    throw new UserError(`--to must be one of ${TARGETS.join(', ')}, not ${JSON.stringify(opts.to)}`);
  const output = opts.output ?? 'text';
  if (!(FORMATS as readonly string[]).includes(output))
    throw new UserError(`-o must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(output)}`);
  const minor = opts.kubernetesVersion !== undefined ? parseTargetMinor(opts.kubernetesVersion) : NEWEST_MINOR;
  if (to !== 'pss' && minor < FIRST_VAP_MINOR) {
    throw new UserError(
      `--kubernetes-version v1.${minor}: ValidatingAdmissionPolicy needs v1.${FIRST_VAP_MINOR} or newer (admissionregistration.k8s.io/v1beta1 on v1.28-v1.29, v1 from v1.30); use --to pss, or name the version you are moving to`,
    );
  }
  if (to === 'pss' && minor < FIRST_PSS_MINOR) {
    throw new UserError(
      `--kubernetes-version v1.${minor}: Pod Security admission needs v1.${FIRST_PSS_MINOR} or newer (beta in v1.23-v1.24, GA from v1.25)`,
    );
  }

  const policies = new Map<string, PolicyObject>();
  const rbac: RbacObject[] = [];
  const skipped = new Map<string, number>();
  for await (const src of readInputs(files, stdin)) {
    const c = classify(src);
    if (c.type === 'psp') policies.set(c.policy.metadata.name, c.policy);
    else if (c.type === 'rbac') rbac.push(c.object);
    else skipped.set(c.kind, (skipped.get(c.kind) ?? 0) + 1);
  }
  if (skipped.size > 0)
    io.err(
      `note: skipped ${[...skipped].map(([k, n]) => `${n} ${k}`).join(', ')} (migrate reads PodSecurityPolicies and RBAC)`,
    );
  const usable: PolicyObject[] = [];
  for (const p of [...policies.values()].sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
  )) {
    try {
      new PspProvider(p);
      usable.push(p);
    } catch (e) {
      if (!(e instanceof ProviderBuildError)) throw e;
      io.err(
        `warning: PodSecurityPolicy ${p.metadata.name} admitted no pod (${e.reasons.join('; ')}): the admission controller skipped it, so there is nothing to carry over`,
      );
    }
  }
  if (usable.length === 0) {
    throw new UserError(
      policies.size === 0
        ? 'the input has no PodSecurityPolicy to migrate (kubectl get psp -o yaml, plus the RBAC: kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A -o yaml)'
        : 'no PodSecurityPolicy in the input can be used',
    );
  }

  const report = buildMigration(usable, rbac, minor, to);
  if (output === 'json') {
    io.out(JSON.stringify(report, null, 2));
  } else if (output === 'yaml') {
    if (to === 'pss') io.out(stringify(report, { lineWidth: 0 }).replace(/\n$/, ''));
    else {
      for (const line of textReport(report)) io.err(line);
      io.out(yamlDocuments(report.objects));
    }
  } else {
    for (const line of textReport(report)) io.out(line);
  }
  return 0;
}

/** Objects as multi-document YAML for `kubectl apply -f -`. */
export function yamlDocuments(objects: readonly object[]): string {
  return objects.map((o) => toGoYaml(o).replace(/\n$/, '')).join('\n---\n');
}

/** A command line a shell reads back as the same argv. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function nsName(ns: string): string {
  return ns === ALL_NAMESPACES ? 'every other namespace' : ns;
}

function policyLines(p: PolicyReport, report: MigrationReport): string[] {
  const out: string[] = [`PodSecurityPolicy ${p.name}`];
  const used =
    p.namespaces.length === 0
      ? 'no namespace (no RBAC in the input grants it to service accounts)'
      : p.namespaces.map(nsName).join(', ');
  out.push(`  used in: ${used}`);
  for (const g of p.grants) out.push(`    ${g.subject} via ${g.binding}`);
  for (const g of p.notCarried)
    out.push(`    not carried over: ${g.subject} via ${g.binding} (a namespace-wide rule cannot follow one requester)`);
  if (p.pss) {
    const s = p.pss;
    if (s.level === s.target) out.push(`  Pod Security Standards: ${s.target} (admits everything the policy admits)`);
    else {
      out.push(
        `  Pod Security Standards: ${s.target}; only ${s.level} admits everything the policy admits, because of:`,
      );
      for (const r of s.rows.filter((r) => r.level === s.level && r.level !== s.target))
        out.push(`    ${r.row} ${r.value}: ${r.note ?? ''}`);
      out.push(`    ${s.target} refuses ${s.newlyRefused.join('; ')}`);
    }
    const tighter = s.rows.filter((r) => r.target === s.target && s.target !== 'restricted' && r.note);
    if (tighter.length > 0) {
      out.push(`  why not tighter than ${s.target}:`);
      for (const r of tighter) out.push(`    ${r.row} ${r.value}: ${r.note}`);
    }
    if (s.notEnforced.length > 0) {
      out.push(
        `  ${s.target} admits what the policy refused${report.to === 'all' ? ' (the ValidatingAdmissionPolicy below keeps refusing it)' : ''}:`,
      );
      for (const g of s.notEnforced) out.push(`    ${g.policyField}: ${g.lost}`);
    }
  }
  if (p.mutatingDefaults.length > 0) {
    out.push('  defaults PodSecurityPolicy applied that nothing applies any more (set them in the workloads):');
    for (const d of p.mutatingDefaults) out.push(`    ${d.podField}: ${d.value}  (${d.policyField}, ${d.when})`);
  }
  if (p.vap) {
    const v = p.vap;
    if (!v.emitted) out.push(`  ValidatingAdmissionPolicy: none needed (the policy refuses nothing)`);
    else {
      const bound =
        v.namespaces.length === 0
          ? 'not bound (no namespace known to use the policy)'
          : v.namespaces.includes(ALL_NAMESPACES)
            ? 'bound to every namespace'
            : `bound to namespaces ${v.namespaces.join(', ')}`;
      out.push(
        `  ValidatingAdmissionPolicy ${v.name} (${v.apiVersion}), ${v.validations.length} rules, ${bound}${v.orWith.length ? `; a pod that ${v.orWith.join(' or ')} admits passes too, where that policy was usable` : ''}:`,
      );
      for (const r of v.validations) out.push(`    ${r.id}: ${r.message}`);
      for (const a of v.approximations) out.push(`    approximation: ${a}`);
    }
  }
  return out;
}

function namespaceLines(n: NamespaceReport): string[] {
  const out = [`  ${nsName(n.namespace)}: ${n.target} (policies: ${n.policies.join(', ')})`];
  out.push(`    check first: ${shellLine(n.dryRun)}`);
  out.push(`    then:        ${shellLine(n.apply)}`);
  if (n.level !== n.target)
    out.push(
      `    if the dry run lists pods you cannot change: enforce=${n.level} admits every pod the policies admitted (keep audit and warn at ${n.target})`,
    );
  return out;
}

export function textReport(report: MigrationReport): string[] {
  const out: string[] = [];
  for (const p of report.policies) {
    out.push(...policyLines(p, report));
    out.push('');
  }
  if (report.namespaces.length > 0) {
    out.push(`Namespace labels (Pod Security Standards ${report.kubernetesVersion}):`);
    for (const n of report.namespaces) out.push(...namespaceLines(n));
    out.push('');
  }
  for (const n of report.notes) out.push(`note: ${n}`);
  if (report.to !== 'pss') {
    out.push(
      `${report.objects.length} Kubernetes objects: kubestrap policy migrate ... --to vap -o yaml | kubectl apply -f -`,
    );
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
