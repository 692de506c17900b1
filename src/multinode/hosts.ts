/**
 * The hosts of an inventory, each reached over SSH and seen as a host the steps can work
 * on: a runner that runs there, its files through that runner (RemoteHost), its paths,
 * and the user the kubeconfig is installed for (root: the SSH user reaches root through
 * sudo, and kubestrap itself runs as root on a host).
 */
import path from 'node:path';
import type { InventoryHost } from '../config/inventory.js';
import type { InvokingUser } from '../session/context.js';
import { RemoteHost } from '../host/access.js';
import { hostPaths, type HostPaths } from '../host/paths.js';
import type { Log } from '../exec/runner.js';
import type { Runner } from '../exec/runner.js';
import { connectSsh, refusedOptions, type SshConnections, type SshTarget } from '../exec/ssh.js';
import { UserErrors } from '../errors.js';
import type { Inventory } from '../config/inventory.js';

export interface ConnectedHost {
  spec: InventoryHost;
  runner: Runner;
  access: RemoteHost;
  paths: HostPaths;
  user: InvokingUser;
}

export function sshTarget(h: InventoryHost): SshTarget {
  return {
    name: h.name,
    address: h.address,
    user: h.ssh.user,
    port: h.ssh.port,
    identityFile: h.ssh.identityFile,
    options: h.ssh.options.map((o) => ({ name: o.name, value: o.value })),
  };
}

/**
 * Logs in (checking the host key, and that sudo needs no password) and learns where the
 * host keeps kubestrap's files: under its KUBESTRAP_ROOT when its environment sets one,
 * exactly as kubestrap run on that host would (staging hosts and the tests' simulated
 * nodes), else under `/`.
 */
export async function connectHost(
  spec: InventoryHost,
  connections: SshConnections,
  log: Log,
  signal: AbortSignal,
): Promise<ConnectedHost> {
  const runner = await connectSsh(sshTarget(spec), connections, log, signal);
  const env = await runner.run('printenv', ['KUBESTRAP_ROOT'], { allowFailure: true, signal });
  const root = env.exitCode === 0 && env.stdout.trim().startsWith('/') ? env.stdout.trim() : '/';
  const paths = hostPaths(root);
  const pw = await runner.run('getent', ['passwd', 'root'], { allowFailure: true, signal });
  const fields = pw.exitCode === 0 ? pw.stdout.trim().split('\n')[0].split(':') : [];
  const home = fields.length >= 6 && fields[5].startsWith('/') ? fields[5] : '/root';
  return {
    spec,
    runner,
    access: new RemoteHost(runner, paths, spec.name, 0, signal),
    paths,
    user: { name: 'root', uid: 0, gid: 0, home: path.posix.normalize(home) },
  };
}

/**
 * Options OpenSSH itself refuses (a misspelt name, a bad value), found with `ssh -G`
 * (reads the configuration, contacts nobody) and reported at their inventory line, so
 * a typo stops the run before any host is touched rather than on one host mid-way.
 */
export async function checkSshOptions(inventory: Inventory): Promise<void> {
  const found = await Promise.all(
    inventory.hosts.map(async (h) =>
      (await refusedOptions(sshTarget(h))).map((r) =>
        inventory.errorAt(h.ssh.options[r.index].field, `OpenSSH refuses this option: ${r.message}`),
      ),
    ),
  );
  // The defaults' options are every host's: report each once.
  const seen = new Set<string>();
  const errors = found.flat().filter((e) => {
    const key = e.toString();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (errors.length) throw new UserErrors(errors);
}
