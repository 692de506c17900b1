/**
 * Rules that relate config fields to each other and to the Kubernetes version.
 * Each problem names the field path; load.ts turns paths into file lines.
 */
import type { ClusterConfigFields } from './schema.js';
import type { Path } from './yaml-source.js';
import {
  cidrContains,
  cidrsOverlap,
  formatIPv4,
  parseCidr,
  parseIPv4,
  specialRangeOf,
  specialRangeOverlapping,
  type Cidr,
} from './cidr.js';
import { dns1123LabelProblem, dns1123SubdomainProblem } from './names.js';
import {
  FIRST_PSS_MINOR,
  LAST_PSP_MINOR,
  NEWEST_MINOR,
  OLDEST_MINOR,
  flannelNamespace,
  isSupportedMinor,
  parseKubeVersion,
  pssAvailable,
  pspServed,
  resolveMode,
  FIRST_VAP_GA_MINOR,
  FIRST_INGRESS_MINOR,
  FIRST_HA_MINOR,
} from '../versions.js';
import { parseEndpoint } from './endpoint.js';

/**
 * What validation needs to know about pod security policies, passed in by the caller
 * (policy/catalog.ts), so the config does not depend on the policy engine.
 */
export interface PolicyCatalog {
  /** Names of the built-in policies, which custom policies start from. */
  builtins: readonly string[];
  /**
   * What the API server would reject in custom policy `name` on v1.`minor` (its template
   * with the overrides applied), each with its path inside the policy's entry.
   */
  problems(name: string, minor: number, policies: ClusterConfigFields['policies']): { path: Path; message: string }[];
}

export interface ConfigProblem {
  path: Path;
  message: string;
  /** Point at the key rather than the value (unknown or misplaced fields). */
  atKey?: boolean;
}

