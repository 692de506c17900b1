/**
 * The inventory (`-i FILE`): the hosts of a cluster kubestrap drives over SSH, with
 * their role and how to reach them. Read with the same machinery as the cluster
 * config: a strict schema, then rules across fields, every problem reported at once
 * with its file, line and field, before any host is touched.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { UserError, UserErrors } from '../errors.js';
import { MiB, readTextFile } from '../host/files.js';
import { formatIPv4, parseIPv4, specialRangeOf } from './cidr.js';
import { errorAt, zodIssueToErrors } from './load.js';
import { dns1123LabelProblem } from './names.js';
import { API_VERSION } from './schema.js';
import { documentToJS, parseYamlSource, type Path } from './yaml-source.js';

export const INVENTORY_KIND = 'Inventory';
export const ROLES = ['control-plane', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const optionValue = z.union([z.string(), z.number(), z.boolean()]);

const sshSchema = z.strictObject({
  user: z.string().optional(),
  port: z.int().min(1).max(65535).optional(),
  identityFile: z.string().optional(),
  options: z.record(z.string(), optionValue).optional(),
});

const hostSchema = z.strictObject({
  name: z.string(),
  address: z.string(),
  role: z.enum(ROLES),
  nodeIP: z.string().optional(),
  ssh: sshSchema.optional(),
});

const inventorySchema = z.strictObject({
  apiVersion: z.literal(API_VERSION).default(API_VERSION),
  kind: z.literal(INVENTORY_KIND),
  ssh: sshSchema.optional(),
  hosts: z.array(hostSchema).min(1),
});

type SshInput = z.infer<typeof sshSchema>;

/** How to reach one host: the defaults with the host's overrides, resolved. */
export interface SshSettings {
  /** Unset: OpenSSH decides (~/.ssh/config, else the local user name). */
  user?: string;
  port?: number;
  /** An absolute path that exists. */
  identityFile?: string;
  /** Extra OpenSSH options as `-o Key=Value` takes them, in the order given (host's last). */
  options: SshOption[];
}

export interface SshOption {
  name: string;
  value: string;
  /** Where the inventory sets it (for an option OpenSSH itself refuses later). */
  field: Path;
}

export interface InventoryHost {
  /** The node name (a DNS-1123 label). */
  name: string;
  /** Where SSH connects. */
  address: string;
  role: Role;
  /** The address the node registers and, on a control plane, advertises; unset when none is known. */
  nodeIP?: string;
  ssh: SshSettings;
  /** Its index in `hosts`, for messages that point at its line. */
  index: number;
}

export interface Inventory {
  /** The file as the user named it. */
  source: string;
  hosts: InventoryHost[];
  controlPlanes: InventoryHost[];
  workers: InventoryHost[];
  /** `inventory.yaml:LINE:COL` of a field, for errors found later (an option OpenSSH refuses). */
  errorAt(fieldPath: Path, message: string): UserError;
}

/** An inventory lists a few hosts; anything near this is the wrong file. */
export const MAX_INVENTORY_BYTES = 1 * MiB;

/**
 * Options kubestrap sets itself, or that would change how its commands run: each
 * command is one non-interactive session over a shared connection.
 */
const RESERVED: Record<string, string> = {
  controlmaster: 'kubestrap shares one connection per host itself (ControlMaster, ControlPath, ControlPersist)',
  controlpath: 'kubestrap shares one connection per host itself (ControlMaster, ControlPath, ControlPersist)',
  controlpersist: 'kubestrap shares one connection per host itself (ControlMaster, ControlPath, ControlPersist)',
  batchmode: 'kubestrap never prompts (BatchMode=yes): use an agent for keys with a passphrase',
  user: 'use ssh.user',
  port: 'use ssh.port',
  identityfile: 'use ssh.identityFile',
  hostname: "use the host's address",
  remotecommand: 'kubestrap runs its own commands',
  requesttty: 'kubestrap runs commands without a terminal',
  sessiontype: 'kubestrap runs commands in ordinary sessions',
  stdinnull: 'kubestrap sends files over standard input',
  forkafterauthentication: 'kubestrap waits for each command',
};

