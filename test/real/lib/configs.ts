/** The cluster configs the real tier renders: ingress on, three tenants at three strengths. */
export function tierConfig(version: string): string {
  return `apiVersion: kubestrap.io/v1alpha1
kind: ClusterConfig
kubernetesVersion: ${version}
podSecurity:
  mode: auto
  default: restricted
networking:
  podSubnet: 10.244.0.0/16
controlPlane:
  nodeName: real-cp
ingress:
  enabled: true
tenants:
  - namespace: team-a
    serviceAccounts: [app]
    role: edit
    policy: restricted
  - namespace: team-b
    serviceAccounts: [app]
    role: edit
    policy: baseline
  - namespace: team-c
    serviceAccounts: [app]
    role: edit
    policy: privileged-restricted
timeouts:
  waitSeconds: 60
`;
}

export const NODE_NAME = 'real-cp';