/** Namespaces Kubernetes itself owns; a tenant or ingress must not take them over. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

export function validateConfig(cfg: ClusterConfigFields, catalog: PolicyCatalog): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: Path, message: string) => problems.push({ path, message });
  const isBuiltinPolicy = (name: string) => catalog.builtins.includes(name);

  const version = parseKubeVersion(cfg.kubernetesVersion);
  let minor: number | undefined;
  if (!version) {
    add(
      ['kubernetesVersion'],
      `"${cfg.kubernetesVersion}" is not a Kubernetes version; write it as v1.MINOR.PATCH, e.g. v1.24.17`,
    );
  } else if (!isSupportedMinor(version.minor)) {
    add(
      ['kubernetesVersion'],
      `${version.text} is outside the supported range v1.${OLDEST_MINOR} to v1.${NEWEST_MINOR}`,
    );
  } else {
    minor = version.minor;
  }

  if (minor !== undefined) {
    const mode = cfg.podSecurity.mode;
    if (mode === 'psp' && !pspServed(minor)) {
      add(
        ['podSecurity', 'mode'],
        `psp is not available on v1.${minor}: PodSecurityPolicy was removed in v1.25; use pss (or auto)`,
      );
    }
    if (mode === 'pss' && !pssAvailable(minor)) {
      add(
        ['podSecurity', 'mode'],
        `pss needs Kubernetes v1.${FIRST_PSS_MINOR} or newer (PodSecurity admission); use psp on v1.${minor} (psp works up to v1.${LAST_PSP_MINOR})`,
      );
    }
    if (
      cfg.podSecurity.customPolicies === 'vap' &&
      (resolveMode(mode, minor) !== 'pss' || minor < FIRST_VAP_GA_MINOR)
    ) {
      add(
        ['podSecurity', 'customPolicies'],
        `vap needs Pod Security Standards mode on v1.${FIRST_VAP_GA_MINOR} or newer (ValidatingAdmissionPolicy is GA there); v1.${minor}${resolveMode(mode, minor) === 'psp' ? ' runs PodSecurityPolicy, which enforces the policies itself: use psp' : ' serves it only as a disabled beta'}`,
      );
    }
  }

  validateNetworking(cfg, add);
  validateEndpoint(cfg, minor, add);
  validateIface(cfg, add);
  validateNames(cfg, add);

  const customNames = new Set<string>();
  cfg.policies.forEach((p, i) => {
    const nameProblem = dns1123SubdomainProblem(p.name);
    if (nameProblem) add(['policies', i, 'name'], nameProblem);
    if (isBuiltinPolicy(p.name))
      add(['policies', i, 'name'], `"${p.name}" is a built-in template; give your policy its own name`);
    if (customNames.has(p.name)) add(['policies', i, 'name'], `"${p.name}" is defined twice`);
    customNames.add(p.name);
    if (!isBuiltinPolicy(p.template)) {
      add(
        ['policies', i, 'template'],
        `unknown template "${p.template}"; built-in templates: ${catalog.builtins.join(', ')}`,
      );
    }
  });
  if (minor !== undefined) {
    // Check each custom policy as the API server will see it: its template with the overrides applied.
    cfg.policies.forEach((p) => {
      if (!isBuiltinPolicy(p.template) || isBuiltinPolicy(p.name)) return;
      // A name's first entry is the policy (a repeat is reported above).
      const index = cfg.policies.findIndex((q) => q.name === p.name);
      for (const sp of catalog.problems(p.name, minor!, cfg.policies)) add(['policies', index, ...sp.path], sp.message);
    });
  }

  const tenantNamespaces = new Set<string>();
  cfg.tenants.forEach((t, i) => {
    const nsProblem = dns1123LabelProblem(t.namespace);
    if (nsProblem) add(['tenants', i, 'namespace'], nsProblem);
    else if (SYSTEM_NAMESPACES.has(t.namespace))
      add(
        ['tenants', i, 'namespace'],
        `"${t.namespace}" belongs to Kubernetes itself; tenants need their own namespace`,
      );
    else if (cfg.podSecurity.privilegedNamespaces.includes(t.namespace)) {
      add(
        ['tenants', i, 'namespace'],
        `"${t.namespace}" is listed in podSecurity.privilegedNamespaces; a tenant namespace gets its own policy`,
      );
    }
    if (tenantNamespaces.has(t.namespace))
      add(['tenants', i, 'namespace'], `namespace "${t.namespace}" is used by two tenants; merge them`);
    tenantNamespaces.add(t.namespace);
    const seen = new Set<string>();
    t.serviceAccounts.forEach((sa, j) => {
      const p = dns1123SubdomainProblem(sa);
      if (p) add(['tenants', i, 'serviceAccounts', j], p);
      if (seen.has(sa)) add(['tenants', i, 'serviceAccounts', j], `"${sa}" is listed twice`);
      seen.add(sa);
    });
    if (!isBuiltinPolicy(t.policy) && !customNames.has(t.policy)) {
      const custom = [...customNames];
      add(
        ['tenants', i, 'policy'],
        `policy "${t.policy}" does not exist; use a built-in template (${catalog.builtins.join(', ')})` +
          (custom.length ? ` or a policy from policies (${custom.join(', ')})` : ' or define it under policies'),
      );
    }
  });

  if (cfg.ingress.enabled) {
    const ns = cfg.ingress.namespace;
    const p = dns1123LabelProblem(ns);
    if (p) add(['ingress', 'namespace'], p);
    else if (SYSTEM_NAMESPACES.has(ns))
      add(['ingress', 'namespace'], `"${ns}" belongs to Kubernetes itself; ingress-nginx needs its own namespace`);
    else if (tenantNamespaces.has(ns))
      add(['ingress', 'namespace'], `"${ns}" is also a tenant namespace; ingress-nginx needs its own`);
    else if (cfg.podSecurity.privilegedNamespaces.includes(ns)) {
      add(
        ['ingress', 'namespace'],
        `"${ns}" is listed in podSecurity.privilegedNamespaces; ingress-nginx passes the restricted level and should not run privileged`,
      );
    }
  }

  if (cfg.ingress.enabled && minor !== undefined && minor < FIRST_INGRESS_MINOR) {
    add(
      ['ingress', 'enabled'],
      `kubestrap installs ingress-nginx on Kubernetes v1.${FIRST_INGRESS_MINOR} and newer (its Ingress and IngressClass APIs); install a release for v1.${minor} yourself, or use a newer version`,
    );
  }

  if (minor !== undefined) {
    const privileged = cfg.podSecurity.privilegedNamespaces;
    if (!privileged.includes('kube-system')) {
      add(
        ['podSecurity', 'privilegedNamespaces'],
        'must include kube-system: the control plane, kube-proxy and CoreDNS run there and are refused otherwise',
      );
    }
    const cniNs = flannelNamespace(minor);
    if (cfg.cni.manifest === '' && !privileged.includes(cniNs)) {
      add(
        ['podSecurity', 'privilegedNamespaces'],
        `must include ${cniNs}: flannel runs there on v1.${minor} and needs host networking`,
      );
    }
  }

  return problems;
}

type Add = (path: Path, message: string) => void;

function validateNetworking(cfg: ClusterConfigFields, add: Add) {
  const cidr = (field: 'podSubnet' | 'serviceSubnet'): Cidr | undefined => {
    const r = parseCidr(cfg.networking[field]);
    if (!r.ok) {
      add(['networking', field], `"${cfg.networking[field]}": ${r.reason}`);
      return undefined;
    }
    const special = specialRangeOverlapping(r.cidr);
    if (special) {
      add(
        ['networking', field],
        `${r.cidr.text} overlaps ${special.cidr.text} (${special.name}), which is never routed between hosts; use a private range such as ${field === 'podSubnet' ? '10.244.0.0/16' : '10.96.0.0/12'}`,
      );
      return undefined;
    }
    return r.cidr;
  };
  const pod = cidr('podSubnet');
  const svc = cidr('serviceSubnet');
  if (pod && pod.prefix > 24) {
    add(
      ['networking', 'podSubnet'],
      `/${pod.prefix} is smaller than one node's /24 pod range; use /24 or larger (e.g. 10.244.0.0/16)`,
    );
  }
  if (svc && svc.prefix < 12) {
    add(
      ['networking', 'serviceSubnet'],
      `/${svc.prefix} is too large: kube-apiserver accepts at most /12 for IPv4 service ranges`,
    );
  }
  if (svc && svc.prefix > 28) {
    add(
      ['networking', 'serviceSubnet'],
      `/${svc.prefix} is too small: the API server and cluster DNS need their addresses in it; use /28 or larger`,
    );
  }
  if (pod && svc && cidrsOverlap(pod, svc)) {
    add(
      ['networking', 'serviceSubnet'],
      `${svc.text} overlaps podSubnet ${pod.text}; pods and services need separate ranges`,
    );
  }
  const dnsProblem = dns1123SubdomainProblem(cfg.networking.dnsDomain);
  if (dnsProblem) add(['networking', 'dnsDomain'], dnsProblem);

  const addr = cfg.controlPlane.advertiseAddress;
  if (addr !== '') {
    const ip = parseIPv4(addr);
    if (ip === undefined) {
      add(
        ['controlPlane', 'advertiseAddress'],
        `"${addr}" is not an IPv4 address (leave it empty to let kubeadm choose)`,
      );
    } else if (specialRangeOf(ip)) {
      const special = specialRangeOf(ip)!;
      add(
        ['controlPlane', 'advertiseAddress'],
        `${formatIPv4(ip)} is a ${special.name} address (${special.cidr.text}); other nodes could not reach the API server there: give the node's own address, or leave it empty`,
      );
    } else {
      for (const [name, block] of [
        ['podSubnet', pod],
        ['serviceSubnet', svc],
      ] as const) {
        if (block && cidrContains(block, ip)) {
          add(
            ['controlPlane', 'advertiseAddress'],
            `${formatIPv4(ip)} lies inside networking.${name} ${block.text}; the node's own address must be outside it`,
          );
        }
      }
    }
  }
}

function validateEndpoint(cfg: ClusterConfigFields, minor: number | undefined, add: Add) {
  const endpoint = cfg.controlPlane.endpoint;
  if (endpoint === '') return;
  if (!parseEndpoint(endpoint))
    add(
      ['controlPlane', 'endpoint'],
      `"${endpoint}" is not host or host:port (a DNS name or an IPv4 address, port 1-65535)`,
    );
  else if (minor !== undefined && minor < FIRST_HA_MINOR)
    add(
      ['controlPlane', 'endpoint'],
      `needs Kubernetes v1.${FIRST_HA_MINOR} or newer (kubeadm's --upload-certs and join --control-plane)`,
    );
}

/** Linux interface names: 1-15 bytes, no '/', ':' or whitespace, not . or .. (dev_valid_name). */
const IFACE = /^(?!\.\.?$)[^\s/:]{1,15}$/;

function validateIface(cfg: ClusterConfigFields, add: Add) {
  const iface = cfg.cni.iface;
  if (iface === '' || parseIPv4(iface) !== undefined) return; // flannel takes a name or an address
  if (iface.length > 15)
    add(['cni', 'iface'], `"${iface}" is not a network interface name: Linux names have at most 15 characters`);
  else if (!IFACE.test(iface))
    add(
      ['cni', 'iface'],
      `"${iface}" is not a network interface name or IPv4 address (no spaces, '/' or ':'), e.g. eth1 or enp0s8`,
    );
}

function validateNames(cfg: ClusterConfigFields, add: Add) {
  if (cfg.controlPlane.nodeName !== '') {
    const p = dns1123SubdomainProblem(cfg.controlPlane.nodeName);
    if (p) add(['controlPlane', 'nodeName'], p);
  }
  const seen = new Set<string>();
  cfg.podSecurity.privilegedNamespaces.forEach((ns, i) => {
    const p = dns1123LabelProblem(ns);
    if (p) add(['podSecurity', 'privilegedNamespaces', i], p);
    if (seen.has(ns)) add(['podSecurity', 'privilegedNamespaces', i], `"${ns}" is listed twice`);
    seen.add(ns);
  });
}
