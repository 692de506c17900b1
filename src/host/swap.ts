/**
 * Swap off, now and after a reboot: the kubelet refuses to start with swap on (its
 * default failSwapOn), so a fix that lasts only until the next boot breaks the node
 * then. Swap comes back from an /etc/fstab line, or from a unit a generator makes
 * (a GPT swap partition, zram) that only masking stops.
 */
import type { Runner } from '../exec/runner.js';
import type { HostAccess } from './access.js';
import type { HostPaths } from './paths.js';

export const FSTAB = '/etc/fstab';

/** A line of fstab that mounts swap (the third field is `swap`), not commented out. */
const FSTAB_SWAP_LINE = /^[ \t]*[^#\s]+[ \t]+\S+[ \t]+swap([ \t].*)?$/m;

/** GNU sed -E: comments out every swap line of fstab, leaving the rest as it was. */
export const FSTAB_SWAP_SED =
  's/^([[:space:]]*[^#[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+swap([[:space:]].*)?)$/# \\1/';

export interface SwapState {
  /** Active swap devices (`swapon --show`). */
  active: string[];
  /** fstab still turns swap on at boot. */
  inFstab: boolean;
  /** Swap units systemd knows (and will start at boot unless masked). */
  units: string[];
}

export async function readSwap(runner: Runner, host: HostAccess): Promise<SwapState> {
  const show = await runner.run('swapon', ['--show', '--noheadings'], { allowFailure: true });
  const active =
    show.exitCode === 0
      ? show.stdout
          .split('\n')
          .map((l) => l.trim().split(/\s+/)[0])
          .filter(Boolean)
      : [];
  // No fstab (a container, a minimal image): nothing there turns swap on.
  const fstab = (await host.readText(host.paths.at(FSTAB)).catch(() => undefined)) ?? '';
  const list = await runner.run('systemctl', ['list-units', '--type=swap', '--all', '--plain', '--no-legend'], {
    allowFailure: true,
  });
  const units =
    list.exitCode === 0
      ? list.stdout
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((f) => f[0]?.endsWith('.swap') && f[1] !== 'masked' && f[1] !== 'not-found')
          .map((f) => f[0])
      : [];
  return { active, inFstab: FSTAB_SWAP_LINE.test(fstab), units };
}

/** The commands that turn swap off now and keep it off after a reboot. */
export function swapFixes(state: SwapState, paths: HostPaths): { argv: string[] }[] {
  const fixes: { argv: string[] }[] = [];
  if (state.active.length) fixes.push({ argv: ['swapoff', '-a'] });
  if (state.inFstab) fixes.push({ argv: ['sed', '-i', '-E', FSTAB_SWAP_SED, paths.at(FSTAB)] });
  if (state.units.length) fixes.push({ argv: ['systemctl', 'mask', ...state.units] });
  return fixes;
}

/** Swap is off and stays off: no active device, no fstab line, no unit left to start it at boot. */
export function swapSettled(state: SwapState): boolean {
  return state.active.length === 0 && !state.inFstab && state.units.length === 0;
}

export function describeSwap(state: SwapState): string {
  if (swapSettled(state)) return 'swap is off, and nothing turns it on at boot';
  const why: string[] = [];
  if (state.inFstab) why.push(`${FSTAB} mounts it`);
  if (state.units.length) why.push(`systemd starts ${state.units.join(', ')}`);
  const boot = why.length ? ` and comes back at boot (${why.join('; ')})` : '';
  return state.active.length
    ? `swap is on (${state.active[0]})${boot}; the kubelet refuses to start with swap`
    : `swap is off now but comes back at boot (${why.join('; ')}); the kubelet would then refuse to start`;
}
