/**
 * What reset may delete and what a failed or changed `up` may leave (issue 15):
 * on the simulated node, with the state file, the kubeconfig and the firewall
 * as a user or an attacker might have left them.
 */
import test from 'ava';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { lab, mutations } from './harness.js';

const CONFIG = 'kubernetesVersion: v1.24.17\ncontrolPlane: {nodeName: cp}\n';

test('reset deletes only the kubeconfig it installed, never a path the state file names', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(() => l.node.cleanup());
  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const stateFile = l.node.at('/var/lib/kubestrap/state.json');
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  // Someone (or something) pointed the state file at a directory full of data.
  const precious = l.node.at('/srv/precious');
  mkdirSync(precious, { recursive: true });
  writeFileSync(`${precious}/db.sqlite`, 'data');
  state.installedKubeconfig = precious;
  writeFileSync(stateFile, JSON.stringify(state));

  const dry = await l.kubestrap(['reset', '--dry-run']);
  t.notRegex(dry.stdout, /srv\/precious/);
  t.regex(dry.stdout, /rm -f -- \S+\/root\/\.kube\/config/);
  const r = await l.kubestrap(['reset', '--yes']);
  t.is(r.exitCode, 0, r.stderr);
  t.is(readFileSync(`${precious}/db.sqlite`, 'utf8'), 'data');
  t.false(existsSync(l.node.at('/root/.kube/config')), 'the kubeconfig up installed is gone');
  t.true(existsSync(l.node.at('/root/.kube')), 'the .kube directory (kubectl cache, other configs) stays');
});

test('reset keeps a kubeconfig the user changed since up installed it, and a link in its place', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(() => l.node.cleanup());
  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const kubeconfig = l.node.at('/root/.kube/config');
  writeFileSync(kubeconfig, `${readFileSync(kubeconfig, 'utf8')}# my other clusters\n`);
  t.is((await l.kubestrap(['reset', '--yes'])).exitCode, 0);
  t.regex(readFileSync(kubeconfig, 'utf8'), /# my other clusters/);

  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  // A link to a copy of admin.conf is the user's arrangement, not the file up installed.
  const copy = l.node.at('/root/admin-copy.conf');
  writeFileSync(copy, readFileSync(l.node.at('/etc/kubernetes/admin.conf')));
  rmSync(kubeconfig);
  symlinkSync(copy, kubeconfig);
  t.is((await l.kubestrap(['reset', '--yes'])).exitCode, 0);
  t.is(readlinkSync(kubeconfig), copy);
  t.true(existsSync(copy));
});

test('a failed preflight writes no state: reset still refuses the bare host and says nothing of reset', async (t) => {
  const l = await lab(CONFIG, { host: { portsInUse: [6443] } });
  t.teardown(() => l.node.cleanup());
  const up = await l.kubestrap(['up', '--yes']);
  t.is(up.exitCode, 1);
  t.regex(up.stderr, /port 6443 in use/);
  t.notRegex(up.stderr, /kubestrap reset/, 'no cluster here: reset is not the fix');
  t.false(existsSync(l.node.at('/var/lib/kubestrap/state.json')));

  const mark = l.mark();
  const reset = await l.kubestrap(['reset', '--yes']);
  t.is(reset.exitCode, 2);
  t.regex(reset.stderr, /does not look like a kubeadm node/);
  t.deepEqual(mutations(l.callsSince(mark)), [], 'no iptables flushed on a host that never had a cluster');
});

test('up with a changed pod network changes nothing and asks for rebuild (exit 1)', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(() => l.node.cleanup());
  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const flannel = () =>
    JSON.stringify(
      Object.values(l.node.state().cluster!.objects).find(
        (o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'kube-flannel-cfg',
      ),
    );
  const before = flannel();
  writeFileSync(`${l.dir}/cluster.yaml`, `${CONFIG}networking: {podSubnet: 10.200.0.0/16}\n`);
  const mark = l.mark();
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1, r.stderr);
  t.regex(r.stderr, /kubeadm config .*changed since the cluster was initialised; nothing was changed/);
  t.regex(r.stderr, /sudo kubestrap rebuild/);
  const json = await l.kubestrap(['up', '--yes', '-o', 'json']);
  t.is(json.exitCode, 1);
  const doc = JSON.parse(json.stdout);
  t.false(doc.ok);
  t.deepEqual(
    doc.steps.map((s: any) => [s.name, s.status]),
    [['kubeadm-init', 'failed']],
  );
  t.regex(doc.steps[0].hint, /sudo kubestrap rebuild/);
  t.deepEqual(mutations(l.callsSince(mark)), []);
  t.is(flannel(), before, "flannel keeps kubeadm's pod network");
  for (const flags of [
    ['--from', 'cni'],
    ['--only', 'cni'],
    ['--only', 'kubeadm-init'],
  ]) {
    const forced = await l.kubestrap(['up', '--yes', ...flags]);
    t.is(forced.exitCode, 1, flags.join(' '));
    t.deepEqual(mutations(l.callsSince(mark)), [], flags.join(' '));
  }
  t.is(flannel(), before);
});

