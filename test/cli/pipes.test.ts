/**
 * Output through real pipes and input from a redirected stdin: what a shell pipeline
 * (`kubestrap policy check -o json -f big.json | jq ...`, `... -f - < file`) gives the
 * process, not what a test harness that buffers everything gives it.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import type { Stream } from 'node:stream';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';

function tmpDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-pipes-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `n` Deployments as one kubectl-style JSON List; every third one runs privileged (one reason to refuse it at restricted). */
function deploymentList(n: number): string {
  const items = [];
  for (let i = 0; i < n; i++) {
    const sc = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true };
    if (i % 3 === 0) Object.assign(sc, { privileged: true });
    items.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `web-${i}`, namespace: `team-${i % 7}` },
      spec: {
        template: {
          spec: {
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{ name: 'web', image: 'nginx', securityContext: sc }],
          },
        },
      },
    });
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 4);
}

interface Piped {
  code: number | null;
  stderr: string;
  /** What the reader at the other end of the pipe printed. */
  received: string;
}

/**
 * Runs kubestrap with its stdout connected by an OS pipe to a separate reader process,
 * as `kubestrap ... | reader` does. The reader only starts reading once it is up, well
 * after kubestrap has queued its output.
 */
function pipeThrough(
  args: string[],
  readerScript: string,
  stdin: 'ignore' | number | Stream = 'ignore',
): Promise<Piped> {
  const reader = spawn(process.execPath, ['-e', readerScript], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ks = spawn(process.execPath, [CLI, ...args], { stdio: [stdin, reader.stdin, 'pipe'] });
  // Our copy of the pipe's write end must close, or the reader never sees the end.
  reader.stdin.destroy();
  let stderr = '';
  ks.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let received = '';
  reader.stdout.setEncoding('utf8').on('data', (d: string) => (received += d));
  const ksDone = new Promise<number | null>((resolve) => ks.on('close', resolve));
  const readerDone = new Promise<void>((resolve) => reader.on('close', () => resolve()));
  return Promise.all([ksDone, readerDone]).then(([code]) => ({ code, stderr, received }));
}

// Reads all of stdin, then reports how many entries the JSON array holds and how many were admitted.
const COUNT_JSON = `let s='';process.stdin.setEncoding('utf8');process.stdin.on('data',d=>s+=d).on('end',()=>{
  try { const a = JSON.parse(s); console.log(JSON.stringify({entries: a.length, admitted: a.filter(e => e.admitted).length})); }
  catch (e) { console.log(JSON.stringify({bytes: s.length, error: String(e.message).slice(0, 80)})); }
});`;

// Counts the lines of stdin and prints the last one.
const COUNT_LINES = `let s='';process.stdin.setEncoding('utf8');process.stdin.on('data',d=>s+=d).on('end',()=>{
  const lines = s.split('\\n').filter(Boolean); console.log(JSON.stringify({lines: lines.length, last: lines.at(-1)}));
});`;

test('policy check -o json through a pipe: all 20,000 entries arrive although pods are refused (exit 1)', async (t) => {
  const file = path.join(tmpDir(t), 'big.json');
  writeFileSync(file, deploymentList(20_000));
  const r = await pipeThrough(['policy', 'check', '-f', file, '--level', 'restricted', '-o', 'json'], COUNT_JSON);
  t.is(r.code, 1, r.stderr);
  t.deepEqual(JSON.parse(r.received), { entries: 20_000, admitted: 13_333 });
});

test('policy check text output through a pipe ends with its summary line', async (t) => {
  const file = path.join(tmpDir(t), 'big.json');
  writeFileSync(file, deploymentList(20_000));
  const r = await pipeThrough(['policy', 'check', '-f', file, '--level', 'restricted'], COUNT_LINES);
  t.is(r.code, 1, r.stderr);
  // One line per pod, a reason line under each refused one, then the summary.
  t.deepEqual(JSON.parse(r.received), {
    lines: 20_000 + 6_667 + 1,
    last: '20000 pods: 13333 admitted, 6667 refused',
  });
});

test('policy migrate --to vap -o yaml through a pipe: every object arrives', async (t) => {
  // Any command that prints a lot ends the same way (cli.ts); migrate prints megabytes here.
  const policies = Array.from({ length: 300 }, (_, i) => ({
    apiVersion: 'policy/v1beta1',
    kind: 'PodSecurityPolicy',
    metadata: { name: `p${i}` },
    spec: {
      privileged: false,
      allowPrivilegeEscalation: false,
      requiredDropCapabilities: ['ALL'],
      volumes: ['configMap', 'emptyDir', 'secret'],
      runAsUser: { rule: 'MustRunAsNonRoot' },
      seLinux: { rule: 'RunAsAny' },
      supplementalGroups: { rule: 'MustRunAs', ranges: [{ min: 1, max: 65535 }] },
      fsGroup: { rule: 'MustRunAs', ranges: [{ min: 1, max: 65535 }] },
    },
  }));
  const file = path.join(tmpDir(t), 'psps.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: policies }));
  const COUNT_VAPS = `let s='';process.stdin.setEncoding('utf8');process.stdin.on('data',d=>s+=d).on('end',()=>{
    console.log(JSON.stringify({bytes: s.length, policies: (s.match(/^kind: "?ValidatingAdmissionPolicy"?$/gm) ?? []).length}));
  });`;
  const r = await pipeThrough(['policy', 'migrate', '-f', file, '--to', 'vap', '-o', 'yaml'], COUNT_VAPS);
  t.is(r.code, 0, r.stderr);
  const got = JSON.parse(r.received);
  t.true(got.bytes > 1_000_000, `${got.bytes} bytes`);
  t.is(got.policies, 300);
});

/** Bytes that are neither YAML nor JSON, the same on every run. */
function garbage(size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

for (const [mode, extra] of [
  ['PSS', ['--level', 'restricted']],
  ['PSP', ['-f', 'test/fixtures/pods/seed-000.yaml']],
] as const) {
  test(`${mode}: -f - with stdin redirected from a garbage file is bad input (exit 2), as through a pipe`, async (t) => {
    const dir = tmpDir(t);
    const file = path.join(dir, 'garbage.bin');
    writeFileSync(file, garbage(200_000));
    const args = ['policy', 'check', '-f', '-', ...extra];

    const fd = openSync(file, 'r');
    const redirected = await pipeThrough(args, COUNT_LINES, fd).finally(() => closeSync(fd));
    t.is(redirected.code, 2, redirected.stderr);
    t.regex(redirected.stderr, /^error: <stdin>:\d+(:\d+)?: invalid (YAML|JSON): .+\n$/);
    t.deepEqual(JSON.parse(redirected.received), { lines: 0 });

    // The same bytes through a pipe: the same answer.
    const cat = spawn(
      process.execPath,
      ['-e', `process.stdout.write(require('fs').readFileSync(${JSON.stringify(file)}))`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const piped = await pipeThrough(args, COUNT_LINES, cat.stdout);
    t.is(piped.code, 2, piped.stderr);
    t.is(piped.stderr, redirected.stderr);
  });
}
