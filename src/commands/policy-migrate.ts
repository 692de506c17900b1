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
import { readMigrationInput } from '../policy/migrate/input.js';
import { buildMigration, type MigrateTarget } from '../policy/migrate/report.js';
import { textReport } from '../policy/migrate/text.js';
import { FIRST_VAP_MINOR } from '../policy/migrate/vap.js';
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

  const { usable, rbac } = await readMigrationInput(files, stdin, (line) => io.err(line));
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
