/**
 * The `kubeadm join` line that `kubestrap join-command` writes and
 * `kubestrap join` reads: parsed into argv and checked word by word, so a
 * tampered file cannot smuggle other flags or commands into kubeadm.
 */
import { UserError } from '../errors.js';

export interface JoinLine {
  endpoint: string;
  token: string;
  caCertHashes: string[];
}

const ENDPOINT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const HASH = /^sha256:[a-f0-9]{64}$/;

export function parseJoinLine(text: string, file: string): JoinLine {
  // kubeadm prints the command over several lines with backslash continuations.
  const lines = text.split('\n');
  const firstLine = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const words = text
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .join(' ')
    .trim()
    .split(/\s+/);
  const at = { file, line: firstLine >= 0 ? firstLine + 1 : 1 };
  const bad = (message: string) => new UserError(message, at);
  if (words[0] !== 'kubeadm' || words[1] !== 'join')
    throw bad('expected a `kubeadm join` command (as `kubestrap join-command` writes it)');
  const endpoint = words[2];
  if (!endpoint || !ENDPOINT.test(endpoint)) throw bad(`"${endpoint ?? ''}" is not an API server address (host:port)`);
  let token: string | undefined;
  const caCertHashes: string[] = [];
  for (let i = 3; i < words.length; i++) {
    const flag = words[i];
    const value = words[i + 1];
    if (flag === '--token') {
      if (!value || !TOKEN.test(value)) throw bad('--token is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})');
      token = value;
      i++;
    } else if (flag === '--discovery-token-ca-cert-hash') {
      if (!value || !HASH.test(value)) throw bad('--discovery-token-ca-cert-hash must be sha256:<64 hex digits>');
      caCertHashes.push(value);
      i++;
    } else if (flag === '--control-plane' || flag === '--certificate-key') {
      throw bad('joining control-plane nodes is not supported by kubestrap join; use a worker join command');
    } else {
      throw bad(`unexpected "${flag}" in the join command`);
    }
  }
  if (!token) throw bad('the join command has no --token');
  if (caCertHashes.length === 0)
    throw bad('the join command has no --discovery-token-ca-cert-hash (kubestrap never joins without pinning the CA)');
  return { endpoint, token, caCertHashes };
}

/** Go duration as kubeadm's --ttl reads it: 30m, 1h, 1h30m, 90s. */
export function validTtl(ttl: string): boolean {
  return /^(\d+h)?(\d+m)?(\d+s)?$/.test(ttl) && ttl !== '' && !/^0+[hms]?$/.test(ttl);
}
