/**
 * Hosts reached over real SSH, for tests: each host is a network namespace running
 * Debian's sshd with its own host key and config, wired with veth pairs to a bridge in
 * a client namespace where the test runs ssh (and kubestrap). Nothing touches the
 * machine's own network namespace: the namespaces, links and addresses are the run's
 * own (names carry the pid and a random suffix), and everything is removed when the
 * test ends, pass or fail (sshd and any process left in the namespaces included).
 *
 * Each sshd runs in a private mount namespace too, with its own /run (for its privilege
 * separation directory), /etc/passwd (root's home is the host's scratch folder, so no
 * shell startup file of the machine's root runs) and, for a login that is not root, a
 * user `kube` with passwordless sudo (and `plain`, who may not use sudo). `SetEnv` gives every session the host's
 * environment: a simulated node's fakes first on PATH, its KUBESTRAP_ROOT and state.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { netnsAvailable } from './netns.js';
import { requires } from './requires.js';
import { onCleanup, scratchDir, type Teardown } from './scratch.js';

const sshAvailable =
  spawnSync('test', ['-x', '/usr/sbin/sshd']).status === 0 &&
  spawnSync('ssh', ['-V']).status === 0 &&
  spawnSync('ssh-keygen', ['--help']).error === undefined &&
  spawnSync('sudo', ['--version']).status === 0;

/** Tests that need network namespaces, sshd, ssh and sudo (root, iproute2, openssh-server, sudo). */
export const sshTest = requires(
  netnsAvailable() && sshAvailable,
  'no network namespaces, sshd or sudo: run as root with iproute2, openssh-server, openssh-client and sudo (apt-get install ...)',
);

export const SUBNET = '10.213.0';
export const CLIENT_ADDRESS = `${SUBNET}.1`;
/** On the lab's network, where no host answers. */
export const UNREACHABLE_ADDRESS = `${SUBNET}.250`;

export interface LabHostOptions {
  name: string;
  /** The environment of every session (PATH with the fakes first, KUBESTRAP_ROOT, SIM_STATE ...). */
  env?: Record<string, string>;
}

export interface LabHost {
  name: string;
  address: string;
  ns: string;
  dir: string;
  /** What sshd logged so far (connections, authentications). */
  sshdLog(): string;
  /** Restarts sshd, with a fresh host key when asked (a reinstalled host, or an intruder). */
  restartSshd(opts?: { newHostKey?: boolean }): Promise<void>;
  /** The host vanishes from the network (its link goes down), or comes back. */
  dropLink(): void;
  restoreLink(): void;
}

export interface SshLab {
  clientNs: string;
  dir: string;
  /** The client's private key (authorized on every host). */
  identityFile: string;
  knownHosts: string;
  hosts: LabHost[];
  host(name: string): LabHost;
  /** argv run in the client namespace (ssh and kubestrap run there). */
  clientArgv(argv: string[]): string[];
  /** The ssh options every test inventory carries: its own known_hosts, new keys accepted once. */
  sshOptions: Record<string, string>;
}

function run(argv: string[], input?: string): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function keygen(file: string): void {
  run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', path.basename(file), '-f', file]);
}

