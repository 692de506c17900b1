/**
 * `controlPlane.endpoint`: where every node reaches the API servers (kubeadm's
 * controlPlaneEndpoint). A DNS name or an IPv4 address, optionally with a port; kubeadm
 * adds 6443 when there is none.
 */
import { parseIPv4 } from './cidr.js';

export interface Endpoint {
  host: string;
  port?: number;
}

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function parseEndpoint(text: string): Endpoint | undefined {
  const m = /^([^:]+)(?::([1-9]\d{0,4}))?$/.exec(text);
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  const host = m[1];
  // Digits and dots only: an address, never a name (1.2.3 is neither).
  if (/^[\d.]+$/.test(host) ? parseIPv4(host) === undefined : !DNS_NAME.test(host)) return undefined;
  return port === undefined ? { host } : { host, port };
}

/** `host:port` as `kubeadm join` and the kubeconfigs name it. */
export function endpointAddress(e: Endpoint, defaultPort = 6443): string {
  return `${e.host}:${e.port ?? defaultPort}`;
}
