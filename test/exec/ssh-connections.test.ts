/** Where the shared connections' sockets go: a path ssh can bind whatever TMPDIR is. */
import test from 'ava';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SshConnections } from '../../src/exec/ssh.js';

test('a long temporary folder still gives socket paths that fit sun_path, in a folder of the run alone', async (t) => {
  // macOS's TMPDIR (/var/folders/...) or a test runner's nested one.
  const c = new SshConnections(path.join('/tmp', 'a-very-long-temporary-folder-name', 'x'.repeat(40)));
  t.teardown(() => c.close());
  // ssh binds DIR/%C.<16 random characters> (40 hex digits for %C) before renaming it.
  t.true(`${c.dir}/${'f'.repeat(40)}.${'r'.repeat(16)}`.length < 104, c.dir);
  t.is(statSync(c.dir).mode & 0o777, 0o700);
  await c.close();
  t.false(existsSync(c.dir));
});

test('a short temporary folder is used as it is', async (t) => {
  const c = new SshConnections('/tmp');
  t.teardown(() => c.close());
  t.regex(c.dir, /^\/tmp\/kubestrap-ssh-\w{6}$/);
});