/** A POSIX user name as useradd accepts it; never an option to ssh. */
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;
const OPTION_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function loadInventory(file: string, cwd = process.cwd()): Inventory {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new UserError('inventory file not found', { file });
  const text = readTextFile(abs, { maxBytes: MAX_INVENTORY_BYTES, what: 'an inventory', displayName: file });
  return parseInventory(text, file, path.dirname(abs));
}

export function parseInventory(text: string, file: string, baseDir: string, home = os.homedir()): Inventory {
  const src = parseYamlSource(text, file);
  const raw = documentToJS(src.doc, file) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new UserError('the inventory must be a YAML mapping (apiVersion, kind: Inventory, ssh, hosts)', {
      file,
      line: 1,
      col: 1,
    });
  const parsed = inventorySchema.safeParse(raw);
  if (!parsed.success) throw new UserErrors(parsed.error.issues.flatMap((issue) => zodIssueToErrors(issue, raw, src)));

  const problems: UserError[] = [];
  const add = (p: Path, message: string, atKey = false) => problems.push(errorAt(src, p, message, atKey));
  const defaults = parsed.data.ssh ?? {};
  checkSsh(defaults, ['ssh'], add);
  const defaultIdentity = resolveIdentity(defaults.identityFile, ['ssh', 'identityFile'], home, baseDir, add);
  const hosts: InventoryHost[] = parsed.data.hosts.map((h, index) => {
    const at = (...rest: Path): Path => ['hosts', index, ...rest];
    const nameProblem = dns1123LabelProblem(h.name);
    if (nameProblem) add(at('name'), `${nameProblem} (it becomes the node name)`);
    if (!isAddress(h.address))
      add(at('address'), `"${h.address}" is not an IP address or a host name for SSH to connect to`);
    if (h.ssh) checkSsh(h.ssh, at('ssh'), add);
    const nodeIP = h.nodeIP ?? (parseIPv4(h.address) !== undefined ? h.address : undefined);
    if (h.nodeIP !== undefined) {
      const problem = nodeIpProblem(h.nodeIP);
      if (problem) add(at('nodeIP'), problem);
    } else if (nodeIP !== undefined) {
      const special = specialRangeOf(parseIPv4(nodeIP)!);
      if (special)
        add(
          at('address'),
          `${nodeIP} is a ${special.name} address (${special.cidr.text}), which other nodes cannot reach: set nodeIP to the address the node has on the cluster's network`,
        );
    }
    return {
      name: h.name,
      address: h.address,
      role: h.role,
      ...(nodeIP !== undefined ? { nodeIP } : {}),
      ssh: mergeSsh(
        defaults,
        defaultIdentity,
        h.ssh ?? {},
        resolveIdentity(h.ssh?.identityFile, at('ssh', 'identityFile'), home, baseDir, add),
        at('ssh'),
      ),
      index,
    };
  });

  duplicates(hosts, (h) => h.name, 'name', 'name', add);
  duplicates(hosts, (h) => `${h.address.toLowerCase()}:${h.ssh.port ?? 22}`, 'address', 'address and SSH port', add);
  duplicates(
    hosts.filter((h) => h.nodeIP !== undefined),
    (h) => h.nodeIP!,
    (h) => (parsed.data.hosts[h.index].nodeIP !== undefined ? 'nodeIP' : 'address'),
    'node IP',
    add,
  );
  const controlPlanes = hosts.filter((h) => h.role === 'control-plane');
  if (controlPlanes.length === 0)
    add(['hosts'], 'no host has role control-plane: the first control plane runs kubeadm init', true);
  if (problems.length > 0) throw new UserErrors(problems);
  return {
    source: file,
    hosts,
    controlPlanes,
    workers: hosts.filter((h) => h.role === 'worker'),
    errorAt: (p, message) => errorAt(src, p, message),
  };
}

type Add = (p: Path, message: string, atKey?: boolean) => void;

