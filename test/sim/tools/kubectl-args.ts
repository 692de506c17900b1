/**
 * kubectl's command line: the commands and flags the simulated kubectl knows,
 * and pflag-style parsing with kubectl's own error texts, so an argv that real
 * kubectl would reject is rejected here too.
 */

export type FlagKind = 'bool' | 'value' | 'multi' | 'optional';

export interface FlagSpec {
  kind: FlagKind;
  short?: string;
  /** Value used when an `optional` flag is given without `=`. */
  noOptDefault?: string;
}

const F = (kind: FlagKind, short?: string, noOptDefault?: string): FlagSpec => ({ kind, short, noOptDefault });

export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  kubeconfig: F('value'),
  namespace: F('value', 'n'),
  as: F('value'),
  'as-group': F('multi'),
  'as-uid': F('value'),
  context: F('value'),
  cluster: F('value'),
  user: F('value'),
  'request-timeout': F('value'),
  v: F('value', 'v'),
  server: F('value', 's'),
  'insecure-skip-tls-verify': F('bool'),
  token: F('value'),
  'match-server-version': F('bool'),
  'warnings-as-errors': F('bool'),
  'cache-dir': F('value'),
  'certificate-authority': F('value'),
  'client-certificate': F('value'),
  'client-key': F('value'),
  'tls-server-name': F('value'),
  username: F('value'),
  password: F('value'),
  'disable-compression': F('bool'),
  'log-flush-frequency': F('value'),
  profile: F('value'),
  'profile-output': F('value'),
};

const FILES = { filename: F('multi', 'f'), recursive: F('bool', 'R'), kustomize: F('value', 'k') };
const DRY = { 'dry-run': F('optional', undefined, 'unchanged') };
const OUT = {
  output: F('value', 'o'),
  'show-managed-fields': F('bool'),
  template: F('value'),
  'allow-missing-template-keys': F('bool'),
};

