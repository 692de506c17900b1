/** The output spool: everything comes out once, in order, whether it stayed in memory or went to a file. */
import test from 'ava';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Io } from '../../src/io.js';
import { OutputSpool } from '../../src/policy/check/output-spool.js';

function collectingIo(): Io & { text: () => string; writes: number } {
  let text = '';
  const io = {
    writes: 0,
    out: (line: string) => {
      text += `${line}\n`;
    },
    err: () => {},
    write: async (chunk: string) => {
      io.writes++;
      text += chunk;
    },
    text: () => text,
  };
  return io;
}

function scratch(t: { teardown(fn: () => void): void }): { dir: string; files: () => number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ks-spool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, files: () => readdirSync(dir).length };
}

test('past its memory limit the spool continues in a temporary file, and the output keeps its order', async (t) => {
  const tmp = scratch(t);
  const spool = new OutputSpool(100_000, tmp.dir);
  let expected = '';
  for (let i = 0; i < 50_000; i++) {
    const line = `line ${i} ${'x'.repeat(i % 40)}\n`;
    spool.write(line);
    expected += line;
  }
  t.is(tmp.files(), 1, 'a file was used');
  const io = collectingIo();
  await spool.flush(io);
  spool.dispose();
  t.is(io.text(), expected);
  t.true(io.writes > 1, 'written in pieces, not as one string');
  t.is(tmp.files(), 0, 'the file is removed');
});

test('discard drops what was written, file included; an Io without a raw writer gets whole lines', async (t) => {
  const tmp = scratch(t);
  const spool = new OutputSpool(1000, tmp.dir);
  for (let i = 0; i < 10_000; i++) spool.write(`old ${i}\n`);
  t.is(tmp.files(), 1);
  spool.discard();
  t.is(tmp.files(), 0);
  spool.write('a\nb\n');
  const lines: string[] = [];
  await spool.flush({ out: (l) => lines.push(l), err: () => {} });
  spool.dispose();
  t.deepEqual(lines, ['a', 'b']);
});

test('moveTo hands on everything in order, from memory or read back from the file, and empties the spool', (t) => {
  const tmp = scratch(t);
  for (const limit of [1 << 20, 1000]) {
    const spool = new OutputSpool(limit, tmp.dir);
    let expected = '';
    // Multi-byte characters land across the read-back's 64 KiB pieces.
    for (let i = 0; i < 20_000; i++) {
      const line = `${i} ü€😀 ${'y'.repeat(i % 13)}\n`;
      spool.write(line);
      expected += line;
    }
    t.is(tmp.files(), limit === 1000 ? 1 : 0);
    const pieces: string[] = [];
    spool.moveTo((text) => pieces.push(text));
    t.is(pieces.join(''), expected, `limit ${limit}`);
    t.is(tmp.files(), 0, 'the file is removed');
    const after: string[] = [];
    spool.moveTo((text) => after.push(text));
    t.is(after.join(''), '', 'nothing is handed on twice');
    spool.dispose();
  }
});
