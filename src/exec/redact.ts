/**
 * Secrets kubeadm prints (bootstrap tokens, certificate keys) must never reach
 * a terminal or a log file in clear. Applied to every command line and every
 * line of output before it is shown or written.
 */

const PATTERNS: [RegExp, string][] = [
  // Bootstrap tokens: [a-z0-9]{6}.[a-z0-9]{16} (kubeadm's BootstrapTokenPattern).
  [/\b([a-z0-9]{6})\.[a-z0-9]{16}\b/g, '$1.<redacted>'],
  // The key that decrypts uploaded control-plane certificates: 64 hex characters.
  [/(--certificate-key[ =])[a-f0-9]{64}\b/g, '$1<redacted>'],
  [/(certificateKey:\s*)"?[a-f0-9]{64}"?/g, '$1<redacted>'],
  // `kubeadm init --upload-certs` and `init phase upload-certs` print it alone on the next line.
  [/(Using certificate key:\s*\n\s*)[a-f0-9]{64}\b/g, '$1<redacted>'],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