/** Every process in a namespace, then the namespace. */
function removeNamespace(ns: string): void {
  for (const signal of ['TERM', 'KILL']) {
    const pids =
      spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.split(/\s+/).filter(Boolean) ?? [];
    for (const pid of pids) {
      try {
        process.kill(Number(pid), signal === 'TERM' ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    if (pids.length === 0) break;
    // Give SIGTERM a moment to work before SIGKILL: a condition with a deadline.
    const deadline = Date.now() + 2000;
    while (
      Date.now() < deadline &&
      (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').trim() !== ''
    )
      spawnSync('sleep', ['0.05']);
  }
  spawnSync('ip', ['netns', 'del', ns]);
}

const SSHD_SCRIPT = [
  'set -e',
  'mount -t tmpfs -o mode=755 tmpfs /run',
  'mkdir -m 755 /run/sshd',
  'mount --bind "$1/etc/passwd" /etc/passwd',
  'mount --bind "$1/etc/group" /etc/group',
  'mount --bind "$1/etc/shadow" /etc/shadow',
  'mount --bind "$1/etc/sudoers" /etc/sudoers',
  'exec /usr/sbin/sshd -D -e -f "$1/sshd_config"',
].join('\n');

/**
 * A lab of `hosts`, removed when `t` ends. Host i gets address SUBNET.(11+i) and its own
 * namespace; the client namespace has SUBNET.1 on a bridge all hosts are plugged into.
 */
export async function createSshLab(t: Teardown, hosts: LabHostOptions[]): Promise<SshLab> {
  const id = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const dir = scratchDir('ks-ssh', t);
  // sshd refuses keys and configs others may write; the scratch folder is the test's own.
  chmodSync(dir, 0o755);
  const clientNs = `ks-${id}-c`;
  const namespaces: string[] = [];
  const sshds = new Map<string, ChildProcess>();
  onCleanup(() => {
    for (const p of sshds.values()) p.kill('SIGKILL');
    for (const ns of namespaces.reverse()) removeNamespace(ns);
  }, t);

  run(['ip', 'netns', 'add', clientNs]);
  namespaces.push(clientNs);
  const inClient = (...argv: string[]) => run(['ip', '-n', clientNs, ...argv]);
  inClient('link', 'set', 'lo', 'up');
  inClient('link', 'add', 'br0', 'type', 'bridge');
  inClient('addr', 'add', `${CLIENT_ADDRESS}/24`, 'dev', 'br0');
  inClient('link', 'set', 'br0', 'up');

  const identityFile = path.join(dir, 'id_ed25519');
  keygen(identityFile);
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, '');
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .filter((l) => l && !/^(root|kube|plain):/.test(l));
  const group = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .filter((l) => l && !/^(kube|plain):/.test(l));

  const labHosts: LabHost[] = [];
  for (const [i, h] of hosts.entries()) {
    const ns = `ks-${id}-h${i}`;
    const hostDir = path.join(dir, h.name);
    const address = `${SUBNET}.${11 + i}`;
    const veth = `v${id.slice(-6)}${i}`.slice(0, 15);
    mkdirSync(path.join(hostDir, 'etc'), { recursive: true });
    mkdirSync(path.join(hostDir, 'home'), { mode: 0o700 });
    mkdirSync(path.join(hostDir, 'home-kube'), { mode: 0o700 });
    mkdirSync(path.join(hostDir, 'home-plain'), { mode: 0o700 });
    run(['ip', 'netns', 'add', ns]);
    namespaces.push(ns);
    // Created inside the namespaces: no link ever appears in the machine's own.
    inClient('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    inClient('link', 'set', veth, 'master', 'br0');
    inClient('link', 'set', veth, 'up');
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    run(['ip', '-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);

    writeFileSync(
      path.join(hostDir, 'etc/passwd'),
      [
        `root:x:0:0:root:${hostDir}/home:/bin/sh`,
        ...passwd,
        `kube:x:4242:4242:kube:${hostDir}/home-kube:/bin/sh`,
        `plain:x:4243:4243:plain:${hostDir}/home-plain:/bin/sh`,
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(hostDir, 'etc/group'), [...group, 'kube:x:4242:', 'plain:x:4243:', ''].join('\n'));
    // sudo's PAM account check wants a shadow entry (no password: '*' can never log in with one).
    writeFileSync(
      path.join(hostDir, 'etc/shadow'),
      `${['root', 'kube', 'plain', 'sshd'].map((u) => `${u}:*:19000:0:99999:7:::`).join('\n')}\n`,
      { mode: 0o640 },
    );
    chownSync(path.join(hostDir, 'home-kube'), 4242, 4242);
    chownSync(path.join(hostDir, 'home-plain'), 4243, 4243);
    // The session's environment must reach the commands sudo runs, PATH included.
    const keep = ['PATH', ...Object.keys(h.env ?? {}), 'KUBESTRAP_TEST_RUN'].join(' ');
    writeFileSync(
      path.join(hostDir, 'etc/sudoers'),
      `Defaults !secure_path\nDefaults env_keep += "${keep}"\nDefaults !lecture\nroot ALL=(ALL:ALL) ALL\nkube ALL=(ALL:ALL) NOPASSWD: ALL\n`,
      { mode: 0o440 },
    );
    writeFileSync(path.join(hostDir, 'authorized_keys'), readFileSync(`${identityFile}.pub`));
    keygen(path.join(hostDir, 'ssh_host_ed25519_key'));
    const env: Record<string, string> = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      ...(process.env.KUBESTRAP_TEST_RUN ? { KUBESTRAP_TEST_RUN: process.env.KUBESTRAP_TEST_RUN } : {}),
      ...h.env,
    };
    const setEnv = Object.entries(env)
      .map(([k, v]) => {
        if (/[\s"]/.test(v)) throw new Error(`ssh-lab: ${k} has a space or a quote, which SetEnv cannot carry here`);
        return `${k}=${v}`;
      })
      .join(' ');
    writeFileSync(
      path.join(hostDir, 'sshd_config'),
      [
        `ListenAddress ${address}`,
        'Port 22',
        `HostKey ${hostDir}/ssh_host_ed25519_key`,
        'PidFile none',
        `AuthorizedKeysFile ${hostDir}/authorized_keys`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'LogLevel VERBOSE',
        'MaxSessions 64',
        'MaxStartups 64',
        `SetEnv ${setEnv}`,
        '',
      ].join('\n'),
    );
    const log: string[] = [];
    const start = async () => {
      const p = spawn(
        'ip',
        ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', SSHD_SCRIPT, 'sh', hostDir],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      sshds.set(h.name, p);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sshd of ${h.name} did not start:\n${log.join('')}`)), 15_000);
        p.stderr!.setEncoding('utf8');
        p.stderr!.on('data', (chunk: string) => {
          log.push(chunk);
          if (log.join('').includes(`Server listening on ${address} port 22`)) {
            clearTimeout(timer);
            resolve();
          }
        });
        p.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`sshd of ${h.name} exited (${code}):\n${log.join('')}`));
        });
      });
      p.removeAllListeners('exit');
    };
    await start();
    labHosts.push({
      name: h.name,
      address,
      ns,
      dir: hostDir,
      sshdLog: () => log.join(''),
      async restartSshd(opts = {}) {
        const old = sshds.get(h.name)!;
        const gone = new Promise((r) => old.once('exit', r));
        old.kill('SIGTERM');
        await gone;
        if (opts.newHostKey) {
          for (const f of ['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub'])
            spawnSync('rm', ['-f', path.join(hostDir, f)]);
          keygen(path.join(hostDir, 'ssh_host_ed25519_key'));
        }
        log.push('--- restarted ---\n');
        await start();
      },
      dropLink: () => run(['ip', '-n', ns, 'link', 'set', 'eth0', 'down']),
      restoreLink: () => run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']),
    });
  }
  return {
    clientNs,
    dir,
    identityFile,
    knownHosts,
    hosts: labHosts,
    host: (name) => {
      const h = labHosts.find((x) => x.name === name);
      if (!h) throw new Error(`ssh-lab: no host ${name}`);
      return h;
    },
    clientArgv: (argv) => ['ip', 'netns', 'exec', clientNs, ...argv],
    sshOptions: { UserKnownHostsFile: knownHosts, StrictHostKeyChecking: 'accept-new' },
  };
}
