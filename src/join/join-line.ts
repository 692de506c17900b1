/**
 * The `kubeadm join` line that `kubestrap join-command` writes and
 * `kubestrap join` reads: parsed into argv and checked word by word, so a
 * tampered file cannot smuggle other flags or commands into kubeadm.
 */
import { isIPv6 } from 'node:net';
import { parseIPv4 } from '../config/cidr.js';
import { dns1123SubdomainProblem } from '../config/names.js';
import { UserError } from '../errors.js';

export interface JoinLine {
  endpoint: string;
  token: string;
  caCertHashes: string[];
}

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
  if (!endpoint || !isEndpoint(endpoint))
    throw bad(`"${endpoint ?? ''}" is not an API server address (host:port, port 1-65535)`);
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

/** A DNS name: labels of letters, digits and '-', not starting or ending with '-'. Case as DNS ignores it. */
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * `host:port` as kubeadm join takes it: an IPv4 address, a DNS name or a bracketed
 * IPv6 address, and a port 1-65535 without leading zeros. Nothing else, so the
 * word can never be read as an option (`-v:6443`).
 */
export function isEndpoint(text: string): boolean {
  const m = /^(\[([^\]]+)\]|[^:[\]]+):([1-9]\d{0,4})$/.exec(text);
  if (!m || Number(m[3]) > 65535) return false;
  if (m[2] !== undefined) return isIPv6(m[2]);
  const host = m[1];
  if (/^[\d.]+$/.test(host)) return parseIPv4(host) !== undefined;
  return HOSTNAME.test(host);
}

/**
 * The name the node registers with: --node-name as given, or the hostname lowercased
 * (as the kubelet does). Checked before kubeadm runs: a bad name would leave a
 * half-joined node.
 */
export function joinNodeName(given: string | undefined, hostname: string): string {
  if (given !== undefined) {
    const problem = dns1123SubdomainProblem(given);
    if (problem) throw new UserError(problem, undefined, '--node-name');
    return given;
  }
  const name = hostname.toLowerCase();
  if (dns1123SubdomainProblem(name))
    throw new UserError(
      `the hostname "${name}" is not a valid node name (a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'); pass --node-name`,
    );
  return name;
}

/** Go duration as kubeadm's --ttl reads it: 30m, 1h, 1h30m, 90s. */
export function validTtl(ttl: string): boolean {
  return /^(\d+h)?(\d+m)?(\d+s)?$/.test(ttl) && ttl !== '' && !/^0+[hms]?$/.test(ttl);
}