export const COMMANDS: Record<string, Record<string, FlagSpec>> = {
  apply: {
    ...FILES,
    ...DRY,
    ...OUT,
    'server-side': F('bool'),
    'force-conflicts': F('bool'),
    'field-manager': F('value'),
    validate: F('optional', undefined, 'strict'),
    prune: F('bool'),
    selector: F('value', 'l'),
    overwrite: F('bool'),
    wait: F('bool'),
    timeout: F('value'),
    force: F('bool'),
    'grace-period': F('value'),
    record: F('bool'),
    all: F('bool'),
    cascade: F('optional', undefined, 'background'),
  },
  create: {
    ...FILES,
    ...DRY,
    ...OUT,
    validate: F('optional', undefined, 'strict'),
    'save-config': F('bool'),
    edit: F('bool'),
    'field-manager': F('value'),
    raw: F('value'),
    selector: F('value', 'l'),
    'windows-line-ending': F('bool'),
    record: F('bool'),
  },
  'create namespace': {
    ...DRY,
    ...OUT,
    'field-manager': F('value'),
    'save-config': F('bool'),
    validate: F('optional', undefined, 'strict'),
  },
  get: {
    ...FILES,
    ...OUT,
    'all-namespaces': F('bool', 'A'),
    selector: F('value', 'l'),
    'field-selector': F('value'),
    watch: F('bool', 'w'),
    'watch-only': F('bool'),
    'ignore-not-found': F('bool'),
    raw: F('value'),
    'show-labels': F('bool'),
    'no-headers': F('bool'),
    'chunk-size': F('value'),
    'sort-by': F('value'),
    'label-columns': F('multi', 'L'),
    'show-kind': F('bool'),
    'output-watch-events': F('bool'),
    subresource: F('value'),
  },
  wait: {
    ...FILES,
    ...OUT,
    for: F('value'),
    timeout: F('value'),
    all: F('bool'),
    'all-namespaces': F('bool', 'A'),
    selector: F('value', 'l'),
    'field-selector': F('value'),
    local: F('bool'),
  },
  'rollout status': {
    ...FILES,
    timeout: F('value'),
    watch: F('bool', 'w'),
    revision: F('value'),
    selector: F('value', 'l'),
  },
  taint: {
    ...DRY,
    ...OUT,
    all: F('bool'),
    overwrite: F('bool'),
    selector: F('value', 'l'),
    validate: F('optional', undefined, 'strict'),
    'field-manager': F('value'),
  },
  'auth can-i': {
    'all-namespaces': F('bool', 'A'),
    quiet: F('bool', 'q'),
    list: F('bool'),
    'no-headers': F('bool'),
    subresource: F('value'),
  },
  version: { client: F('bool'), output: F('value', 'o'), short: F('bool') },
  label: {
    ...FILES,
    ...DRY,
    ...OUT,
    overwrite: F('bool'),
    all: F('bool'),
    'all-namespaces': F('bool', 'A'),
    selector: F('value', 'l'),
    list: F('bool'),
    local: F('bool'),
    'resource-version': F('value'),
    'field-selector': F('value'),
    'field-manager': F('value'),
  },
  replace: {
    ...FILES,
    ...DRY,
    ...OUT,
    validate: F('optional', undefined, 'strict'),
    force: F('bool'),
    cascade: F('optional', undefined, 'background'),
    'grace-period': F('value'),
    timeout: F('value'),
    wait: F('bool'),
    'save-config': F('bool'),
    'field-manager': F('value'),
    raw: F('value'),
    subresource: F('value'),
  },
  patch: {
    ...FILES,
    ...DRY,
    ...OUT,
    patch: F('value', 'p'),
    'patch-file': F('value'),
    type: F('value'),
    local: F('bool'),
    record: F('bool'),
    subresource: F('value'),
    'field-manager': F('value'),
  },
  delete: {
    ...FILES,
    ...DRY,
    output: F('value', 'o'),
    'ignore-not-found': F('bool'),
    wait: F('bool'),
    timeout: F('value'),
    selector: F('value', 'l'),
    all: F('bool'),
    'all-namespaces': F('bool', 'A'),
    'grace-period': F('value'),
    force: F('bool'),
    now: F('bool'),
    cascade: F('optional', undefined, 'background'),
    'field-selector': F('value'),
    raw: F('value'),
  },
};

/** Commands with subcommands; `create` also runs on its own (-f). */
const GROUPS: Record<string, string[]> = { auth: ['can-i'], rollout: ['status'], create: ['namespace', 'ns'] };

/** kubectl commands that exist but that the simulated node does not model. */
const KNOWN_ELSEWHERE = [
  'describe',
  'logs',
  'exec',
  'edit',
  'scale',
  'annotate',
  'cluster-info',
  'config',
  'explain',
  'run',
  'expose',
  'cp',
  'port-forward',
  'proxy',
  'top',
  'drain',
  'cordon',
  'uncordon',
  'api-resources',
  'api-versions',
  'diff',
  'kustomize',
  'plugin',
  'certificate',
  'debug',
  'events',
  'attach',
  'autoscale',
  'completion',
  'set',
  'alpha',
];

export interface ParsedArgs {
  command: string;
  flags: Record<string, string[]>;
  positional: string[];
}

export type ParseResult = { ok: true; args: ParsedArgs } | { ok: false; error: string; unmodelled?: boolean };

function specFor(command: string | undefined, name: string, short: boolean): [string, FlagSpec] | undefined {
  const tables = [COMMANDS[command ?? ''] ?? {}, GLOBAL_FLAGS];
  for (const t of tables) {
    for (const [n, s] of Object.entries(t)) {
      if (short ? s.short === name : n === name) return [n, s];
    }
  }
  return undefined;
}

function helpRef(command: string | undefined): string {
  return command ? `kubectl ${command}` : 'kubectl';
}

