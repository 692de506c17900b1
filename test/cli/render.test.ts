import test from 'ava';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { scratchDir } from '../helpers/scratch.js';

const tmp = () => scratchDir('ks-cli');

test('render with no config at all writes the default cluster', async (t) => {
  const dir = tmp();
  const r = await runCli(['render'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n'), [
    'rendered/kubeadm-config.yaml',
    'rendered/manifests/01-pod-security.yaml',
    'rendered/manifests/02-cni.yaml',
  ]);
  t.regex(r.stderr, /Rendered v1\.24\.17 \(PodSecurityPolicy, default restricted\) to rendered\//);
  t.regex(
    readFileSync(path.join(dir, 'rendered/kubeadm-config.yaml'), 'utf8'),
    /"enable-admission-plugins": "NodeRestriction,PodSecurityPolicy"/,
  );
});

test('render -c -o writes host files under host/ at their absolute paths', async (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'c.yaml'), 'kubernetesVersion: v1.31.4\n');
  const r = await runCli(['render', '-c', 'c.yaml', '-o', 'out'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.true(existsSync(path.join(dir, 'out/host/etc/kubernetes/pod-security/admission-config.yaml')));
});

test('a bad config exits 2, names file, line and field, and writes nothing', async (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'cluster.yaml'), 'kubernetesVersion: v1.25.16\npodSecurity:\n  mode: psp\n');
  const r = await runCli(['render'], { cwd: dir });
  t.is(r.exitCode, 2);
  t.is(r.stdout, '');
  t.is(
    r.stderr.trim(),
    'error: cluster.yaml:3:9: podSecurity.mode: psp is not available on v1.25: PodSecurityPolicy was removed in v1.25; use pss (or auto)',
  );
  t.false(existsSync(path.join(dir, 'rendered')));
});

test('render refuses to replace a directory it did not write, and leaves it untouched', async (t) => {
  const dir = tmp();
  mkdirSync(path.join(dir, 'mine'));
  writeFileSync(path.join(dir, 'mine', 'notes.txt'), 'keep me');
  const r = await runCli(['render', '-o', 'mine'], { cwd: dir });
  t.is(r.exitCode, 2);
  t.regex(r.stderr, /mine is not empty and was not written by kubestrap render/);
  t.deepEqual(readdirSync(path.join(dir, 'mine')), ['notes.txt']);
});

test('re-rendering replaces the previous render, so a switched-off manifest does not linger', async (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'cluster.yaml'), 'ingress: {enabled: true}\n');
  t.is((await runCli(['render'], { cwd: dir })).exitCode, 0);
  t.true(existsSync(path.join(dir, 'rendered/manifests/03-ingress.yaml')));
  writeFileSync(path.join(dir, 'cluster.yaml'), 'ingress: {enabled: false}\n');
  t.is((await runCli(['render'], { cwd: dir })).exitCode, 0);
  t.false(existsSync(path.join(dir, 'rendered/manifests/03-ingress.yaml')));
});

test('init writes a commented starter that render accepts', async (t) => {
  const dir = tmp();
  const r = await runCli(['init', '--kubernetes-version', 'v1.31.4'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  const text = readFileSync(path.join(dir, 'cluster.yaml'), 'utf8');
  t.regex(text, /^# kubestrap cluster config/);
  t.regex(text, /kubernetesVersion: "v1\.31\.4"/);
  const r2 = await runCli(['render'], { cwd: dir });
  t.is(r2.exitCode, 0, r2.stderr);
  t.regex(r2.stderr, /Rendered v1\.31\.4 \(Pod Security Standards, default restricted\)/);
});

test('init on 1.16 lists only kube-system as privileged (flannel runs there)', async (t) => {
  const r = await runCli(['init', '-o', '-', '--kubernetes-version', '1.16.15']);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /privilegedNamespaces:\n    - "kube-system"\n  # psp \| vap/);
});

test('init will not overwrite an existing file without --force', async (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'cluster.yaml'), 'mine\n');
  const r = await runCli(['init'], { cwd: dir });
  t.is(r.exitCode, 2);
  t.is(r.stderr.trim(), 'error: cluster.yaml: already exists; pass --force to overwrite it');
  t.is(readFileSync(path.join(dir, 'cluster.yaml'), 'utf8'), 'mine\n');
  t.is((await runCli(['init', '--force'], { cwd: dir })).exitCode, 0);
});

test('init with an unsupported version exits 2 naming the flag', async (t) => {
  const r = await runCli(['init', '-o', '-', '--kubernetes-version', 'v1.40.0']);
  t.is(r.exitCode, 2);
  t.is(r.stderr.trim(), 'error: --kubernetes-version: v1.40.0 is outside the supported range v1.11 to v1.37');
});

test('unknown commands and flags are usage errors (exit 2); --help exits 0', async (t) => {
  t.is((await runCli(['frobnicate'])).exitCode, 2);
  const bad = await runCli(['render', '--bogus']);
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /unknown option '--bogus'/);
  const help = await runCli(['--help']);
  t.is(help.exitCode, 0);
  t.regex(help.stdout, /render/);
});