test('up refuses to install the kubeconfig through a symbolic link in the home directory', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(() => l.node.cleanup());
  // A user who can write their home points ~/.kube at a system directory, hoping root chowns it to them.
  const target = l.node.at('/etc/important');
  mkdirSync(target, { recursive: true });
  writeFileSync(`${target}/config`, 'system file\n');
  const mode = statSync(target).mode;
  mkdirSync(l.node.at('/root'), { recursive: true });
  symlinkSync(target, l.node.at('/root/.kube'));
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /\.kube: is a symbolic link/);
  t.is(readFileSync(`${target}/config`, 'utf8'), 'system file\n');
  t.is(statSync(target).mode, mode);
});

test('a state file with "steps": null stops up with one line naming it, and is kept as it is', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(() => l.node.cleanup());
  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const stateFile = l.node.at('/var/lib/kubestrap/state.json');
  const damaged = JSON.stringify({ ...JSON.parse(readFileSync(stateFile, 'utf8')), steps: null });
  writeFileSync(stateFile, damaged);
  const mark = l.mark();
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.regex(r.stderr, new RegExp(`^error: ${stateFile}: "steps" is null, not an object of finished steps; `));
  t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  t.is(readFileSync(stateFile, 'utf8'), damaged);
  t.deepEqual(mutations(l.callsSince(mark)), []);
});

test('a lock path that is a directory stops up with one line naming it', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(() => l.node.cleanup());
  const lock = l.node.at('/var/lib/kubestrap/lock');
  mkdirSync(lock, { recursive: true });
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.is(r.stderr.trim(), `error: ${lock}: is a directory, not kubestrap's lock file; remove it and run again`);
  t.deepEqual(mutations(l.callsSince()), []);
  t.true(statSync(lock).isDirectory());
});

test('join-command -o refuses a directory or a link before any token exists', async (t) => {
  const l = await lab(CONFIG);
  t.teardown(() => l.node.cleanup());
  t.is((await l.kubestrap(['up', '--yes', '--quiet'])).exitCode, 0);
  const tokens = () => l.callsSince().filter((c) => c.tool === 'kubeadm' && c.argv[0] === 'token').length;
  const dir = `${l.dir}/joins`;
  mkdirSync(dir);
  const onDir = await l.kubestrap(['join-command', '-o', dir]);
  t.is(onDir.exitCode, 2);
  t.is(onDir.stderr.trim(), `error: ${dir}: is a directory; give the path of a file in it`);

  const victim = l.node.at('/etc/victim');
  writeFileSync(victim, 'root-owned data\n', { mode: 0o644 });
  symlinkSync(victim, `${l.dir}/join-link`);
  const onLink = await l.kubestrap(['join-command', '-o', `${l.dir}/join-link`]);
  t.is(onLink.exitCode, 2);
  t.regex(onLink.stderr, /join-link: is a symbolic link; kubestrap does not write through links/);
  t.is(readFileSync(victim, 'utf8'), 'root-owned data\n');
  t.is(statSync(victim).mode & 0o777, 0o644, 'not chmod-ed through the link');
  t.is(tokens(), 0, 'no token was created for a file that could not be written');
});

test("a file where kubestrap's state directory belongs stops up with one line naming it", async (t) => {
  const l = await lab(CONFIG);
  t.teardown(() => l.node.cleanup());
  const stateDir = l.node.at('/var/lib/kubestrap');
  mkdirSync(l.node.at('/var/lib'), { recursive: true });
  writeFileSync(stateDir, 'not a directory\n');
  const r = await l.kubestrap(['up', '--yes']);
  t.is(r.exitCode, 1);
  t.is(r.stderr.trim(), `error: ${stateDir}: exists but is not a directory; move it away`);
  t.is(readFileSync(stateDir, 'utf8'), 'not a directory\n');
  t.deepEqual(mutations(l.callsSince()), []);
});
