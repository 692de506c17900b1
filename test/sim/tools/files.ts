/**
 * Sandbox guards for host commands kubestrap runs that are not simulated tools:
 * - `tee FILE...`: the node's filesystem is the root, so an absolute path outside it
 *   is written under it (`/etc/sysctl.d/x` -> $ROOT/etc/sysctl.d/x); stdin is copied
 *   to stdout as tee does. The call log shows the argv as given.
 * - `ipvsadm`: absent on the simulated node (IPVS is not used): exit 127 as a shell
 *   reports a missing command, so a real ipvsadm on the test machine is never run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Sim } from '../state.js';

export async function run(sim: Sim): Promise<number> {
  if (sim.tool === 'ipvsadm') {
    sim.io.err('ipvsadm: command not found\n');
    return 127;
  }
  const append = sim.argv.includes('-a') || sim.argv.includes('--append');
  const targets = sim.argv.filter((a) => !a.startsWith('-'));
  const bad = sim.argv.find(
    (a) => a.startsWith('-') && !['-a', '--append', '-p', '-i', '--ignore-interrupts'].includes(a),
  );
  if (bad) {
    sim.io.err(`tee: the simulated node does not model ${bad}\n`);
    return 1;
  }
  const input = sim.io.stdin();
  let code = 0;
  for (const t of targets) {
    const abs = path.resolve(t);
    const f = sim.root === '/' || abs.startsWith(`${sim.root}/`) || !path.isAbsolute(t) ? abs : sim.at(abs);
    try {
      fs.mkdirSync(path.dirname(f), { recursive: true });
      if (append) fs.appendFileSync(f, input);
      else fs.writeFileSync(f, input);
    } catch (e) {
      sim.io.err(
        `tee: ${t}: ${(e as NodeJS.ErrnoException).code === 'EACCES' ? 'Permission denied' : 'No such file or directory'}\n`,
      );
      code = 1;
    }
  }
  sim.io.out(input);
  return code;
}
