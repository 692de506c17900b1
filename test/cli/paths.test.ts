/**
 * Odd and hostile paths on every command that reads or writes one: each is bad
 * input (exit 2) or a host problem (exit 1) with one line naming the path, never
 * an internal error with a stack trace, and nothing is written or followed.
 */
import test from 'ava';
import { execa } from 'execa';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, runCli } from '../helpers/cli.js';

const dirs: string[] = [];
test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ks-paths-'));
  dirs.push(d);
  return d;
}

/** The CLI with a scratch root, so nothing can reach the real host even if a check were missing. */
function run(args: string[], cwd: string) {
  const root = path.join(cwd, '.root');
  mkdirSync(root, { recursive: true });
  return runCli(args, { cwd, env: { ...process.env, KUBESTRAP_ROOT: root } as Record<string, string> });
}

/** One line on stderr, `error: ` first, no stack trace. */
function oneLine(t: import('ava').ExecutionContext, stderr: string): string {
  const lines = stderr.trim().split('\n');
  t.is(lines.length, 1, stderr);
  t.notRegex(stderr, /internal error|\n\s+at /);
  return lines[0];
}

const CONFIG_COMMANDS: string[][] = [
  ['render'],
  ['plan'],
  ['up', '--dry-run'],
  ['verify'],
  ['rebuild', '--yes'],
  ['audit'],
  ['admission', 'status'],
];

test('-c naming a directory is bad input on every command that reads a config', async (t) => {
  const dir = scratch();
  mkdirSync(path.join(dir, 'conf.d'));
  for (const cmd of CONFIG_COMMANDS) {
    const r = await run([...cmd, '-c', 'conf.d'], dir);
    t.is(r.exitCode, 2, `${cmd.join(' ')}: ${r.stderr}`);
    t.is(oneLine(t, r.stderr), 'error: conf.d: is a directory; give the path of a file', cmd.join(' '));
  }
  t.false(existsSync(path.join(dir, 'rendered')));
});

test('a YAML alias bomb in the config is bad input, not an internal error', async (t) => {
  const dir = scratch();
  const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (const [i, n] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
    const prev = i === 0 ? 'a' : ['b', 'c', 'd', 'e', 'f'][i - 1];
    rows.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  writeFileSync(path.join(dir, 'bomb.yaml'), `${rows.join('\n')}\n`);
  const r = await run(['render', '-c', 'bomb.yaml'], dir);
  t.is(r.exitCode, 2);
  t.regex(oneLine(t, r.stderr), /^error: bomb\.yaml: .*aliases/);
  t.false(existsSync(path.join(dir, 'rendered')));
});

test('a config read without limit: -c /dev/zero stops at the size cap with a clear message', async (t) => {
  const dir = scratch();
  const r = await run(['render', '-c', '/dev/zero'], dir);
  t.is(r.exitCode, 2);
  t.is(
    oneLine(t, r.stderr),
    'error: /dev/zero: is larger than 1 MiB, the most kubestrap reads for a cluster config; is it the right file?',
  );
});

test('an unreadable config (EACCES, as a user without the right) is bad input naming the file', async (t) => {
  // Tests run as root, who reads anything: the CLI runs as nobody (setpriv) on a file only root may read.
  const dir = scratch();
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'secret.yaml');
  writeFileSync(file, 'kubernetesVersion: v1.24.17\n', { mode: 0o600 });
  const r = await execa(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', CLI, 'render', '-c', file, '-o', '/proc/none'],
    { cwd: dir, reject: false },
  );
  t.is(r.exitCode, 2, String(r.stderr));
  t.regex(oneLine(t, String(r.stderr)), new RegExp(`^error: ${file}: permission denied \\(cannot read it`));
});

test('cni.manifest naming a directory is bad input naming the field', async (t) => {
  const dir = scratch();
  writeFileSync(
    path.join(dir, 'c.yaml'),
    'cni: {manifest: /etc}\npodSecurity: {privilegedNamespaces: [kube-system]}\n',
  );
  const r = await run(['render', '-c', 'c.yaml'], dir);
  t.is(r.exitCode, 2);
  t.is(oneLine(t, r.stderr), 'error: c.yaml: cni.manifest: /etc: is a directory; give the path of a file');
});

test('init -o into a missing directory, or onto a directory, is bad input and writes nothing', async (t) => {
  const dir = scratch();
  const missing = await run(['init', '-o', '/no/such/dir/c.yaml'], dir);
  t.is(missing.exitCode, 2);
  t.is(oneLine(t, missing.stderr), 'error: /no/such/dir/c.yaml: the directory /no/such/dir does not exist');
  mkdirSync(path.join(dir, 'sub'));
  const onDir = await run(['init', '-o', 'sub', '--force'], dir);
  t.is(onDir.exitCode, 2);
  t.is(oneLine(t, onDir.stderr), 'error: sub: is a directory; give the path of a file in it');
  const tmp = await run(['init', '-o', tmpdir(), '--force'], dir);
  t.is(tmp.exitCode, 2);
  t.regex(oneLine(t, tmp.stderr), /is a directory/);
});