test('render replaces only the files it wrote: .git, the config and the user files in the directory stay', async (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'cluster.yaml'), 'ingress: {enabled: true}\n');
  t.is((await runCli(['render', '-o', 'g'], { cwd: dir })).exitCode, 0);
  mkdirSync(path.join(dir, 'g/.git'));
  writeFileSync(path.join(dir, 'g/.git/HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(path.join(dir, 'g/notes.txt'), 'keep me\n');
  writeFileSync(path.join(dir, 'g/manifests/99-mine.yaml'), 'mine\n');
  writeFileSync(path.join(dir, 'cluster.yaml'), 'ingress: {enabled: false}\n');
  const r = await runCli(['render', '-o', 'g'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.is(readFileSync(path.join(dir, 'g/.git/HEAD'), 'utf8'), 'ref: refs/heads/main\n');
  t.is(readFileSync(path.join(dir, 'g/notes.txt'), 'utf8'), 'keep me\n');
  t.is(readFileSync(path.join(dir, 'g/manifests/99-mine.yaml'), 'utf8'), 'mine\n');
  t.false(
    existsSync(path.join(dir, 'g/manifests/03-ingress.yaml')),
    'the manifest it wrote before and no longer renders',
  );
  t.deepEqual(readdirSync(path.join(dir, 'g/manifests')).sort(), [
    '01-pod-security.yaml',
    '02-cni.yaml',
    '99-mine.yaml',
  ]);
});

test('render refuses -o at or above the config file or the working directory, and changes nothing', async (t) => {
  const dir = tmp();
  mkdirSync(path.join(dir, 'g'));
  writeFileSync(path.join(dir, 'g/cluster.yaml'), 'kubernetesVersion: v1.31.4\n');
  t.is((await runCli(['render', '-c', 'g/cluster.yaml', '-o', 'g/out'], { cwd: dir })).exitCode, 0);
  // A render directory that the user later turned into their config's home.
  writeFileSync(path.join(dir, 'g/out/cluster.yaml'), 'kubernetesVersion: v1.31.4\n');
  const cases: [string[], RegExp][] = [
    [['-c', 'g/out/cluster.yaml', '-o', 'g/out'], /error: g\/out: contains the config file g\/out\/cluster\.yaml/],
    [['-c', 'g/out/cluster.yaml', '-o', 'g'], /error: g: contains the config file/],
    [['-c', 'g/cluster.yaml', '-o', '.'], /error: \.: is the working directory/],
    [['-c', 'g/cluster.yaml', '-o', '..'], /error: \.\.: contains the working directory/],
  ];
  const before = readdirSync(dir, { recursive: true }).sort();
  for (const [args, message] of cases) {
    const r = await runCli(['render', ...args], { cwd: dir });
    t.is(r.exitCode, 2, args.join(' '));
    t.regex(r.stderr, message);
    t.regex(r.stderr, /choose a directory of its own/);
  }
  t.deepEqual(readdirSync(dir, { recursive: true }).sort(), before);
  t.is(readFileSync(path.join(dir, 'g/out/cluster.yaml'), 'utf8'), 'kubernetesVersion: v1.31.4\n');
});

test('render never follows or replaces a symbolic link: not the directory, not a file or folder in it', async (t) => {
  const dir = tmp();
  mkdirSync(path.join(dir, 'elsewhere'));
  writeFileSync(path.join(dir, 'victim'), 'precious\n');
  symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'linkdir'));
  const viaLink = await runCli(['render', '-o', 'linkdir'], { cwd: dir });
  t.is(viaLink.exitCode, 2);
  t.regex(viaLink.stderr, /linkdir: is a symbolic link/);
  t.deepEqual(readdirSync(path.join(dir, 'elsewhere')), []);

  t.is((await runCli(['render', '-o', 'out'], { cwd: dir })).exitCode, 0);
  const before = readFileSync(path.join(dir, 'out/manifests/02-cni.yaml'), 'utf8');
  rmSync(path.join(dir, 'out/kubeadm-config.yaml'));
  symlinkSync(path.join(dir, 'victim'), path.join(dir, 'out/kubeadm-config.yaml'));
  const fileLink = await runCli(['render', '-o', 'out'], { cwd: dir });
  t.is(fileLink.exitCode, 2);
  t.regex(fileLink.stderr, /out\/kubeadm-config\.yaml: is a symbolic link/);
  t.is(readFileSync(path.join(dir, 'victim'), 'utf8'), 'precious\n');
  t.true(lstatSync(path.join(dir, 'out/kubeadm-config.yaml')).isSymbolicLink(), 'the link itself is left as it was');
  t.is(readFileSync(path.join(dir, 'out/manifests/02-cni.yaml'), 'utf8'), before, 'nothing else was written either');

  rmSync(path.join(dir, 'out/kubeadm-config.yaml'));
  rmSync(path.join(dir, 'out/manifests'), { recursive: true });
  symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'out/manifests'));
  const dirLink = await runCli(['render', '-o', 'out'], { cwd: dir });
  t.is(dirLink.exitCode, 2);
  t.regex(dirLink.stderr, /out\/manifests: is a symbolic link/);
  t.deepEqual(readdirSync(path.join(dir, 'elsewhere')), []);
});

