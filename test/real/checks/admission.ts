/**
 * Admission for real: the pods a cluster kubestrap built actually receives (control-plane
 * mirror pods from the node, the CNI's, kube-proxy's and CoreDNS's pods from their
 * controllers, the ingress controller's, tenants' pods and a privileged one from a tenant),
 * sent to the real API server as the identity that sends them on a real cluster, and each
 * verdict set beside `kubestrap policy check`'s on the same object.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { privilegedProbePod, restrictedProbePod } from '../../../src/render/probe-pods.js';
import { flannelNamespace } from '../../../src/versions.js';
import { type Identity, serviceAccount, node as nodeIdentity, type Verdict } from '../lib/api.js';
import type { RealCluster } from '../lib/cluster.js';
import { NODE_NAME } from '../lib/configs.js';
import {
  controllerIdentity,
  ensureDefaultServiceAccounts,
  ensureServiceAccount,
  mirrorPodOf,
  podFromTemplate,
  postMirrorPod,
  registerNode,
} from '../lib/kubelet.js';
import {
  policyCheck,
  pspReasons,
  pspState,
  pssMessage,
  pssRefusal,
  type PspCheck,
  type PssCheck,
} from '../lib/policy-check.js';
import { differences, pspView, seccompVersionSkew } from '../lib/projection.js';

export interface Subject {
  label: string;
  pod: any;
  as: Identity;
  /** Persisted (the system pods verify looks at later) or only a server-side dry run. */
  persist: boolean;
  mirror?: boolean;
}

export interface Outcome {
  subject: Subject;
  server: Verdict;
  /** The policy that admitted it (PSP) or the namespace's level:version (PSS). */
  serverPolicy?: string;
  offlineAdmitted: boolean;
  offlinePolicy?: string;
  disagreements: string[];
}

/** Everything a real `up` would have created besides our own manifests: kubeadm's phases against the server. */
export async function runKubeadmApiPhases(cluster: RealCluster): Promise<void> {
  const config = path.join(cluster.renderDir, 'kubeadm-config.yaml');
  for (const phase of [
    ['init', 'phase', 'upload-config', 'kubeadm'],
    ['init', 'phase', 'bootstrap-token'],
    ['init', 'phase', 'addon', 'all'],
  ]) {
    const p = await cluster.kubeadm([...phase, '--config', config, '--kubeconfig', cluster.kubeconfig]);
    if (p.result.exitCode !== 0) throw new Error(`kubeadm ${phase.join(' ')} failed:\n${p.result.stderr}`);
  }
}

export async function subjects(cluster: RealCluster): Promise<Subject[]> {
  const api = cluster.api;
  await ensureDefaultServiceAccounts(api);
  await ensureServiceAccount(api, 'ingress-nginx', 'ingress-nginx');
  const node =
    (await api.get(`/api/v1/nodes/${NODE_NAME}`).catch(() => undefined)) ?? (await registerNode(api, NODE_NAME));
  const out: Subject[] = [];

  const manifests = path.join(cluster.etcKubernetes, 'manifests');
  for (const f of readdirSync(manifests).sort()) {
    const pod = mirrorPodOf(parseYaml(readFileSync(path.join(manifests, f), 'utf8')), NODE_NAME, node.metadata.uid);
    out.push({
      label: `mirror pod ${pod.metadata.name}`,
      pod,
      as: nodeIdentity(NODE_NAME),
      persist: true,
      mirror: true,
    });
  }

  const flannelNs = flannelNamespace(cluster.minor);
  const flannel = await api.get(`/apis/apps/v1/namespaces/${flannelNs}/daemonsets/kube-flannel-ds`);
  const proxy = await api.get('/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy');
  const coredns = await api.get('/apis/apps/v1/namespaces/kube-system/deployments/coredns');
  for (const ds of [flannel, proxy]) {
    out.push({
      label: `${ds.metadata.name} pod from its DaemonSet`,
      pod: podFromTemplate(ds, 'DaemonSet', ds.spec.template, NODE_NAME),
      as: controllerIdentity('daemon-set-controller'),
      persist: true,
    });
  }
  out.push({
    label: 'coredns pod from its Deployment',
    pod: podFromTemplate(coredns, 'Deployment', coredns.spec.template, NODE_NAME),
    as: controllerIdentity('replicaset-controller'),
    persist: true,
  });

  // ingress-nginx as kubestrap's ingress step applied it (the rendered manifest of the pinned
  // release): the controller's pod from its Deployment, the certgen pods from their Jobs.
  const ingressNs = '/apis/apps/v1/namespaces/ingress-nginx';
  const ingress = await api.get(`${ingressNs}/deployments/ingress-nginx-controller`);
  out.push({
    label: 'ingress-nginx controller pod',
    pod: podFromTemplate(ingress, 'Deployment', ingress.spec.template, NODE_NAME),
    as: controllerIdentity('replicaset-controller'),
    persist: true,
  });
  for (const job of ['create', 'patch']) {
    const j = await api.get(`/apis/batch/v1/namespaces/ingress-nginx/jobs/ingress-nginx-admission-${job}`);
    out.push({
      label: `ingress-nginx certgen ${job} pod`,
      pod: podFromTemplate(j, 'Job', j.spec.template, NODE_NAME),
      as: controllerIdentity('job-controller'),
      persist: true,
    });
  }

  const tenants = ['team-a', 'team-b', 'team-c'];
  for (const ns of tenants) {
    for (const [what, text] of [
      ['restricted pod', restrictedProbePod(cluster.minor)],
      ['privileged pod', privilegedProbePod()],
    ] as const) {
      const pod = parseAllDocuments(text)[0].toJS();
      pod.metadata.namespace = ns;
      pod.spec.serviceAccountName = 'app';
      out.push({ label: `${what} as ${ns}:app`, pod, as: serviceAccount(ns, 'app'), persist: false });
    }
  }
  // A static pod placed in a tenant namespace: PodSecurityPolicy asks about the node, never
  // about the namespace's default service account (mirror pods have none).
  const staticPod = parseYaml(privilegedProbePod());
  staticPod.metadata.namespace = 'team-c';
  out.push({
    label: 'privileged mirror pod in team-c',
    pod: mirrorPodOf(staticPod, NODE_NAME, node.metadata.uid),
    as: nodeIdentity(NODE_NAME),
    persist: false,
    mirror: true,
  });
  return out;
}

