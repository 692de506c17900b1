/**
 * Pods for the Pod Security Standards tests. `restrictedPod()` passes restricted at
 * every version (as upstream's test/fixtures minimal valid pods do); each test then
 * breaks exactly one thing so it sees exactly one check's verdict.
 */
import test from 'ava';
import type { PssLevel, PssVersion, PssViolation } from '../../../src/policy/pss/types.js';
import { evaluatePss } from '../../../src/policy/pss/evaluate.js';

export type Json = any;

export function restrictedContainer(name: string, extra: Json = {}): Json {
  return {
    name,
    image: 'registry.example/app:1',
    ...extra,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      ...(extra.securityContext ?? {}),
    },
  };
}

/** A pod that restricted admits at every policy version, with one init and one regular container. */
export function restrictedPod(patch: (p: Json) => void = () => {}): Json {
  const p: Json = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'demo' },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      initContainers: [restrictedContainer('init')],
      containers: [restrictedContainer('c')],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
  patch(p);
  return p;
}

export const v = (minor: number): PssVersion => ({ minor });

/** The verdict of one check: its violation, or undefined when it passed (or did not run). */
export function verdict(pod: Json, level: PssLevel, version: PssVersion, check: string): PssViolation | undefined {
  return evaluatePss(pod, level, version).find((x) => x.check === check);
}

/** flannel v0.28.9's DaemonSet as kubestrap renders it (flannel-io/flannel kube-flannel.yml of v0.28.9). */
export function flannelDaemonSet(): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'kube-flannel-ds', namespace: 'kube-flannel' },
    spec: {
      selector: { matchLabels: { app: 'flannel' } },
      template: {
        metadata: { labels: { app: 'flannel', tier: 'node' } },
        spec: {
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
          serviceAccountName: 'flannel',
          initContainers: [
            {
              name: 'install-cni-plugin',
              image: 'ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3',
              command: ['cp'],
              args: ['-f', '/flannel', '/opt/cni/bin/flannel'],
              volumeMounts: [{ name: 'cni-plugin', mountPath: '/opt/cni/bin' }],
            },
            {
              name: 'install-cni',
              image: 'ghcr.io/flannel-io/flannel:v0.28.9',
              command: ['cp'],
              args: ['-f', '/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist'],
              volumeMounts: [
                { name: 'cni', mountPath: '/etc/cni/net.d' },
                { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
              ],
            },
          ],
          containers: [
            {
              name: 'kube-flannel',
              image: 'ghcr.io/flannel-io/flannel:v0.28.9',
              command: ['/opt/bin/flanneld'],
              args: ['--ip-masq', '--kube-subnet-mgr'],
              resources: { requests: { cpu: '100m', memory: '50Mi' } },
              securityContext: { privileged: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
              volumeMounts: [
                { name: 'run', mountPath: '/run/flannel' },
                { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
                { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
              ],
            },
          ],
          volumes: [
            { name: 'run', hostPath: { path: '/run/flannel' } },
            { name: 'cni-plugin', hostPath: { path: '/opt/cni/bin' } },
            { name: 'cni', hostPath: { path: '/etc/cni/net.d' } },
            { name: 'flannel-cfg', configMap: { name: 'kube-flannel-cfg' } },
            { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
          ],
        },
      },
    },
  };
}

/**
 * The ingress-nginx controller pod of the v1.15 baremetal manifest (kubernetes/ingress-nginx
 * deploy/static/provider/baremetal/deploy.yaml at controller-v1.15.1): user 101, drop ALL + add NET_BIND_SERVICE, no privilege escalation,
 * runAsNonRoot, seccomp RuntimeDefault, webhook certificate from a Secret.
 */
export function ingressNginxControllerPod(): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'ingress-nginx-controller-5c4d6b7f8-abcde',
      namespace: 'ingress-nginx',
      labels: { 'app.kubernetes.io/component': 'controller', 'app.kubernetes.io/name': 'ingress-nginx' },
    },
    spec: {
      dnsPolicy: 'ClusterFirst',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      serviceAccountName: 'ingress-nginx',
      terminationGracePeriodSeconds: 300,
      containers: [
        {
          name: 'controller',
          image: 'registry.k8s.io/ingress-nginx/controller:v1.15.1',
          args: [
            '/nginx-ingress-controller',
            '--election-id=ingress-nginx-leader',
            '--controller-class=k8s.io/ingress-nginx',
          ],
          lifecycle: { preStop: { exec: { command: ['/wait-shutdown'] } } },
          livenessProbe: { httpGet: { path: '/healthz', port: 10254, scheme: 'HTTP' }, failureThreshold: 5 },
          readinessProbe: { httpGet: { path: '/healthz', port: 10254, scheme: 'HTTP' }, failureThreshold: 3 },
          ports: [
            { containerPort: 80, name: 'http', protocol: 'TCP' },
            { containerPort: 443, name: 'https', protocol: 'TCP' },
            { containerPort: 8443, name: 'webhook', protocol: 'TCP' },
          ],
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
            readOnlyRootFilesystem: false,
            runAsGroup: 82,
            runAsNonRoot: true,
            runAsUser: 101,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          volumeMounts: [{ mountPath: '/usr/local/certificates/', name: 'webhook-cert', readOnly: true }],
        },
      ],
      volumes: [
        { name: 'webhook-cert', secret: { secretName: 'ingress-nginx-admission' } },
        {
          name: 'kube-api-access-x1y2z',
          projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] },
        },
      ],
    },
  };
}

/** A three-container Deployment (init + two regular) whose template passes restricted. */
export function threeContainerDeployment(): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [restrictedContainer('migrate', { command: ['/migrate'] })],
          containers: [
            restrictedContainer('web', {
              ports: [{ containerPort: 8080 }],
              livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
              readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
            }),
            restrictedContainer('sidecar', { ports: [{ containerPort: 9090 }] }),
          ],
          volumes: [
            { name: 'cache', emptyDir: {} },
            { name: 'config', configMap: { name: 'web' } },
          ],
        },
      },
    },
  };
}

export interface CheckRow {
  name: string;
  pod: Json;
  version?: PssVersion;
  /** undefined: the check must pass. */
  want?: { reason: string; detail: string };
}

/** One test per row: the named check of the level, at the row's version, passes or says exactly `want`. */
export function checkTable(level: PssLevel, check: string, rows: CheckRow[]): void {
  for (const row of rows) {
    const version = row.version ?? 'latest';
    const label = version === 'latest' ? 'latest' : `v1.${version.minor}`;
    test(`${check} @ ${level}:${label}: ${row.name}`, (t) => {
      const got = verdict(row.pod, level, version, check);
      if (row.want === undefined) t.is(got, undefined, got ? `${got.reason} (${got.detail})` : '');
      else t.deepEqual(got, { check, ...row.want });
    });
  }
}
