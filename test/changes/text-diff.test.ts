import test from 'ava';
import { unifiedDiff } from '../../src/changes/text-diff.js';

const A = `${Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n')}\n`;

test('equal texts have no diff', (t) => {
  t.is(unifiedDiff(A, A, 'a', 'b'), '');
});

test('one changed line: a hunk with three lines of context on each side, - before +', (t) => {
  const B = A.replace('line 10\n', 'line ten\n');
  t.is(
    unifiedDiff(A, B, 'a', 'b'),
    [
      '--- a',
      '+++ b',
      '@@ -7,7 +7,7 @@',
      ' line 7',
      ' line 8',
      ' line 9',
      '-line 10',
      '+line ten',
      ' line 11',
      ' line 12',
      ' line 13',
    ].join('\n'),
  );
});

test('changes far apart make two hunks; near ones share one', (t) => {
  const far = unifiedDiff(A, A.replace('line 2\n', 'two\n').replace('line 18\n', 'eighteen\n'), 'a', 'b');
  t.is(far.split('\n').filter((l) => l.startsWith('@@')).length, 2);
  const near = unifiedDiff(A, A.replace('line 5\n', 'five\n').replace('line 9\n', 'nine\n'), 'a', 'b');
  t.deepEqual(
    near.split('\n').filter((l) => l.startsWith('@@')),
    ['@@ -2,11 +2,11 @@'],
  );
});

test('insertions at the end and a new file', (t) => {
  t.is(unifiedDiff('a\n', 'a\nb\n', 'x', 'y'), ['--- x', '+++ y', '@@ -1,1 +1,2 @@', ' a', '+b'].join('\n'));
  t.is(unifiedDiff('', 'a\n', 'x', 'y'), ['--- x', '+++ y', '@@ -0,0 +1,1 @@', '+a'].join('\n'));
});
