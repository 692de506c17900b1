import test from 'ava';
import { redact } from '../../src/exec/redact.js';
import { formatArgv } from '../../src/exec/runner.js';

test('bootstrap tokens and certificate keys never appear in clear', (t) => {
  const join =
    'kubeadm join 10.0.2.10:6443 --token cjpeqg.yvf2lka5i5epqcis \\\n\t--discovery-token-ca-cert-hash sha256:2c662bccbb9491d97b141a2b4b578867f240614ddcc399949c803d1f5093bba5 \\\n\t--control-plane --certificate-key 55befb249a01aca7be98b3e7209628f4c4f04c6a05c250c4bb084af722452c36';
  const out = redact(join);
  t.false(out.includes('yvf2lka5i5epqcis'));
  t.false(out.includes('55befb249a01aca7be98b3e7209628f4c4f04c6a05c250c4bb084af722452c36'));
  t.true(out.includes('--token cjpeqg.<redacted>'));
  t.true(out.includes('--certificate-key <redacted>'));
  // The CA hash is public (it pins the CA) and stays readable for debugging.
  t.true(out.includes('sha256:2c662bcc'));
  t.is(
    redact('certificateKey: "55befb249a01aca7be98b3e7209628f4c4f04c6a05c250c4bb084af722452c36"'),
    'certificateKey: <redacted>',
  );
});

test('ordinary text is left alone', (t) => {
  const text = 'podsecuritypolicy.policy/restricted created\nkube-flannel-ds 10.244.0.0/16 v1.24.17';
  t.is(redact(text), text);
});

test('argv is shown as a person would type it, quoted where a shell needs it, redacted', (t) => {
  t.is(formatArgv(['kubectl', 'apply', '-f', '/tmp/a b.yaml']), "kubectl apply -f '/tmp/a b.yaml'");
  t.is(formatArgv(['kubeadm', 'join', '--token', 'abcdef.0123456789abcdef']), 'kubeadm join --token abcdef.<redacted>');
});

test('the certificate key upload-certs prints on a line of its own is redacted too', (t) => {
  const key = '55befb249a01aca7be98b3e7209628f4c4f04c6a05c250c4bb084af722452c36';
  const out = redact(
    `[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n[upload-certs] Using certificate key:\n${key}\n`,
  );
  t.false(out.includes(key));
  t.true(out.endsWith('[upload-certs] Using certificate key:\n<redacted>\n'));
  // Indented, as the log indents output lines.
  t.false(redact(`    [upload-certs] Using certificate key:\n    ${key}\n`).includes(key));
});
