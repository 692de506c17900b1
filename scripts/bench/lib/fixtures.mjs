// Inputs shared by the benchmarks: Deployments as `kubectl get deploy -A -o json|yaml`
// prints them, and the five built-in PodSecurityPolicies that all admit them.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { dump } from 'js-yaml';

/** The built-in policies every Deployment below is judged against (all usable). */
export const POLICIES = [
  'baseline',
  'ingress-nginx',
  'privileged-restricted',
  'privileged-root-volumes-restricted',
  'restricted',
];

/** A Deployment as kubectl prints it: one init container and two containers, no pod-level extras. */
export function deployment(i, refused) {
  const c = (name, extra = {}) => ({
    name,
    image: `registry.example/${name}:1.${i % 17}`,
    imagePullPolicy: 'IfNotPresent',
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    ...extra,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `web-${i}`, namespace: `team-${i % 50}`, labels: { app: `web-${i}` } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: `web-${i}` } },
      template: {
        metadata: { labels: { app: `web-${i}` }, annotations: { 'prometheus.io/scrape': 'true' } },
        spec: {
          securityContext: { runAsUser: 1000 + (i % 7), fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
          initContainers: [c('migrate', { command: ['/migrate', '--once'] })],
          containers: [
            c('web', {
              ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP', ...(refused ? { hostPort: 8080 } : {}) }],
              env: [{ name: 'MODE', value: 'prod' }],
              volumeMounts: [
                { name: 'cache', mountPath: '/cache' },
                { name: 'config', mountPath: '/etc/web' },
              ],
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'], ...(refused ? { add: ['SYS_ADMIN'] } : {}) },
              },
            }),
            c('metrics', { ports: [{ containerPort: 9090, name: 'metrics' }] }),
          ],
          volumes: [
            { name: 'cache', emptyDir: {} },
            { name: 'config', configMap: { name: `web-${i}` } },
            { name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
          ],
        },
      },
    },
  };
}

/** Writes the List to `file` as kubectl would print it, without holding it in memory. */
export async function writeList(file, n, refused) {
  const out = createWriteStream(file, { encoding: 'utf8' });
  const write = async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{\n    "apiVersion": "v1",\n    "items": [\n');
  for (let i = 0; i < n; i++) {
    const item = JSON.stringify(deployment(i, refused), null, 4).replace(/^/gm, '        ');
    await write((i ? ',\n' : '') + item);
  }
  await write('\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n');
  out.end();
  await once(out, 'finish');
}

/** The same Deployments as multi-document YAML (`---` before each). */
export async function writeYaml(file, n, refused) {
  const out = createWriteStream(file, { encoding: 'utf8' });
  for (let i = 0; i < n; i++) {
    if (!out.write(`---\n${dump(deployment(i, refused), { lineWidth: -1 })}`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
