/**
 * Every shell snippet the project ships passes shellcheck: the Vagrantfile's
 * shell provisioners (their `path` scripts and any `inline` script or trigger
 * `run`/`run_remote` inline script, found by loading the Vagrantfile, not by a
 * list kept here), .ci/run, and every *.sh or shell-shebang file in the tree.
 */
import { execa } from 'execa';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, dumpVagrantfile, needs, tmpDir } from './helpers.js';
import { requiresAll } from '../helpers/requires.js';

const shellcheck = needs('shellcheck');
const rubyTool = needs('ruby', ['-e', 'exit 0']);
const stest = requiresAll(shellcheck, rubyTool);

// Not shipped: dependencies, build output, and .cache (the test/real tier's Go module cache).
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.vagrant', '.lab', 'rendered', 'out', '.cache']);
const SHELL_SHEBANG = /^#!\s*(\/usr\/bin\/env\s+)?(\/bin\/|\/usr\/bin\/)?(sh|bash|dash|ksh)\b/;

/** Shell files in the tree: *.sh, and files starting with a sh/bash shebang. */
function shellFiles(dir = REPO, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...shellFiles(dir, r));
    } else if (e.isFile()) {
      if (e.name.endsWith('.sh')) out.push(r);
      else {
        const head = readFileSync(path.join(dir, r)).subarray(0, 64).toString('utf8');
        if (SHELL_SHEBANG.test(head)) out.push(r);
      }
    }
  }
  return out.sort();
}

async function check(file: string, extra: string[] = []) {
  const r = await execa('shellcheck', ['--format=gcc', '--external-sources', ...extra, file], {
    reject: false,
    cwd: REPO,
  });
  return { exitCode: r.exitCode ?? -1, output: `${r.stdout}${r.stderr}` };
}

stest("the Vagrantfile's shell provisioners and inline snippets pass shellcheck", async (t) => {
  const d = await dumpVagrantfile('workers: {count: 2}\n');
  const paths = new Set(
    d.machines.flatMap((m) => m.provisioners.filter((p) => p.type === 'shell' && p.path).map((p) => p.path!)),
  );
  t.deepEqual([...paths], ['scripts/lab/bootstrap.sh']);
  for (const p of paths) {
    const r = await check(p);
    t.is(r.exitCode, 0, `${p}:\n${r.output}`);
  }
  // Inline snippets run by Vagrant's shell provisioner (bash unless they say otherwise).
  const dir = tmpDir('inline');
  for (const [i, s] of d.inlineShell.entries()) {
    const file = path.join(dir, `inline-${i}.sh`);
    writeFileSync(file, s.script);
    const r = await check(file, s.script.startsWith('#!') ? [] : ['--shell=bash']);
    t.is(r.exitCode, 0, `${s.where}:\n${s.script}\n${r.output}`);
  }
  t.log(`${paths.size} provisioner script(s), ${d.inlineShell.length} inline snippet(s)`);
});

stest('inline shell snippets are found wherever a Vagrantfile puts them', async (t) => {
  // The extraction itself, on a Vagrantfile that has every kind.
  const dir = tmpDir('vf');
  writeFileSync(
    path.join(dir, 'Vagrantfile'),
    [
      "Vagrant.configure('2') do |config|",
      "  config.vm.provision 'one', type: 'shell', inline: 'echo \"$1\"'",
      "  config.vm.define 'm' do |m|",
      "    m.vm.provision 'two', type: 'shell' do |s|",
      "      s.inline = 'echo $UNQUOTED'",
      '    end',
      '    m.trigger.after :up do |t|',
      "      t.run = { inline: 'echo up' }",
      "      t.run_remote = { inline: 'uptime' }",
      '    end',
      '  end',
      'end',
      '',
    ].join('\n'),
  );
  const d = await dumpVagrantfile(undefined, path.join(dir, 'Vagrantfile'));
  t.deepEqual(
    d.inlineShell.map((s) => s.script),
    ['echo "$1"', 'echo $UNQUOTED', 'echo up', 'uptime'],
  );
  // And shellcheck catches the unquoted one.
  const file = path.join(dir, 'bad.sh');
  writeFileSync(file, 'echo $UNQUOTED\n');
  const bad = await check(file, ['--shell=bash']);
  t.not(bad.exitCode, 0);
  t.regex(bad.output, /SC2086/);
});

stest('every shell file the project ships passes shellcheck (.ci/run included)', async (t) => {
  const files = shellFiles();
  t.true(files.includes('.ci/run'), files.join(', '));
  t.true(files.includes('scripts/lab/bootstrap.sh'), files.join(', '));
  for (const f of files) {
    const r = await check(f);
    t.is(r.exitCode, 0, `${f}:\n${r.output}`);
  }
  t.log(files.join(', '));
});
