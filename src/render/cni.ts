/**
 * The CNI manifest: flannel from kubestrap's template, with its pod network
 * always equal to kubeadm's podSubnet, or the user's own manifest file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ClusterConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import { MiB, readTextFile } from '../host/files.js';
import { FLANNEL, flannelNamespace, osLabel } from '../versions.js';
import { renderTemplate } from './handlebars.js';
import { joinDocs } from './objects.js';
import { privilegedNamespaceDoc } from './pod-security.js';
import { parseManifest } from './parse-back.js';

export interface CniRender {
  text: string;
  warnings: string[];
}

/** flannel's CNI chain: the flannel plugin, then portmap for hostPort. */
const CNI_CONF = {
  name: 'cbr0',
  cniVersion: '0.3.1',
  plugins: [
    { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

export function flannelNetConf(cfg: ClusterConfig): object {
  // Without an explicit Backend flannel falls back to udp, so it is always written.
  return { Network: cfg.networking.podSubnet, EnableNFTables: false, Backend: { Type: cfg.cni.backend } };
}

export function renderCni(cfg: ClusterConfig): CniRender {
  if (cfg.cni.manifest !== '') return customManifest(cfg);
  const minor = cfg.version.minor;
  const namespace = flannelNamespace(minor);
  const args = ['--ip-masq', '--kube-subnet-mgr', '--healthz-port=8081'];
  if (cfg.cni.iface !== '') args.push(`--iface=${cfg.cni.iface}`);
  const flannel = renderTemplate('cni/flannel.yaml.hbs', {
    namespace,
    osLabel: osLabel(minor),
    flannelImage: FLANNEL.image,
    cniPluginImage: FLANNEL.cniPluginImage,
    flanneldArgs: args,
    data: {
      'cni-conf.json': `${JSON.stringify(CNI_CONF, null, 2)}\n`,
      'net-conf.json': `${JSON.stringify(flannelNetConf(cfg), null, 2)}\n`,
    },
  });
  const ns = privilegedNamespaceDoc(cfg, namespace);
  return { text: joinDocs(ns && namespace !== 'kube-system' ? [ns, flannel] : [flannel]), warnings: [] };
}

/** The largest CNI manifests (Calico's, with its CRDs) are about 1.5 MiB. */
const MAX_MANIFEST_BYTES = 16 * MiB;

function customManifest(cfg: ClusterConfig): CniRender {
  const file = path.resolve(cfg.baseDir, cfg.cni.manifest);
  if (!existsSync(file)) {
    throw new UserError(`file not found: ${file}`, cfg.source ? { file: cfg.source } : undefined, 'cni.manifest');
  }
  let text: string;
  try {
    text = readTextFile(file, { maxBytes: MAX_MANIFEST_BYTES, what: 'a CNI manifest' });
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(`${file}: ${e.message}`, cfg.source ? { file: cfg.source } : undefined, 'cni.manifest');
  }
  const objects = parseManifest(text, cfg.cni.manifest);
  const warnings: string[] = [];
  const netConfs = objects.filter(
    (o) =>
      o.kind === 'ConfigMap' && typeof (o.data as Record<string, unknown> | undefined)?.['net-conf.json'] === 'string',
  );
  if (netConfs.length === 0) {
    warnings.push(
      `${cfg.cni.manifest}: no ConfigMap with net-conf.json found; make sure its pod network is ${cfg.networking.podSubnet} (networking.podSubnet)`,
    );
  }
  for (const cm of netConfs) {
    const raw = (cm.data as Record<string, string>)['net-conf.json'];
    let network: unknown;
    try {
      network = (JSON.parse(raw) as { Network?: unknown }).Network;
    } catch {
      warnings.push(
        `${cfg.cni.manifest}: net-conf.json in ConfigMap ${String((cm.metadata as { name?: string })?.name)} is not valid JSON`,
      );
      continue;
    }
    if (network !== cfg.networking.podSubnet) {
      warnings.push(
        `${cfg.cni.manifest}: net-conf.json Network is ${JSON.stringify(network)} but networking.podSubnet is ${cfg.networking.podSubnet}; ` +
          'pods will get addresses the cluster does not route (flannel#1428)',
      );
    }
  }
  for (const ds of objects.filter((o) => o.kind === 'DaemonSet')) {
    const ns = typeof ds.metadata?.namespace === 'string' ? ds.metadata.namespace : 'default';
    if (!cfg.podSecurity.privilegedNamespaces.includes(ns)) {
      warnings.push(
        `${cfg.cni.manifest}: DaemonSet ${String(ds.metadata?.name)} runs in namespace ${ns}, which is not in podSecurity.privilegedNamespaces; ` +
          'a CNI needs host networking and its pods will be refused unless the manifest brings its own policy',
      );
    }
  }
  return { text, warnings };
}
