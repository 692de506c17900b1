/**
 * The two pods of "test your limits", created with a server-side dry run as a
 * tenant's service account: one asks for a privileged container, the other
 * follows every rule of the restricted level, so only policy decides.
 */
import { toGoYaml } from '../render/go-yaml.js';

const IMAGE = 'registry.k8s.io/pause:3.9';

export function privilegedProbePod(): string {
  return toGoYaml({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kubestrap-limits-privileged', labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
    spec: { containers: [{ name: 'probe', image: IMAGE, securityContext: { privileged: true } }] },
  });
}

export function restrictedProbePod(minor: number): string {
  // The seccompProfile field exists from 1.19; before it, a PSP's default annotation supplies the profile.
  const podSecurity: Record<string, unknown> = { runAsNonRoot: true, runAsUser: 65534 };
  if (minor >= 19) podSecurity.seccompProfile = { type: 'RuntimeDefault' };
  return toGoYaml({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kubestrap-limits-restricted', labels: { 'app.kubernetes.io/managed-by': 'kubestrap' } },
    spec: {
      securityContext: podSecurity,
      containers: [
        {
          name: 'probe',
          image: IMAGE,
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  });
}
