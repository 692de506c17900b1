/**
 * The SSH runner against real sshd processes in network namespaces: words arrive as
 * they were sent whatever they contain, files land with their mode and owner, one
 * connection serves every command, sudo is used when the login is not root, and a
 * changed host key, a host that is not there and a dropped link are failures of SSH,
 * named as such. The runner's ssh runs in the lab's client namespace through a
 * wrapper first on this worker's PATH.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FileLog } from '../../src/host/log.js';
import { NO_LOG } from '../../src/exec/runner.js';
import { CommandError } from '../../src/exec/runner.js';
import { connectSsh, refusedOptions, SshConnections, SshError, type SshTarget } from '../../src/exec/ssh.js';
import { createSshLab, type SshLab, sshTest, UNREACHABLE_ADDRESS } from '../helpers/ssh-lab.js';

const cleanups: (() => void | Promise<void>)[] = [];
const files = { teardown: (fn: () => void | Promise<void>) => void cleanups.push(fn) };
let lab: SshLab;

test.before(async () => {
  if (!sshTest.available) return;
  lab = await createSshLab(files, [
    { name: 'a', env: { MARK: 'a' } },
    { name: 'mux' },
    { name: 'rekey' },
    { name: 'drop' },
  ]);
  const bin = path.join(lab.dir, 'client-bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nexec ip netns exec ${lab.clientNs} /usr/bin/ssh "$@"\n`, {
    mode: 0o755,
  });
  process.env.PATH = `${bin}:${process.env.PATH}`;
});

test.after.always(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

function target(name: string, extra: Partial<SshTarget> = {}): SshTarget {
  const h = lab.host(name);
  return {
    name,
    address: h.address,
    identityFile: lab.identityFile,
    options: Object.entries(lab.sshOptions).map(([k, v]) => ({ name: k, value: v })),
    ...extra,
  };
}

/** Connections closed (and their folder removed) when the test ends. */
function connections(t: { teardown(fn: () => Promise<void>): void }): SshConnections {
  const c = new SshConnections(lab.dir);
  t.teardown(() => c.close());
  return c;
}

const HOSTILE = [
  '$(touch PWNED)',
  '`touch PWNED`',
  "it's",
  'say "hi"',
  'two\nlines',
  '*',
  '~',
  '-n',
  '',
  ' lead and trail ',
  'a;touch PWNED',
  'a|touch PWNED',
  'a && touch PWNED',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a word the remote shell must not expand
  '$HOME $MARK ${PATH}',
  '\\',
  "\\'",
  '#not a comment',
  '>PWNED',
  'é ☃ \t tab',
  '--',
  'x=1',
];

sshTest('hostile words reach the remote command exactly as sent, for root and through sudo', async (t) => {
  const conns = connections(t);
  for (const user of ['root', 'kube']) {
    const runner = await connectSsh(target('a', { user }), conns, NO_LOG);
    t.is(runner.sudo, user !== 'root');
    // printf prints each word followed by a NUL: what the remote argv really was.
    const r = await runner.run('printf', ['%s\\0', ...HOSTILE], { input: '' });
    t.deepEqual(r.stdout.split('\0').slice(0, -1), HOSTILE, user);
    // Run from the login's home: nothing the words name was created there, nor anywhere in the scratch tree.
    const found = spawnSync('find', [lab.dir, '-name', 'PWNED'], { encoding: 'utf8' }).stdout;
    t.is(found, '', `${user}: a word was run as a command`);
    const id = await runner.run('id', ['-u']);
    t.is(id.stdout.trim(), '0', `${user}: commands run as root`);
  }
});

