/**
 * The swap fix outlives a reboot: preflight turns swap off, comments it out of
 * /etc/fstab and masks the swap units systemd would start at boot, so the kubelet
 * (which refuses to run with swap) comes back with the node.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { FAST_TIMING } from '../sim/install.js';
import { lab } from './harness.js';

const CONFIG = 'kubernetesVersion: v1.31.4\ncontrolPlane: {nodeName: cp}\n';

for (const from of ['fstab', 'generator'] as const) {
  test(`swap from ${from === 'fstab' ? 'an /etc/fstab line' : 'a generated unit (GPT partition, zram)'} stays off after a reboot`, async (t) => {
    const l = await lab(CONFIG, {
      kubernetesVersion: 'v1.31.4',
      host: { swap: true, swapFrom: from },
      timing: FAST_TIMING,
    });
    t.teardown(() => l.node.cleanup());
    const r = await l.kubestrap(['up', '--yes']);
    t.is(r.exitCode, 0, r.stderr);
    t.regex(r.stderr, /swap: swap is on \(\S+\) and comes back at boot/);
    const fstab = readFileSync(l.node.at('/etc/fstab'), 'utf8');
    t.false(/^[^#].*\sswap\s/m.test(fstab), fstab);
    t.true(fstab.includes('UUID=0a1b / ext4 defaults 0 1'), 'the other lines are kept');
    if (from === 'fstab') t.regex(fstab, /^# \/swap\.img\tnone\tswap\tsw\t0\t0$/m);
    l.node.reboot();
    const after = await l.node.exec('swapon', ['--show', '--noheadings']);
    t.is(after.stdout, '', 'no swap after the reboot');
    // And a second preflight finds nothing to do.
    const again = await l.kubestrap(['up']);
    t.is(again.exitCode, 0, again.stderr);
  });
}

test('swap off now but in /etc/fstab: preflight says it comes back at boot and offers the fix', async (t) => {
  const l = await lab(CONFIG, { kubernetesVersion: 'v1.31.4', host: { swap: true }, timing: FAST_TIMING });
  t.teardown(() => l.node.cleanup());
  await l.node.exec('swapoff', ['-a']);
  const r = await l.kubestrap(['up']);
  t.is(r.exitCode, 1);
  t.regex(
    r.stderr,
    /swap: swap is off now but comes back at boot \(\/etc\/fstab mounts it; systemd starts swap\.img\.swap\)/,
  );
  t.regex(r.stderr, /fix: sed -i -E .* \S+\/etc\/fstab && systemctl mask swap\.img\.swap/);
});