export function parseKubectlArgs(argv: string[]): ParseResult {
  // Pass 1: find the command words, skipping global flags and their values.
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0];
      const g = GLOBAL_FLAGS[name];
      if (g && g.kind !== 'bool' && g.kind !== 'optional' && !a.includes('=')) i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      const ch = a[1];
      const g = Object.values(GLOBAL_FLAGS).find((s) => s.short === ch);
      if (g && g.kind !== 'bool' && a.length === 2) i++;
      continue;
    }
    words.push(a);
    if (words.length === 2) break;
  }
  const [w0, w1] = words;
  if (!w0) return { ok: false, error: 'sim: kubectl needs a command' };
  let command = w0;
  let consumed = 1;
  if (GROUPS[w0]) {
    const sub = w1 && GROUPS[w0].includes(w1) ? (w1 === 'ns' ? 'namespace' : w1) : undefined;
    if (sub) {
      command = `${w0} ${sub}`;
      consumed = 2;
    } else if (w0 !== 'create') {
      if (w1)
        return {
          ok: false,
          error: `error: unknown command "${w1}" for "kubectl ${w0}"`,
          unmodelled: w0 === 'auth' || w0 === 'rollout',
        };
      return { ok: false, error: `sim: kubectl ${w0} needs a subcommand` };
    }
  }
  if (!COMMANDS[command]) {
    if (KNOWN_ELSEWHERE.includes(w0))
      return { ok: false, error: `sim: the simulated kubectl does not model "kubectl ${w0}"`, unmodelled: true };
    return { ok: false, error: `error: unknown command "${w0}" for "kubectl"` };
  }
  // Pass 2: parse every flag with the command's table.
  const flags: Record<string, string[]> = {};
  const positional: string[] = [];
  let skipped = 0;
  const add = (n: string, v: string) => (flags[n] ??= []).push(v);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const hit = specFor(command, name, false);
      if (!hit)
        return { ok: false, error: `error: unknown flag: --${name}\nSee '${helpRef(command)} --help' for usage.` };
      const [n, s] = hit;
      if (s.kind === 'bool') {
        const v = eq >= 0 ? a.slice(eq + 1) : 'true';
        if (!['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(v))
          return {
            ok: false,
            error: `error: invalid argument "${v}" for "--${n}" flag: strconv.ParseBool: parsing "${v}": invalid syntax\nSee '${helpRef(command)} --help' for usage.`,
          };
        add(n, v);
      } else if (s.kind === 'optional') add(n, eq >= 0 ? a.slice(eq + 1) : (s.noOptDefault ?? ''));
      else if (eq >= 0) add(n, a.slice(eq + 1));
      else {
        if (i + 1 >= argv.length)
          return {
            ok: false,
            error: `error: flag needs an argument: --${name}\nSee '${helpRef(command)} --help' for usage.`,
          };
        add(n, argv[++i]);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // Short flags, possibly combined (-qA) or with an attached value (-nkube-system).
      for (let j = 1; j < a.length; j++) {
        const ch = a[j];
        const hit = specFor(command, ch, true);
        if (!hit)
          return {
            ok: false,
            error: `error: unknown shorthand flag: '${ch}' in ${a}\nSee '${helpRef(command)} --help' for usage.`,
          };
        const [n, s] = hit;
        if (s.kind === 'bool') {
          add(n, 'true');
          continue;
        }
        const rest = a.slice(j + 1).replace(/^=/, '');
        if (rest) add(n, rest);
        else {
          if (i + 1 >= argv.length)
            return {
              ok: false,
              error: `error: flag needs an argument: '${ch}' in -${ch}\nSee '${helpRef(command)} --help' for usage.`,
            };
          add(n, argv[++i]);
        }
        break;
      }
      continue;
    }
    if (skipped < consumed) {
      skipped++;
      continue;
    }
    positional.push(a);
  }
  return { ok: true, args: { command, flags, positional } };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return v ? v[v.length - 1] : undefined;
}

export function flagAll(args: ParsedArgs, name: string): string[] {
  return args.flags[name] ?? [];
}

export function boolFlag(args: ParsedArgs, name: string): boolean {
  const v = flag(args, name);
  return v !== undefined && ['true', '1', 't', 'TRUE', 'True'].includes(v);
}
