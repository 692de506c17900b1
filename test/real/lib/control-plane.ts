/**
 * The control plane kubeadm described, run as plain processes: etcd and kube-apiserver with
 * exactly the flags of kubeadm's static pod manifests, except what must change to run many
 * of them on one shared host: every listen address is 127.0.0.1 on a free port, and every
 * path goes through the pod's own volume mounts into the sandbox directory. Stopped by PID.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { deadlineIn, TimeoutError, waitFor } from '../../../src/exec/wait.js';
import { Api } from './api.js';
import { flags, hostPathOf, pathFlags, readStaticPod, type StaticPod } from './static-pod.js';

export interface ControlPlaneOptions {
  /** Working directory: logs, etcd data, the rewritten kubeconfig. */
  dir: string;
  /** The host directory kubeadm wrote as /etc/kubernetes. */
  etcKubernetes: string;
  apiserver: string;
  etcd: string;
  /** How long the API server may take to turn ready (a loaded 2-core host is slow). */
  readySeconds?: number;
}

export interface Component {
  name: string;
  argv: string[];
  pid: number;
  log: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** kubeadm's well-known ports, each moved to a free one. */
interface Ports {
  etcdClient: number;
  etcdPeer: number;
  etcdMetrics: number;
  apiserver: number;
}

function moveUrl(url: string, ports: Ports): string {
  const u = new URL(url);
  const port = { '2379': ports.etcdClient, '2380': ports.etcdPeer, '2381': ports.etcdMetrics }[u.port];
  if (port === undefined) throw new Error(`unexpected port in ${url}`);
  return `${u.protocol}//127.0.0.1:${port}`;
}

function moveUrls(list: string, ports: Ports): string {
  return [...new Set(list.split(',').map((u) => moveUrl(u, ports)))].join(',');
}

export class ControlPlane {
  readonly components: Component[] = [];
  private readonly children: ResultPromise[] = [];
  server = '';
  kubeconfig = '';
  api!: Api;
  etcdPod!: StaticPod;
  apiserverPod!: StaticPod;

  private constructor(private readonly opts: ControlPlaneOptions) {}

  static async start(opts: ControlPlaneOptions): Promise<ControlPlane> {
    const cp = new ControlPlane(opts);
    try {
      await cp.boot();
    } catch (e) {
      await cp.stop();
      throw e;
    }
    return cp;
  }

  /** A host path named in a manifest, as it exists in the sandbox. */
  sandboxPath(hostPath: string): string {
    if (hostPath === '/etc/kubernetes' || hostPath.startsWith('/etc/kubernetes/')) {
      return path.join(this.opts.etcKubernetes, path.posix.relative('/etc/kubernetes', hostPath));
    }
    if (hostPath === '/var/lib/etcd' || hostPath.startsWith('/var/lib/etcd/')) {
      return path.join(this.opts.dir, 'etcd-data', path.posix.relative('/var/lib/etcd', hostPath));
    }
    return hostPath;
  }

  /** A path flag's value as the container sees it, followed to the sandbox. */
  private remapPaths(pod: StaticPod, f: Map<string, string>): void {
    for (const k of pathFlags(f)) f.set(k, this.sandboxPath(hostPathOf(pod, f.get(k)!)));
  }