async function send(cluster: RealCluster, s: Subject): Promise<Verdict> {
  const ns = s.pod.metadata.namespace;
  if (s.mirror) return postMirrorPod(cluster.api, s.pod, NODE_NAME, !s.persist);
  return cluster.api.create(`/api/v1/namespaces/${ns}/pods`, s.pod, { as: s.as, dryRun: !s.persist });
}

function asArgs(as: Identity): string[] {
  const args = ['--as', as.user];
  // policy check adds a service account's own groups; a node's must be named.
  if (!as.user.startsWith('system:serviceaccount:')) for (const g of as.groups ?? []) args.push('--as-group', g);
  return args;
}

export async function judgePsp(cluster: RealCluster, list: Subject[]): Promise<Outcome[]> {
  const state = await pspState(cluster.api);
  const out: Outcome[] = [];
  for (const s of list) {
    const [offline] = await policyCheck<PspCheck>(cluster, [...state, s.pod], asArgs(s.as));
    const server = await send(cluster, s);
    const serverPolicy = server.object?.metadata?.annotations?.['kubernetes.io/psp'];
    const d: string[] = [];
    if (server.admitted !== offline.admitted) {
      d.push(
        `server ${server.admitted ? `admitted (${serverPolicy})` : `refused: ${server.message}`}; policy check ${offline.admitted ? `admitted (${offline.policy})` : `refused: ${offline.reasons.join(', ')}`}`,
      );
    } else if (server.admitted) {
      if (serverPolicy !== offline.policy) d.push(`policy: server ${serverPolicy}, policy check ${offline.policy}`);
      d.push(
        ...differences(pspView(server.object), pspView(seccompVersionSkew(offline.pod))).map(
          (x) => `mutated pod: ${x} (server vs policy check)`,
        ),
      );
    } else {
      const reasons = pspReasons(server.message);
      if (!reasons) d.push(`server refused it, but not by PodSecurityPolicy: ${server.message}`);
      else if (JSON.stringify(reasons) !== JSON.stringify([...offline.reasons].sort()))
        d.push(`reasons: server ${JSON.stringify(reasons)}, policy check ${JSON.stringify(offline.reasons)}`);
    }
    out.push({
      subject: s,
      server,
      serverPolicy,
      offlineAdmitted: offline.admitted,
      offlinePolicy: offline.policy ?? undefined,
      disagreements: d,
    });
  }
  return out;
}

/** The level and version the PodSecurity plugin enforces in a namespace (labels, else the admission config's defaults). */
export function enforcedLevel(
  ns: any,
  defaults: { level: string; version: string; exempt: string[] },
): { level: string; version: string } | 'exempt' {
  if (defaults.exempt.includes(ns.metadata.name)) return 'exempt';
  const labels = ns.metadata.labels ?? {};
  return {
    level: labels['pod-security.kubernetes.io/enforce'] ?? defaults.level,
    version: labels['pod-security.kubernetes.io/enforce-version'] ?? defaults.version,
  };
}

export function admissionDefaults(cluster: RealCluster): { level: string; version: string; exempt: string[] } {
  const text = readFileSync(path.join(cluster.etcKubernetes, 'pod-security', 'admission-config.yaml'), 'utf8');
  const cfg = parseYaml(text).plugins.find((p: any) => p.name === 'PodSecurity').configuration;
  return {
    level: cfg.defaults.enforce,
    version: cfg.defaults['enforce-version'],
    exempt: cfg.exemptions?.namespaces ?? [],
  };
}

export async function judgePss(cluster: RealCluster, list: Subject[]): Promise<Outcome[]> {
  const defaults = admissionDefaults(cluster);
  const out: Outcome[] = [];
  for (const s of list) {
    const ns = await cluster.api.get(`/api/v1/namespaces/${s.pod.metadata.namespace}`);
    const enforced = enforcedLevel(ns, defaults);
    const server = await send(cluster, s);
    const d: string[] = [];
    let offlineAdmitted = true;
    let serverPolicy = 'exempt';
    if (enforced !== 'exempt') {
      serverPolicy = `${enforced.level}:${enforced.version}`;
      const [offline] = await policyCheck<PssCheck>(
        cluster,
        [s.pod],
        ['--level', enforced.level, '--pss-version', enforced.version],
      );
      offlineAdmitted = offline.admitted;
      const refusal = pssRefusal(server.message);
      if (server.admitted !== offline.admitted) {
        d.push(
          `server ${server.admitted ? 'admitted' : `refused: ${server.message}`}; policy check ${offline.admitted ? 'admitted' : pssMessage(offline, serverPolicy)}`,
        );
      } else if (!server.admitted) {
        if (refusal !== pssMessage(offline, serverPolicy))
          d.push(`message: server ${refusal ?? server.message}; policy check ${pssMessage(offline, serverPolicy)}`);
      }
    } else if (!server.admitted) {
      d.push(`server refused a pod in an exempt namespace: ${server.message}`);
    }
    out.push({ subject: s, server, serverPolicy, offlineAdmitted, disagreements: d });
  }
  return out;
}
