/**
 * Helpers for the lab's tests: host tools (vagrant, ruby, shellcheck) and how
 * to run them hermetically, the Vagrantfile dump, and provision.mjs dry runs.
 */
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requires, type Gate } from '../helpers/requires.js';
import { scratchDir } from '../helpers/scratch.js';

export const REPO = path.resolve('.');
export const PROVISION = path.join(REPO, 'scripts/lab/provision.mjs');

export function hasTool(tool: string, args = ['--version']): boolean {
  return spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
}

/** Debian's package for each host tool the lab tests run. */
const PACKAGE: Record<string, string> = { vagrant: 'vagrant', ruby: 'ruby', shellcheck: 'shellcheck' };

/**
 * Tests that need a host tool: skipped (the title says why) when it is missing on a
 * developer's machine, failing in CI, where .ci/run installs it (requires.ts).
 */
export function needs(tool: string, args?: string[]): Gate {
  return requires(hasTool(tool, args), `${tool} is not installed (apt-get install ${PACKAGE[tool] ?? tool})`);
}

/** A scratch directory, removed when the test process ends (scratch.ts). */
export function tmpDir(prefix: string): string {
  return scratchDir(`kubestrap-lab-${prefix}`);
}

let vagrantEnvCache: Record<string, string> | undefined;

/**
 * Environment for `vagrant` that touches nothing of the user's and needs no
 * network: own VAGRANT_HOME and dotfile dir, no version check, no plugins (so a
 * machine with vagrant-libvirt and CI without it behave alike), and VirtualBox as
 * the provider, "detected" through a stand-in VBoxManage that only answers
 * --version: the VirtualBox provider block is validated without VirtualBox.
 */
export function vagrantEnv(): Record<string, string> {
  if (vagrantEnvCache) return vagrantEnvCache;
  const dir = tmpDir('vagrant');
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'VBoxManage'),
    '#!/bin/sh\n# stand-in for the tests: vagrant only asks for the version during validate\necho 7.0.20r163906\n',
  );
  chmodSync(path.join(bin, 'VBoxManage'), 0o755);
  vagrantEnvCache = {
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: dir,
    VAGRANT_HOME: path.join(dir, 'vagrant.d'),
    VAGRANT_DOTFILE_PATH: path.join(dir, 'dotfile'),
    VAGRANT_CHECKPOINT_DISABLE: '1',
    VAGRANT_NO_PLUGINS: '1',
    VAGRANT_DEFAULT_PROVIDER: 'virtualbox',
    VAGRANT_CWD: REPO,
  };
  return vagrantEnvCache;
}

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Writes the settings to a file of their own and returns its path ('' for no file: defaults). */
export function settingsFile(yaml: string | undefined): string {
  if (yaml === undefined) return '';
  const file = path.join(tmpDir('settings'), 'lab.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** At most this many vagrant processes at once: each is CPU-bound for about a second. */
const VAGRANT_PARALLEL = Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
let running = 0;
const queue: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= VAGRANT_PARALLEL) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    queue.shift()?.();
  }
}

/** A vagrant command on the repository's Vagrantfile with these settings (timed without the wait for a slot). */
export async function vagrant(
  command: string,
  yaml: string | undefined,
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  return limited(async () => {
    const start = Date.now();
    const r = await execa('vagrant', [command], {
      env: { ...vagrantEnv(), KUBESTRAP_LAB: settingsFile(yaml), ...extraEnv },
      reject: false,
      cwd: REPO,
      input: '',
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), ms: Date.now() - start };
  });
}

export function vagrantValidate(yaml: string | undefined): Promise<Run> {
  return vagrant('validate', yaml);
}

/** Ruby: vagrant's embedded one when this is HashiCorp's package, else the system's (Debian's vagrant uses it). */
export function ruby(): string {
  for (const candidate of ['/opt/vagrant/embedded/bin/ruby', 'ruby'])
    if (hasTool(candidate, ['-e', 'exit 0'])) return candidate;
  return 'ruby';
}

export async function runRuby(args: string[], env: Record<string, string> = {}, input = ''): Promise<Run> {
  const start = Date.now();
  const r = await execa(ruby(), args, { env, reject: false, cwd: REPO, input });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), ms: Date.now() - start };
}

// ---- the Vagrantfile, as the recording stand-in for Vagrant saw it ----

export interface Rec {
  attrs: Record<string, Rec>;
  log: {
    set?: string;
    value?: unknown;
    call?: string;
    args?: unknown[];
    kw?: Record<string, unknown>;
    block?: Rec[] | null;
  }[];
}

export interface Provisioner {
  name: string;
  type: string;
  path?: string;
  inline?: string;
  args?: string[];
}

export interface Machine {
  name: string;
  primary: boolean;
  hostname?: unknown;
  networks: { kind: string; options: Record<string, unknown> }[];
  provisioners: Provisioner[];
  providers: Record<
    string,
    {
      settings: Record<string, unknown>;
      calls: { call: string; args: unknown[]; kw: Record<string, unknown> }[];
      override: Rec;
    }
  >;
  rec: Rec;
}