test('init -o never writes through a symbolic link, even with --force', async (t) => {
  const dir = scratch();
  writeFileSync(path.join(dir, 'victim'), 'precious\n');
  chmodSync(path.join(dir, 'victim'), 0o644);
  symlinkSync(path.join(dir, 'victim'), path.join(dir, 'link.yaml'));
  const r = await run(['init', '-o', 'link.yaml', '--force'], dir);
  t.is(r.exitCode, 2);
  t.regex(oneLine(t, r.stderr), /^error: link\.yaml: is a symbolic link; kubestrap does not write through links/);
  t.is(readFileSync(path.join(dir, 'victim'), 'utf8'), 'precious\n');
  t.is(lstatSync(path.join(dir, 'victim')).mode & 0o777, 0o644);
  t.is(readlinkSync(path.join(dir, 'link.yaml')), path.join(dir, 'victim'));
  // A dangling link is no different: its target must not be created.
  symlinkSync(path.join(dir, 'created-through-link'), path.join(dir, 'dangling.yaml'));
  const d = await run(['init', '-o', 'dangling.yaml'], dir);
  t.is(d.exitCode, 2);
  t.false(existsSync(path.join(dir, 'created-through-link')));
});

test('init --force replaces a regular file in place of a new one (temp file + rename)', async (t) => {
  const dir = scratch();
  writeFileSync(path.join(dir, 'cluster.yaml'), 'old\n');
  const r = await run(['init', '--force'], dir);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(readFileSync(path.join(dir, 'cluster.yaml'), 'utf8'), /^# kubestrap cluster config/);
  t.deepEqual(
    (await import('node:fs')).readdirSync(dir).filter((f) => f.includes('.tmp')),
    [],
    'no temporary file left',
  );
});

test('render -o naming a regular file is bad input and leaves the file alone', async (t) => {
  const dir = scratch();
  writeFileSync(path.join(dir, 'out'), 'mine\n');
  const r = await run(['render', '-o', 'out'], dir);
  t.is(r.exitCode, 2);
  t.is(oneLine(t, r.stderr), 'error: out: is not a directory; give a directory for the rendered files');
  t.is(readFileSync(path.join(dir, 'out'), 'utf8'), 'mine\n');
});

test('join --join-file naming a directory, or a huge file, is bad input before anything runs', async (t) => {
  const dir = scratch();
  mkdirSync(path.join(dir, 'joins'));
  const r = await run(['join', '--join-file', 'joins'], dir);
  t.is(r.exitCode, 2);
  t.is(oneLine(t, r.stderr), 'error: joins: is a directory; give the path of a file');
  const z = await run(['join', '--join-file', '/dev/zero'], dir);
  t.is(z.exitCode, 2);
  t.regex(oneLine(t, z.stderr), /^error: \/dev\/zero: is larger than 64 KiB/);
});

test('the same odd paths on the other commands: policy inputs, kubeconfigs, link loops', async (t) => {
  const dir = scratch();
  mkdirSync(path.join(dir, 'd'));
  symlinkSync('loop', path.join(dir, 'loop'));
  const root = path.join(dir, '.root');
  mkdirSync(root);
  const cases: [string[], RegExp][] = [
    [
      ['policy', 'check', '-f', '/dev/zero', '--level', 'restricted'],
      /^error: \/dev\/zero: no complete object in 16 MiB of input/,
    ],
    [['policy', 'migrate', '-f', '/dev/zero'], /^error: \/dev\/zero: no complete object in 16 MiB/],
    [['policy', 'check', '-f', 'loop', '--level', 'restricted'], /^error: loop: too many levels of symbolic links/],
    [['audit', '--kubeconfig', 'd'], /^error: d: is a directory; give the path of a file$/],
    [['admission', 'status', '--kubeconfig', 'd'], /^error: d: is a directory; give the path of a file$/],
    [['policy', 'bindings', '--kubeconfig', 'd'], /^error: d: is a directory; give the path of a file$/],
    [['render', '-c', 'loop'], /^error: loop: too many levels of symbolic links/],
    [['join', '--join-file', 'loop'], /^error: loop: too many levels of symbolic links/],
  ];
  for (const [args, message] of cases) {
    const r = await execa('node', [CLI, ...args], {
      cwd: dir,
      env: { ...process.env, KUBESTRAP_ROOT: root },
      reject: false,
      timeout: 60_000,
    });
    t.is(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(oneLine(t, String(r.stderr)), message, args.join(' '));
  }
});
