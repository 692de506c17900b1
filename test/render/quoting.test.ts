/**
 * Every rendered file is its objects serialised once, by render/go-yaml.ts: each string
 * value quoted (or a `|` block), so Go's YAML decoder (kubectl, kubeadm, the kubelet)
 * reads exactly the string that was built and never guesses a number, boolean or null;
 * each mapping key plain only where no YAML version reads it as anything else. And the
 * text reads back as exactly the objects render() returns.
 */
import test from 'ava';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, parseAllDocuments, type Node } from 'yaml';
import { loadClusterConfig } from '../../src/session/config.js';
import { isPlainSafeKey } from '../../src/render/go-yaml.js';
import { render } from '../../src/render/index.js';

const FIXTURES = path.resolve('test/fixtures/configs');

/** `where: what` for each scalar written in a way Go's decoder could read as something else. */
function unquoted(node: unknown, where: string, out: string[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as Node;
      const name = isScalar(key) ? String(key.value) : '?';
      if (isScalar(key) && key.type === 'PLAIN' && !isPlainSafeKey(name)) out.push(`${where}: plain key ${name}`);
      unquoted(pair.value, `${where}.${name}`, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => unquoted(item, `${where}[${i}]`, out));
  } else if (isScalar(node) && typeof node.value === 'string') {
    if (node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE' && node.type !== 'BLOCK_LITERAL')
      out.push(`${where}: ${JSON.stringify(node.value)} is ${node.type}`);
  }
}

for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'))) {
  test(`every string of every file rendered for ${file} is quoted, and the text is the objects`, (t) => {
    for (const a of render(loadClusterConfig(path.join(FIXTURES, file))).artifacts) {
      // ingress-nginx's release manifest is upstream's text (test/render/ingress-nginx-upstream.test.ts).
      if (a.path.endsWith('-ingress-nginx.yaml')) continue;
      const docs = parseAllDocuments(a.text, { version: '1.1' });
      const found: string[] = [];
      for (const d of docs) unquoted(d.contents, a.path, found);
      t.deepEqual(found, [], a.path);
      t.deepEqual(
        docs.map((d) => d.toJS()),
        JSON.parse(JSON.stringify(a.objects)),
        `${a.path} reads back as the objects rendered`,
      );
    }
  });
}
