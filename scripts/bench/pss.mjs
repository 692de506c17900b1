#!/usr/bin/env node
// Pod Security Standards throughput: restricted checks of a three-container
// Deployment's pod template, many pods in one process, against the compiled
// src/policy/pss/evaluate.ts, through tsx (scripts/bench.mjs loads it). In-process: the
// checks alone; process.mjs measures the whole command.
//
//   node scripts/bench/pss.mjs [--pods 10000] [--rounds 5] [--level restricted] [--version latest]
//
// Prints e.g. `pss check (restricted, latest): 10000 pods in 0.080 s = 125,000 pods/s`
// (the best of the rounds, after a warm-up round), then the same for pods that are
// refused, whose messages are built too. Target: >= 50,000 pods/s.
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const srcEvaluate = path.resolve(here, '../../src/policy/pss/evaluate.ts');
const TARGET = 50_000;

/** A Deployment like the ones `kubectl get deploy -o json` prints: init + two containers, restricted-clean. */
function deployment(i) {
  const c = (name, extra = {}) => ({
    name,
    image: `registry.example/${name}:1.${i % 17}`,
    imagePullPolicy: 'IfNotPresent',
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    ...extra,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      ...(extra.securityContext ?? {}),
    },
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
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000 + (i % 7),
            fsGroup: 2000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          initContainers: [c('migrate', { command: ['/migrate', '--once'] })],
          containers: [
            c('web', {
              ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
              livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
              readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
              env: [{ name: 'MODE', value: 'prod' }],
              volumeMounts: [
                { name: 'cache', mountPath: '/cache' },
                { name: 'config', mountPath: '/etc/web' },
              ],
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

/** The same Deployment made to violate five restricted checks (message building included). */
function refused(i) {
  const d = deployment(i);
  const web = d.spec.template.spec.containers[0];
  web.securityContext = { privileged: true };
  delete d.spec.template.spec.securityContext.seccompProfile;
  d.spec.template.spec.securityContext.runAsNonRoot = undefined;
  return d;
}

function measure(evaluatePss, objs, level, version, rounds) {
  let best = Infinity;
  let violations = 0;
  for (let r = 0; r <= rounds; r++) {
    const t0 = process.hrtime.bigint();
    let v = 0;
    for (let i = 0; i < objs.length; i++) v += evaluatePss(objs[i], level, version).length;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r > 0 && s < best) best = s; // round 0 warms the JIT up
    violations = v;
  }
  return { seconds: best, perSecond: objs.length / best, violations };
}

export async function benchPss({ pods = 10_000, rounds = 5, level = 'restricted', version = 'latest' } = {}) {
  const { evaluatePss, parsePssVersion } = await import(pathToFileURL(srcEvaluate).href);
  const v = parsePssVersion(version);
  // Parse from JSON, as `policy check` does with kubectl output: realistic object shapes.
  const admitted = JSON.parse(JSON.stringify(Array.from({ length: pods }, (_, i) => deployment(i))));
  const denied = JSON.parse(JSON.stringify(Array.from({ length: pods }, (_, i) => refused(i))));
  const ok = measure(evaluatePss, admitted, level, v, rounds);
  if (ok.violations !== 0)
    throw new Error(`the admitted fixture has ${ok.violations} violations at ${level}:${version}`);
  const bad = measure(evaluatePss, denied, level, v, rounds);
  return { pods, level, version, admitted: ok, refused: bad };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function main() {
  const { values } = parseArgs({
    options: {
      pods: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '5' },
      level: { type: 'string', default: 'restricted' },
      version: { type: 'string', default: 'latest' },
    },
  });
  const r = await benchPss({
    pods: Number(values.pods),
    rounds: Number(values.rounds),
    level: values.level,
    version: values.version,
  });
  const line = (label, m) =>
    `${label} (${r.level}, ${r.version}): ${r.pods} pods in ${m.seconds.toFixed(3)} s = ${fmt(m.perSecond)} pods/s`;
  console.log(line('pss check', r.admitted));
  console.log(line('pss check, refused pods', r.refused));
  if (r.admitted.perSecond < TARGET) {
    console.error(`pss check: below the target of ${fmt(TARGET)} pods/s`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
}
