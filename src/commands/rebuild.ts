/** `kubestrap rebuild`: reset, then up; one command, one confirmation. */
import os from 'node:os';
import type { Io } from '../io.js';
import { confirm } from '../io.js';
import { UserError } from '../errors.js';
import { loadClusterConfig } from '../session/config.js';
import { render } from '../render/index.js';
import { hostPaths } from '../host/paths.js';
import { LocalHost } from '../host/access.js';
import { isKubeadmNode } from '../host/kubeadm-node.js';
import { resetCommand } from './reset.js';
import { upCommand } from './up.js';

export interface RebuildOptions {
  config?: string;
  yes?: boolean;
  quiet?: boolean;
  output?: string;
  iptables?: string;
}

export async function rebuildCommand(opts: RebuildOptions, io: Io, signal: AbortSignal): Promise<number> {
  // A bad config must stop the rebuild before the old cluster is torn down.
  render(loadClusterConfig(opts.config));
  if (!opts.yes) {
    if (!io.tty)
      throw new UserError("rebuild destroys this node's cluster first; pass --yes to confirm when not on a terminal");
    if (!(await confirm(io, `Tear down the cluster on ${os.hostname()} and build it again?`))) {
      io.err('Nothing changed.');
      return 1;
    }
  }
  if (await isKubeadmNode(new LocalHost(hostPaths()))) {
    const code = await resetCommand({ yes: true, iptables: opts.iptables, quiet: opts.quiet }, io, signal, true);
    if (code !== 0) return code;
  }
  return upCommand({ config: opts.config, yes: true, quiet: opts.quiet, output: opts.output }, io, signal);
}