sshTest('standard input arrives byte for byte, and files land with their mode and owner', async (t) => {
  const conns = connections(t);
  const runner = await connectSsh(target('a', { user: 'kube' }), conns, NO_LOG);
  const big = Array.from({ length: 20000 }, (_, i) => `line ${i} ' " $(x) \\ é\n`).join('');
  const echoed = await runner.run('cat', [], { input: big });
  t.is(echoed.stdout, big);

  const file = path.join(lab.host('a').dir, 'etc/kubernetes/pki/secret.conf');
  await runner.run('install', ['-D', '-m', '0600', '/dev/stdin', file], { input: 'token: abc\n', mutates: true });
  const st = statSync(file);
  t.is(st.mode & 0o777, 0o600);
  t.is(st.uid, 0, 'written through sudo: root owns it');
  t.is(readFileSync(file, 'utf8'), 'token: abc\n');
  await runner.run('install', ['-m', '0644', '-o', '4242', '-g', '4242', '/dev/stdin', `${file}.user`], {
    input: 'x',
    mutates: true,
  });
  t.is(statSync(`${file}.user`).uid, 4242);
  t.is(statSync(`${file}.user`).mode & 0o777, 0o644);
});

sshTest('exit codes come back as they are: a failure is a CommandError, a missing program 127', async (t) => {
  const runner = await connectSsh(target('a'), connections(t), NO_LOG);
  const err = await t.throwsAsync(runner.run('sh', ['-c', 'echo oops >&2; exit 3']), { instanceOf: CommandError });
  t.is(err!.result.exitCode, 3);
  t.regex(err!.message, /exited with 3:\noops/);
  t.is((await runner.run('sh', ['-c', 'exit 7'], { allowFailure: true })).exitCode, 7);
  t.is((await runner.run('no-such-program-here', [], { allowFailure: true })).exitCode, 127);
});

sshTest('every command of a run shares one authenticated connection, ended with the run', async (t) => {
  const conns = new SshConnections(lab.dir);
  const runner = await connectSsh(target('mux'), conns, NO_LOG);
  const started = performance.now();
  for (let i = 0; i < 20; i++) await runner.run('true', []);
  const perCommand = (performance.now() - started) / 20;
  const logins = (
    lab
      .host('mux')
      .sshdLog()
      .match(/Accepted publickey/g) ?? []
  ).length;
  t.is(logins, 1, 'one login for 21 commands');
  t.log(`${perCommand.toFixed(1)} ms per command over the shared connection`);
  const socketDir = conns.dir;
  t.true(existsSync(socketDir));
  await conns.close();
  t.false(existsSync(socketDir), 'the private socket folder is removed');
  // No ssh of this run (master or client) is left.
  const left = spawnSync('pgrep', ['-f', socketDir], { encoding: 'utf8' }).stdout.trim();
  t.is(left, '', 'no ssh of these connections is left');
  await t.throwsAsync(runner.run('true', []), { message: /closed/ });
});

sshTest('a changed host key is refused, as OpenSSH refuses it, and known_hosts keeps the old key', async (t) => {
  const conns = connections(t);
  await (await connectSsh(target('rekey'), conns, NO_LOG)).run('true', []);
  await conns.close();
  const known = readFileSync(lab.knownHosts, 'utf8');
  await lab.host('rekey').restartSshd({ newHostKey: true });
  const again = connections(t);
  const err = await t.throwsAsync(connectSsh(target('rekey'), again, NO_LOG), { instanceOf: SshError });
  t.regex(
    err!.message,
    /^rekey: the host key of 10\.213\.0\.\d+ has changed since it was recorded in known_hosts: refused/,
  );
  t.regex(err!.hint!, /ssh-keygen -R 10\.213\.0\.\d+/);
  t.is(readFileSync(lab.knownHosts, 'utf8'), known, 'the new key was not recorded');
  // A key nobody recorded is not accepted without accept-new either.
  const strict = target('rekey', {
    options: [
      { name: 'UserKnownHostsFile', value: path.join(lab.dir, 'empty_known_hosts') },
      { name: 'StrictHostKeyChecking', value: 'yes' },
    ],
  });
  const unknown = await t.throwsAsync(connectSsh(strict, again, NO_LOG), { instanceOf: SshError });
  t.regex(unknown!.message, /is not in known_hosts, and kubestrap does not accept unknown keys on its own/);
  t.false(lab.host('rekey').sshdLog().split('--- restarted ---')[1].includes('Accepted publickey'));
});

