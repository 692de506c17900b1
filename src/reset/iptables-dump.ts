/**
 * An `iptables-save` dump without Kubernetes networking's chains (kube-chains.ts)
 * and the rules that jump or go to them; every other line kept as it was, in order.
 * Rules are read word by word as iptables-save quotes them: a comment is never
 * taken for a target, and nothing is matched by text anywhere in the line.
 */
import { isKubeChain } from './kube-chains.js';

interface Word {
  text: string;
  quoted: boolean;
}

/** Splits a rule line the way iptables-restore does: blanks separate words, "..." quotes (with \" escapes). */
export function ruleWords(line: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    if (line[i] === '"') {
      let text = '';
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        text += line[i++];
      }
      i++;
      words.push({ text, quoted: true });
    } else {
      let text = '';
      while (i < line.length && line[i] !== ' ' && line[i] !== '\t') text += line[i++];
      words.push({ text, quoted: false });
    }
  }
  return words;
}

/** The chain a rule jumps or goes to (`-j`/`--jump`, `-g`/`--goto`), or undefined. */
export function ruleTarget(words: Word[]): string | undefined {
  for (let i = 0; i < words.length - 1; i++) {
    const w = words[i];
    if (w.quoted) continue;
    // Option values are never targets: `--comment "-j KUBE-X"` is one word, and so is `--comment -j`.
    if (w.text === '--comment') {
      i++;
      continue;
    }
    if (w.text === '-j' || w.text === '--jump' || w.text === '-g' || w.text === '--goto') return words[i + 1].text;
  }
  return undefined;
}

export function withoutKubeRules(dump: string): string {
  const out: string[] = [];
  for (const line of dump.split('\n')) {
    if (line.startsWith(':')) {
      if (isKubeChain(line.slice(1).split(' ')[0])) continue;
    } else if (line.startsWith('-A ')) {
      const words = ruleWords(line);
      const chain = words[1]?.text ?? '';
      const target = ruleTarget(words);
      if (isKubeChain(chain) || (target !== undefined && isKubeChain(target))) continue;
    }
    out.push(line);
  }
  return out.join('\n');
}