test('a tampered marker cannot make render delete outside its directory or through a link', async (t) => {
  const dir = tmp();
  t.is((await runCli(['render', '-o', 'out'], { cwd: dir })).exitCode, 0);
  writeFileSync(path.join(dir, 'victim'), 'precious\n');
  mkdirSync(path.join(dir, 'elsewhere'));
  writeFileSync(path.join(dir, 'elsewhere/file.yaml'), 'precious\n');
  symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'out/via'));
  const marker = path.join(dir, 'out/.kubestrap-render');
  writeFileSync(marker, `${readFileSync(marker, 'utf8')}../victim\n${path.join(dir, 'victim')}\nvia/file.yaml\n`);
  const r = await runCli(['render', '-o', 'out'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.is(readFileSync(path.join(dir, 'victim'), 'utf8'), 'precious\n');
  t.is(readFileSync(path.join(dir, 'elsewhere/file.yaml'), 'utf8'), 'precious\n');
});

test('a directory written by an older kubestrap (marker without a file list) keeps the files it did not write', async (t) => {
  const dir = tmp();
  mkdirSync(path.join(dir, 'rendered/manifests'), { recursive: true });
  writeFileSync(
    path.join(dir, 'rendered/.kubestrap-render'),
    'Written by `kubestrap render`; the whole directory is replaced on the next render.\n',
  );
  writeFileSync(path.join(dir, 'rendered/manifests/03-ingress.yaml'), 'old ingress\n');
  writeFileSync(path.join(dir, 'rendered/notes.txt'), 'keep me\n');
  const r = await runCli(['render'], { cwd: dir });
  t.is(r.exitCode, 0, r.stderr);
  t.false(existsSync(path.join(dir, 'rendered/manifests/03-ingress.yaml')));
  t.is(readFileSync(path.join(dir, 'rendered/notes.txt'), 'utf8'), 'keep me\n');
});