sshTest('a host that is not there is an SSH error naming it, within the connect timeout', async (t) => {
  const conns = connections(t);
  const started = Date.now();
  const err = await t.throwsAsync(
    connectSsh(
      {
        name: 'ghost',
        address: UNREACHABLE_ADDRESS,
        identityFile: lab.identityFile,
        options: [...target('a').options, { name: 'ConnectTimeout', value: '2' }],
      },
      conns,
      NO_LOG,
    ),
    { instanceOf: SshError },
  );
  t.regex(err!.message, /^ghost: cannot reach 10\.213\.0\.250: (No route to host|Connection timed out)/);
  t.true(Date.now() - started < 10_000);
});

sshTest('a link that drops while a command runs is a broken connection, not the command failing', async (t) => {
  const conns = connections(t);
  const runner = await connectSsh(
    target('drop', {
      options: [
        ...target('drop').options,
        { name: 'ServerAliveInterval', value: '1' },
        { name: 'ServerAliveCountMax', value: '2' },
      ],
    }),
    conns,
    NO_LOG,
  );
  const running = runner.run('sleep', ['30'], { allowFailure: true });
  // The command is running on the host before the link goes.
  const deadline = Date.now() + 10_000;
  // The second session: connect's `id -u` was the first.
  while (
    (
      lab
        .host('drop')
        .sshdLog()
        .match(/Starting session: command/g) ?? []
    ).length < 2
  ) {
    if (Date.now() > deadline) t.fail('the command never started');
    await new Promise((r) => setTimeout(r, 50));
  }
  lab.host('drop').dropLink();
  t.teardown(() => lab.host('drop').restoreLink());
  const err = await t.throwsAsync(running, { instanceOf: SshError });
  t.log(err!.result?.stderr);
  t.regex(err!.message, /^drop: the connection to 10\.213\.0\.\d+ broke while `sleep 30` ran/);
  t.regex(err!.hint!, /run kubestrap again when the host is back/);
});

sshTest('sudo that wants a password is named, and no command runs', async (t) => {
  const err = await t.throwsAsync(connectSsh(target('a', { user: 'plain' }), connections(t), NO_LOG), {
    instanceOf: SshError,
  });
  t.regex(err!.message, /^a: sudo asks plain for a password, and kubestrap never types one/);
});

sshTest('a secret never rides in a command line; the log shows commands and output redacted', async (t) => {
  const file = path.join(lab.dir, 'secret-test.log');
  const runner = await connectSsh(target('a'), connections(t), new FileLog(file));
  const token = 'abcdef.0123456789abcdef';
  await t.throwsAsync(runner.run('kubeadm', ['join', '--token', token]), { message: /refusing to send a secret/ });
  t.false(lab.host('a').sshdLog().includes('kubeadm'), 'nothing was sent');
  const r = await runner.run('cat', [], { input: `token: ${token}\n` });
  t.is(r.stdout, `token: ${token}\n`, 'the output itself is for the caller');
  const logged = readFileSync(file, 'utf8');
  t.regex(logged, /\$ \[a\] cat\n/);
  t.regex(logged, /token: abcdef\.<redacted>/);
  t.false(logged.includes('0123456789abcdef'));
});

sshTest('options OpenSSH refuses are found before any host is contacted', async (t) => {
  t.deepEqual(await refusedOptions(target('a')), []);
  const bad = await refusedOptions(
    target('a', {
      options: [
        { name: 'ServerAliveInterval', value: '5' },
        { name: 'NoSuchOption', value: 'x' },
        { name: 'StrictHostKeyChecking', value: 'maybe' },
      ],
    }),
  );
  t.deepEqual(
    bad.map((b) => b.index),
    [1, 2],
  );
  t.regex(bad[0].message, /Bad configuration option: nosuchoption/);
});
