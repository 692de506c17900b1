/** `policy migrate`'s report for people (-o text, and stderr beside -o yaml). */
import { ALL_NAMESPACES } from './usage.js';
import type { MigrationReport, NamespaceReport, PolicyReport } from './report.js';

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
