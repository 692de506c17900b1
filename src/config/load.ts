/**
 * Reads `cluster.yaml` (or the built-in defaults when there is none), checks it
 * completely, and returns the resolved config. Every problem is reported at
 * once, each with the file, line and field.
 */
import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { UserError, UserErrors } from '../errors.js';
import { clusterConfigSchema, type ClusterConfigFields, type ClusterConfigInput } from './schema.js';
import { validateConfig, type PolicyCatalog } from './validate.js';
import { documentToJS, formatPath, parseYamlSource, type Path, type YamlSource } from './yaml-source.js';
import { MiB, readTextFile } from '../host/files.js';
import { parseCidr } from './cidr.js';
import {
  NEWEST_MINOR,
  defaultPrivilegedNamespaces,
  parseKubeVersion,
  resolveMode,
  type KubeVersion,
  type PodSecurityMode,
} from '../versions.js';

export const DEFAULT_CONFIG_FILE = 'cluster.yaml';

/** A cluster config is a few KiB; anything near this is the wrong file (or /dev/zero). */
export const MAX_CONFIG_BYTES = 1 * MiB;

/** The path exists, even as a dangling or looping link (reading it then says what is wrong). */
function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function readConfigFile(abs: string, shown: string): string {
  return readTextFile(abs, { maxBytes: MAX_CONFIG_BYTES, what: 'a cluster config', displayName: shown });
}

export type ClusterConfig = ClusterConfigFields & {
  version: KubeVersion;
  /** `podSecurity.mode` with `auto` resolved for the version. */
  mode: PodSecurityMode;
  /** The file it came from, or undefined for the built-in defaults. */
  source?: string;
  /** Relative paths in the config (cni.manifest) resolve from here. */
  baseDir: string;
};

/**
 * `file` given: it must exist. Not given: `./cluster.yaml` when present,
 * otherwise the built-in defaults. `policies` checks the config's pod security
 * policies (policy/catalog.ts; session/config.ts passes it).
 */
export function loadConfig(file: string | undefined, cwd: string, policies: PolicyCatalog): ClusterConfig {
  if (file !== undefined) {
    const abs = path.resolve(cwd, file);
    if (!lexists(abs)) throw new UserError(`config file not found (run "kubestrap init" to write one)`, { file });
    return parseConfig(readConfigFile(abs, file), file, path.dirname(abs), policies);
  }
  const implicit = path.resolve(cwd, DEFAULT_CONFIG_FILE);
  if (existsSync(implicit))
    return parseConfig(readConfigFile(implicit, DEFAULT_CONFIG_FILE), DEFAULT_CONFIG_FILE, cwd, policies);
  return resolve(withDerivedDefaults(clusterConfigSchema.parse({})), undefined, cwd, policies);
}

export function parseConfig(text: string, file: string, baseDir: string, policies: PolicyCatalog): ClusterConfig {
  const src = parseYamlSource(text, file);
  const raw = documentToJS(src.doc, file) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('the config must be a YAML mapping (apiVersion, kind, kubernetesVersion, ...)', {
      file,
      line: 1,
      col: 1,
    });
  }
  const parsed = clusterConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserErrors(parsed.error.issues.flatMap((issue) => zodIssueToErrors(issue, raw, src)));
  }
  const input = withDerivedDefaults(parsed.data);
  const problems = validateConfig(input, policies);
  if (problems.length > 0) {
    throw new UserErrors(problems.map((p) => errorAt(src, p.path, p.message, p.atKey)));
  }
  return resolve(input, file, baseDir, policies);
}

/** Defaults that depend on the Kubernetes version. */
function withDerivedDefaults(input: ClusterConfigInput): ClusterConfigFields {
  if (input.podSecurity.privilegedNamespaces !== undefined) {
    return input as ClusterConfigFields;
  }
  const minor = parseKubeVersion(input.kubernetesVersion)?.minor ?? NEWEST_MINOR;
  return { ...input, podSecurity: { ...input.podSecurity, privilegedNamespaces: defaultPrivilegedNamespaces(minor) } };
}

function resolve(
  input: ClusterConfigFields,
  source: string | undefined,
  baseDir: string,
  policies: PolicyCatalog,
): ClusterConfig {
  if (source === undefined) {
    // The defaults must pass the same checks a file does.
    const problems = validateConfig(input, policies);
    if (problems.length > 0)
      throw new UserErrors(problems.map((p) => new UserError(p.message, undefined, formatPath(p.path))));
  }
  const version = parseKubeVersion(input.kubernetesVersion)!;
  // Render what was validated: the CIDR as parsed (a stray space in the file must not reach kubeadm or flannel).
  const canonical = (text: string) => {
    const r = parseCidr(text);
    return r.ok ? r.cidr.text : text;
  };
  const networking = {
    ...input.networking,
    podSubnet: canonical(input.networking.podSubnet),
    serviceSubnet: canonical(input.networking.serviceSubnet),
  };
  return {
    ...input,
    kubernetesVersion: version.text,
    networking,
    version,
    mode: resolveMode(input.podSecurity.mode, version.minor),
    source,
    baseDir,
  };
}

export function errorAt(src: YamlSource, fieldPath: Path, message: string, atKey = false): UserError {
  const pos = src.position(fieldPath, atKey);
  return new UserError(message, { file: src.file, line: pos?.line, col: pos?.col }, formatPath(fieldPath));
}

function valueAt(root: unknown, p: Path): unknown {
  let v: unknown = root;
  for (const seg of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

type ZodIssue = z.core.$ZodIssue;

export function zodIssueToErrors(issue: ZodIssue, raw: unknown, src: YamlSource): UserError[] {
  const p = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const got = valueAt(raw, p);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => errorAt(src, [...p, k], 'unknown field', true));
    case 'invalid_type':
      if (got === undefined) return [errorAt(src, p, `is required (${issue.expected})`)];
      return [errorAt(src, p, `expected ${expectedName(issue.expected)}, got ${describe(got)}`)];
    case 'invalid_value':
      if (issue.values.length === 1)
        return [errorAt(src, p, `must be ${JSON.stringify(issue.values[0])}, got ${describe(got)}`)];
      return [errorAt(src, p, `must be one of ${issue.values.map((v) => String(v)).join(', ')}; got ${describe(got)}`)];
    case 'too_small':
      return [
        errorAt(
          src,
          p,
          issue.origin === 'string' || issue.origin === 'array'
            ? 'must not be empty'
            : `must be at least ${issue.minimum}`,
        ),
      ];
    case 'too_big':
      return [errorAt(src, p, `must be at most ${issue.maximum}`)];
    default:
      return [errorAt(src, p, issue.message)];
  }
}

function expectedName(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${expected}`;
  }
}
