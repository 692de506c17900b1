/**
 * Which iptables chains belong to Kubernetes networking, by exact name: the
 * ones kube-proxy (iptables and IPVS modes) and the kubelet create, flannel's,
 * and those of the CNI plugins flannel chains to (portmap, bridge). Anything
 * else, even a chain called `kube-bastion` or a rule whose comment mentions
 * Kubernetes, is the admin's and stays.
 *
 * Sources: kubernetes pkg/proxy/iptables/proxier.go and pkg/proxy/ipvs (chain
 * constants), pkg/kubelet/kubelet_network_linux.go, flannel pkg/trafficmngr/iptables
 * (FLANNEL-POSTRTG, FLANNEL-FWD), containernetworking/plugins pkg/utils (chain names
 * are `CNI-` + an optional prefix + sha512 hex, 28 characters in all) and portmap.
 */

const FIXED = new Set([
  // kube-proxy, iptables mode
  'KUBE-SERVICES',
  'KUBE-EXTERNAL-SERVICES',
  'KUBE-NODEPORTS',
  'KUBE-POSTROUTING',
  'KUBE-MARK-MASQ',
  'KUBE-MARK-DROP',
  'KUBE-FORWARD',
  'KUBE-PROXY-FIREWALL',
  'KUBE-PROXY-CANARY',
  // kube-proxy, IPVS mode
  'KUBE-LOAD-BALANCER',
  'KUBE-NODE-PORT',
  'KUBE-IPVS-FILTER',
  'KUBE-IPVS-OUT-FILTER',
  'KUBE-SOURCE-RANGES-FIREWALL',
  // the kubelet (and kube-proxy's copy of its firewall)
  'KUBE-FIREWALL',
  'KUBE-KUBELET-CANARY',
  'KUBE-IPTABLES-HINT',
  // flannel
  'FLANNEL-FWD',
  'FLANNEL-POSTRTG',
  // CNI plugins: portmap and firewall (CNI-ADMIN is left: it is the chain for the admin's own rules)
  'CNI-HOSTPORT-DNAT',
  'CNI-HOSTPORT-SETMARK',
  'CNI-HOSTPORT-MASQ',
  'CNI-FORWARD',
]);

/** kube-proxy's per-service and per-endpoint chains: a prefix and 16 base32 characters of a hash. */
const KUBE_PROXY_HASHED = /^KUBE-(SVC|SVL|EXT|FW|XLB|SEP)-[A-Z2-7]{16}$/;
/** CNI plugins' per-container chains: `CNI-`, an optional `DN-`/`SN-`, lowercase hex to 28 characters. */
const CNI_HASHED = /^CNI-((DN|SN)-)?[0-9a-f]+$/;

export function isKubeChain(name: string): boolean {
  if (FIXED.has(name)) return true;
  if (KUBE_PROXY_HASHED.test(name)) return true;
  return name.length === 28 && CNI_HASHED.test(name);
}