  private async boot(): Promise<void> {
    const { dir, etcKubernetes } = this.opts;
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const ports: Ports = {
      etcdClient: await freePort(),
      etcdPeer: await freePort(),
      etcdMetrics: await freePort(),
      apiserver: await freePort(),
    };
    const manifests = path.join(etcKubernetes, 'manifests');
    this.etcdPod = readStaticPod(path.join(manifests, 'etcd.yaml'));
    this.apiserverPod = readStaticPod(path.join(manifests, 'kube-apiserver.yaml'));

    const etcd = flags(this.etcdPod.command);
    this.remapPaths(this.etcdPod, etcd);
    for (const k of [
      'listen-client-urls',
      'advertise-client-urls',
      'listen-peer-urls',
      'initial-advertise-peer-urls',
      'listen-metrics-urls',
    ]) {
      if (etcd.has(k)) etcd.set(k, moveUrls(etcd.get(k)!, ports));
    }
    if (etcd.has('initial-cluster')) {
      etcd.set(
        'initial-cluster',
        etcd
          .get('initial-cluster')!
          .split(',')
          .map((m) => m.replace(/=(.*)$/, (_, u: string) => `=${moveUrl(u, ports)}`))
          .join(','),
      );
    }
    mkdirSync(etcd.get('data-dir')!, { recursive: true, mode: 0o700 });
    this.spawn('etcd', this.opts.etcd, etcd);

    const apiserver = flags(this.apiserverPod.command);
    this.remapPaths(this.apiserverPod, apiserver);
    apiserver.set('secure-port', String(ports.apiserver));
    apiserver.set('etcd-servers', moveUrls(apiserver.get('etcd-servers')!, ports));
    // Not a kubeadm flag: without it the API server listens on every address of the host.
    apiserver.set('bind-address', '127.0.0.1');
    this.spawn('kube-apiserver', this.opts.apiserver, apiserver);

    this.server = `https://127.0.0.1:${ports.apiserver}`;
    const admin = readFileSync(path.join(etcKubernetes, 'admin.conf'), 'utf8');
    this.api = Api.fromKubeconfig(admin, this.server);
    this.kubeconfig = path.join(dir, 'admin.conf');
    writeFileSync(this.kubeconfig, localKubeconfig(admin, this.server), { mode: 0o600 });
    await this.waitReady(this.opts.readySeconds ?? 240);
  }

  private spawn(name: string, file: string, f: Map<string, string>): void {
    const argv = [...f].map(([k, v]) => `--${k}=${v}`);
    const log = path.join(this.opts.dir, 'logs', `${name}.log`);
    const child = execa(file, argv, {
      reject: false,
      stdin: 'ignore',
      stdout: { file: log, append: true },
      stderr: { file: log, append: true },
      // etcd reads ETCD_* variables as flags: give the components a clean environment.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: this.opts.dir },
      extendEnv: false,
      cleanup: true,
    });
    if (!child.pid) throw new Error(`${name} did not start (${file})`);
    this.children.push(child);
    this.components.push({ name, argv: [file, ...argv], pid: child.pid, log });
  }

  logTail(name: string, lines = 30): string {
    const c = this.components.find((x) => x.name === name);
    if (!c) return '';
    try {
      return readFileSync(c.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private async waitReady(seconds: number): Promise<void> {
    let last = '';
    try {
      await waitFor(
        async () => {
          this.children.forEach((c, i) => {
            if (c.exitCode !== null && c.exitCode !== undefined) {
              const name = this.components[i].name;
              throw new Error(`${name} exited with ${c.exitCode}:\n${this.logTail(name)}`);
            }
          });
          try {
            const r = await this.api.request('GET', '/readyz');
            last = `${r.status} ${String(typeof r.body === 'string' ? r.body : JSON.stringify(r.body)).slice(0, 300)}`;
            return r.status === 200 ? true : undefined;
          } catch (e) {
            last = (e as Error).message;
            return undefined;
          }
        },
        deadlineIn(seconds),
        { what: 'kube-apiserver /readyz', minDelayMs: 200, maxDelayMs: 1000 },
      );
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      throw new Error(`kube-apiserver not ready in ${seconds}s (last: ${last}):\n${this.logTail('kube-apiserver')}`);
    }
  }

  /** Stops every process this control plane started, newest first, by PID. */
  async stop(): Promise<void> {
    this.api?.close();
    for (let i = this.children.length - 1; i >= 0; i--) {
      const child = this.children[i];
      if (child.exitCode !== null && child.exitCode !== undefined) continue;
      child.kill('SIGTERM');
      const done = await Promise.race([
        child.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 20_000).unref()),
      ]);
      if (!done) {
        child.kill('SIGKILL');
        await child;
      }
    }
  }
}

/** admin.conf pointed at the local port, checking the certificate against kubeadm's SAN "kubernetes". */
export function localKubeconfig(text: string, server: string): string {
  const kc = parseYaml(text);
  for (const c of kc.clusters) {
    c.cluster.server = server;
    c.cluster['tls-server-name'] = 'kubernetes';
  }
  return stringifyYaml(kc);
}