function checkSsh(s: SshInput, at: Path, add: Add): void {
  if (s.user !== undefined && !USER.test(s.user))
    add([...at, 'user'], `"${s.user}" is not a user name (letters, digits, '_', '.', '-'; not starting with '-')`);
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(s.options ?? {})) {
    const p = [...at, 'options', key];
    const lower = key.toLowerCase();
    if (!OPTION_NAME.test(key)) {
      add(p, 'is not an OpenSSH option name (letters and digits, as in ssh_config)', true);
      continue;
    }
    if (seen.has(lower)) add(p, `is the same option as ${seen.get(lower)} (OpenSSH ignores case)`, true);
    seen.set(lower, key);
    if (RESERVED[lower]) add(p, `cannot be set here: ${RESERVED[lower]}`, true);
    const text = String(value);
    if (text === '' || hasControlCharacter(text)) add(p, 'must be a non-empty value on one line');
    if (lower === 'stricthostkeychecking' && /^(no|off|false)$/i.test(text))
      add(
        p,
        "kubestrap never connects to a host whose key is unknown or changed without checking it: use accept-new to trust a new host's key on first contact (a changed key is still refused), or add the keys to known_hosts",
      );
    if (lower === 'userknownhostsfile' && text.split(/\s+/).includes('/dev/null'))
      add(
        p,
        'a known_hosts file that forgets every key would accept a changed host key as new: name a real file, or leave it to ~/.ssh/known_hosts',
      );
  }
}

/** An identity file as a path that exists, or its problem reported at the field that names it. */
function resolveIdentity(given: string | undefined, fieldPath: Path, home: string, baseDir: string, add: Add) {
  if (given === undefined) return undefined;
  const file = expandHome(given, home, baseDir);
  const problem = identityProblem(file);
  if (problem) add(fieldPath, `${file}: ${problem}`);
  return file;
}

function mergeSsh(
  defaults: SshInput,
  defaultIdentity: string | undefined,
  own: SshInput,
  ownIdentity: string | undefined,
  ownPath: Path,
): SshSettings {
  // A host's option replaces the default of the same name (OpenSSH ignores case in names).
  const options = new Map<string, SshOption>();
  for (const [k, v] of Object.entries(defaults.options ?? {}))
    options.set(k.toLowerCase(), { name: k, value: optionText(v), field: ['ssh', 'options', k] });
  for (const [k, v] of Object.entries(own.options ?? {}))
    options.set(k.toLowerCase(), { name: k, value: optionText(v), field: [...ownPath, 'options', k] });
  const user = own.user ?? defaults.user;
  const port = own.port ?? defaults.port;
  const identityFile = ownIdentity ?? defaultIdentity;
  return {
    ...(user !== undefined ? { user } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(identityFile !== undefined ? { identityFile } : {}),
    options: [...options.values()],
  };
}

/** A line break or another control character: ssh reads each -o as one line of ssh_config. */
function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

function optionText(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/** `~` and `~/x` as a shell expands them for the user running kubestrap; relative paths from the inventory's folder. */
export function expandHome(p: string, home: string, baseDir: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(baseDir, p);
}

function identityProblem(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'is not a file (ssh.identityFile names a private key)';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such identity file';
    if (code === 'EACCES') return 'cannot read the identity file (permission denied)';
    return (e as Error).message;
  }
}

function isAddress(text: string): boolean {
  if (isIP(text) !== 0) return true;
  return HOSTNAME.test(text);
}

function nodeIpProblem(text: string): string | undefined {
  const ip = parseIPv4(text);
  if (ip === undefined)
    return isIP(text) === 6
      ? 'IPv6 node addresses are not supported yet (nor IPv6 subnets)'
      : `"${text}" is not an IPv4 address`;
  const special = specialRangeOf(ip);
  if (special)
    return `${formatIPv4(ip)} is a ${special.name} address (${special.cidr.text}), which other nodes cannot reach`;
  return undefined;
}

function duplicates(
  hosts: InventoryHost[],
  key: (h: InventoryHost) => string,
  field: string | ((h: InventoryHost) => string),
  what: string,
  add: Add,
): void {
  const first = new Map<string, InventoryHost>();
  for (const h of hosts) {
    const k = key(h);
    const earlier = first.get(k);
    if (earlier === undefined) {
      first.set(k, h);
      continue;
    }
    const f = typeof field === 'string' ? field : field(h);
    add(['hosts', h.index, f], `the same ${what} as hosts[${earlier.index}] (${earlier.name}): each host once`);
  }
}
