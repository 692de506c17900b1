/**
 * A unified diff of two texts, line by line, as `diff -u` prints it: what
 * `--dry-run` shows for a file kubestrap would change (the API server's static
 * pod manifest, the kubeadm ClusterConfiguration). Inputs are small (a manifest
 * is ~100 lines), so a plain LCS table is fast enough and always minimal.
 */

function lines(text: string): string[] {
  if (text === '') return [];
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

type Op = { t: ' ' | '-' | '+'; line: string };

function ops(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ t: ' ', line: a[i] });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push({ t: '-', line: a[i++] });
    } else {
      out.push({ t: '+', line: b[j++] });
    }
  }
  return out;
}

/**
 * `--- from` / `+++ to` and hunks with `context` lines around each change;
 * an empty string when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, from: string, to: string, context = 3): string {
  if (before === after) return '';
  const all = ops(lines(before), lines(after));
  const out: string[] = [`--- ${from}`, `+++ ${to}`];
  let k = 0;
  while (k < all.length) {
    if (all[k].t === ' ') {
      k++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last
    // change that is no more than 2*context lines away from the one before it.
    let start = Math.max(0, k - context);
    let end = k;
    for (;;) {
      while (end < all.length && all[end].t !== ' ') end++;
      let next = end;
      while (next < all.length && all[next].t === ' ' && next - end < 2 * context) next++;
      if (next < all.length && all[next].t !== ' ' && next - end <= 2 * context) {
        end = next;
        continue;
      }
      end = Math.min(all.length, end + context);
      break;
    }
    // Line numbers: count the old and new lines before the hunk.
    let oldLine = 1;
    let newLine = 1;
    for (let x = 0; x < start; x++) {
      if (all[x].t !== '+') oldLine++;
      if (all[x].t !== '-') newLine++;
    }
    const hunk = all.slice(start, end);
    const oldCount = hunk.filter((o) => o.t !== '+').length;
    const newCount = hunk.filter((o) => o.t !== '-').length;
    out.push(
      `@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@`,
    );
    for (const o of hunk) out.push(`${o.t}${o.line}`);
    k = end;
    start = end;
  }
  return out.join('\n');
}
