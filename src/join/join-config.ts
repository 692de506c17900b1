/**
 * The kubeadm config `kubestrap join` hands to `kubeadm join --config`, in the API
 * version the worker's kubeadm reads. Through it the kubelet gets its node IP
 * (nodeRegistration.kubeletExtraArgs, which kubeadm writes to kubeadm-flags.env, read
 * by every package's drop-in) instead of KUBELET_EXTRA_ARGS in an environment file
 * whose path depends on when the package was built: pkgs.k8s.io's Debian packages
 * published before 2023-09-18, v1.24.17 among them, read /etc/sysconfig/kubelet,
 * not /etc/default/kubelet (kubernetes/release#3276, fixed by #3279). The CRI socket
 * goes in too, so kubeadm never guesses Docker's.
 */
import { stringify } from 'yaml';
import { criSocket, kubeadmApiFor } from '../versions.js';
import type { JoinLine } from './join-line.js';

export interface JoinSettings {
  line: JoinLine;
  nodeName: string;
  nodeIp?: string;
  /**
   * Join as another control plane: the key of the certificates the first one uploaded
   * (kubeadm-certs), and the address its own API server advertises.
   */
  controlPlane?: { certificateKey: string; advertiseAddress?: string };
}

export function renderJoinConfig(minor: number, s: JoinSettings): string {
  const api = kubeadmApiFor(minor);
  const extra = s.nodeIp ? [{ name: 'node-ip', value: s.nodeIp }] : [];
  const nodeRegistration: Record<string, unknown> = { name: s.nodeName, criSocket: criSocket(minor) };
  if (extra.length)
    nodeRegistration.kubeletExtraArgs =
      api === 'v1beta4' ? extra : Object.fromEntries(extra.map((a) => [a.name, a.value]));
  const doc: Record<string, unknown> = { apiVersion: `kubeadm.k8s.io/${api}` };
  if (api === 'v1alpha2' || api === 'v1alpha3') {
    // Before v1beta1 the discovery settings were flat fields of the document.
    doc.kind = api === 'v1alpha2' ? 'NodeConfiguration' : 'JoinConfiguration';
    doc.token = s.line.token;
    doc.discoveryTokenAPIServers = [s.line.endpoint];
    doc.discoveryTokenCACertHashes = s.line.caCertHashes;
  } else {
    doc.kind = 'JoinConfiguration';
    doc.discovery = {
      bootstrapToken: { apiServerEndpoint: s.line.endpoint, token: s.line.token, caCertHashes: s.line.caCertHashes },
    };
  }
  doc.nodeRegistration = nodeRegistration;
  if (s.controlPlane)
    doc.controlPlane = {
      ...(s.controlPlane.advertiseAddress
        ? { localAPIEndpoint: { advertiseAddress: s.controlPlane.advertiseAddress, bindPort: 6443 } }
        : {}),
      certificateKey: s.controlPlane.certificateKey,
    };
  return stringify(doc);
}