export interface VagrantfileDump {
  root: Rec;
  machines: Machine[];
  /** Every shell snippet: inline provisioners and trigger `run`/`run_remote` inline scripts, anywhere. */
  inlineShell: { where: string; script: string }[];
}

const settingsOf = (r: Rec) => Object.fromEntries(r.log.filter((e) => e.set).map((e) => [e.set!, e.value]));
const callsOf = (r: Rec, name?: string) =>
  r.log.filter((e) => e.call && (!name || e.call === name)) as {
    call: string;
    args: unknown[];
    kw: Record<string, unknown>;
    block?: Rec[] | null;
  }[];

function provisionersOf(vm: Rec | undefined): Provisioner[] {
  if (!vm) return [];
  return callsOf(vm, 'provision').map((c) => {
    const [name, opts] = [String(c.args[0]), c.kw];
    const fromBlock = c.block?.[0] ? settingsOf(c.block[0]) : {};
    const all = { ...opts, ...fromBlock } as Record<string, unknown>;
    return {
      name,
      type: String(all.type ?? name),
      path: all.path as string | undefined,
      inline: all.inline as string | undefined,
      args: all.args as string[] | undefined,
    };
  });
}

function collectInline(r: Rec, where: string, out: { where: string; script: string }[]) {
  for (const e of r.log) {
    if (e.call === 'provision') {
      const kw = e.kw ?? {};
      const block = e.block?.[0] ? settingsOf(e.block[0]) : {};
      const inline = (block.inline ?? kw.inline) as string | undefined;
      if (typeof inline === 'string') out.push({ where: `${where} provision ${String(e.args?.[0])}`, script: inline });
    }
    for (const key of ['run', 'run_remote']) {
      if (e.set === key && e.value && typeof (e.value as { inline?: unknown }).inline === 'string') {
        out.push({ where: `${where} trigger ${key}`, script: (e.value as { inline: string }).inline });
      }
    }
    e.block?.forEach((b, i) => collectInline(b, `${where} ${e.call ?? e.set}[${i}]`, out));
  }
  for (const [name, child] of Object.entries(r.attrs)) collectInline(child, `${where}.${name}`, out);
}

/** Loads the Vagrantfile with these settings through test/lab/vagrantfile-dump.rb. */
export async function dumpVagrantfile(
  yaml: string | undefined,
  vagrantfile = path.join(REPO, 'Vagrantfile'),
): Promise<VagrantfileDump> {
  const r = await runRuby([path.join(REPO, 'test/lab/vagrantfile-dump.rb'), vagrantfile], {
    KUBESTRAP_LAB: settingsFile(yaml),
  });
  if (r.exitCode !== 0) throw new Error(`vagrantfile-dump.rb failed (${r.exitCode}): ${r.stderr}${r.stdout}`);
  const configs = JSON.parse(r.stdout) as { version: string; config: Rec }[];
  if (configs.length !== 1) throw new Error(`expected one Vagrant.configure block, got ${configs.length}`);
  const root = configs[0].config;
  const vm = root.attrs.vm ?? { attrs: {}, log: [] };
  const machines: Machine[] = callsOf(vm, 'define').map((d) => {
    const rec = d.block![0];
    const mvm = rec.attrs.vm ?? { attrs: {}, log: [] };
    const providers: Machine['providers'] = {};
    for (const p of callsOf(mvm, 'provider')) {
      const [settings, override] = p.block ?? [];
      providers[String(p.args[0])] = {
        settings: settingsOf(settings),
        calls: callsOf(settings),
        override: override ?? { attrs: {}, log: [] },
      };
    }
    return {
      name: String(d.args[0]),
      primary: Boolean(d.kw.primary),
      hostname: settingsOf(mvm).hostname,
      networks: callsOf(mvm, 'network').map((n) => ({ kind: String(n.args[0]), options: n.kw })),
      provisioners: provisionersOf(mvm),
      providers,
      rec,
    };
  });
  const inlineShell: VagrantfileDump['inlineShell'] = [];
  collectInline(root, 'config', inlineShell);
  return { root, machines, inlineShell };
}

/** The synced folders a Rec (a machine's or a provider override's) declares. */
export function syncedFolders(r: Rec): { args: unknown[]; kw: Record<string, unknown> }[] {
  return callsOf(r.attrs.vm ?? { attrs: {}, log: [] }, 'synced_folder').map((c) => ({ args: c.args, kw: c.kw }));
}

// ---- provision.mjs ----

export interface DryRun extends Run {
  commands: string[][];
}

/** provision.mjs --dry-run with these options and host facts. */
export async function dryRun(args: string[], facts: unknown): Promise<DryRun> {
  const file = path.join(tmpDir('facts'), 'facts.json');
  writeFileSync(file, JSON.stringify(facts));
  const start = Date.now();
  const r = await execa('node', [PROVISION, ...args, '--dry-run', '--facts', file], {
    reject: false,
    cwd: REPO,
    input: '',
  });
  const stdout = String(r.stdout);
  const commands = stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as string[]);
  return { exitCode: r.exitCode ?? -1, stdout, stderr: String(r.stderr), ms: Date.now() - start, commands };
}
