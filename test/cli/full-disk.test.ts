/**
 * `render -o` on a full disk: a small tmpfs mounted in a private mount namespace
 * (gone with the process, invisible to the host), filled up, then rendered into.
 * The render must fail with one line naming the path, and the previous render
 * must be exactly as it was.
 */
import test from 'ava';
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';

const canMount =
  spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=64k ks /mnt'])
    .status === 0;
const mountTest = canMount || process.env.CI ? test : test.skip;
if (!canMount) console.log('full-disk render test skipped: cannot mount a tmpfs in a private mount namespace here');

const SCRIPT = `
set -u
mnt=$1; cli=$2
mount -t tmpfs -o size=200k kstest "$mnt" || exit 99
cd "$mnt"
printf 'kubernetesVersion: v1.24.17\\n' > one.yaml
printf 'kubernetesVersion: v1.31.4\\ningress: {enabled: true}\\ntenants: [{namespace: demo}]\\n' > two.yaml
node "$cli" render -c one.yaml -o out >/dev/null 2>&1 || exit 98
echo "--- before"; find out -type f | sort | xargs sha256sum
dd if=/dev/zero of=fill bs=4k >/dev/null 2>&1
err=$(node "$cli" render -c two.yaml -o out 2>&1 >/dev/null); rc=$?
echo "--- rc $rc"; echo "$err"
echo "--- after"; find out -type f | sort | xargs sha256sum
echo "--- leftovers"; find out -name '*.tmp'
`;

mountTest('render -o on a full disk: exit 2 naming the file, the previous render kept', async (t) => {
  t.true(canMount, 'CI must be able to mount a tmpfs in a private mount namespace');
  const mnt = mkdtempSync(path.join(tmpdir(), 'ks-fulldisk-'));
  try {
    const r = await execa('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', SCRIPT, 'sh', mnt, CLI], {
      reject: false,
    });
    t.is(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const out = String(r.stdout);
    const section = (name: string) => out.split(`--- ${name}`)[1].split('\n--- ')[0].trim();
    const before = section('before');
    t.regex(before, /out\/manifests\/02-cni\.yaml/);
    t.regex(out, /--- rc 2\n/);
    const err = out.split('--- rc 2\n')[1].split('\n--- ')[0].trim();
    t.regex(err, /^error: out\/\S+: no space left on the device$/);
    t.is(section('after'), before, 'every file of the previous render, byte for byte, and no new one');
    t.is(section('leftovers'), '', 'no temporary file left behind');
  } finally {
    rmSync(mnt, { recursive: true, force: true });
  }
});
