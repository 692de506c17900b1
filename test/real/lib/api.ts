/**
 * A small HTTPS client for the real API server, with the admin client certificate from
 * kubeadm's admin.conf and Kubernetes impersonation headers. The corpus sends thousands of
 * server-side dry runs; one kubectl process per pod would spend most of the run starting
 * kubectl, and the verdict under test is the API server's, not kubectl's.
 */
import https from 'node:https';
import { parse as parseYaml } from 'yaml';

export interface Identity {
  user: string;
  groups?: string[];
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** The admission verdict of one request: the stored (or dry-run) object, or the refusal. */
export interface Verdict {
  admitted: boolean;
  object?: any;
  message?: string;
  status: number;
}

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

export class Api {
  private readonly agent: https.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    server: string,
    ca: string,
    cert: string,
    key: string,
    /** The name in the API server's certificate (kubeadm's SANs do not include 127.0.0.1). */
    readonly serverName = 'kubernetes',
  ) {
    const u = new URL(server);
    this.host = u.hostname;
    this.port = Number(u.port || 443);
    this.agent = new https.Agent({ ca, cert, key, keepAlive: true, maxSockets: 8, servername: serverName });
  }

  static fromKubeconfig(text: string, server: string): Api {
    const kc = parseYaml(text) as Kubeconfig;
    const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
    return new Api(
      server,
      b64(kc.clusters[0].cluster['certificate-authority-data']),
      b64(kc.users[0].user['client-certificate-data']),
      b64(kc.users[0].user['client-key-data']),
    );
  }

  close(): void {
    this.agent.destroy();
  }

  request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    as?: Identity,
    contentType?: string,
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string | string[]> = { Accept: 'application/json' };
    if (as) {
      headers['Impersonate-User'] = as.user;
      if (as.groups?.length) headers['Impersonate-Group'] = as.groups;
    }
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    if (data !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(data));
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent, servername: this.serverName },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: any = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* plain text (healthz) */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  async get<T = any>(path: string, as?: Identity): Promise<T> {
    const r = await this.request<T>('GET', path, undefined, as);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${message(r.body)}`);
    return r.body;
  }

  /** Creates (or, with dryRun, only admits) an object; refusals are a Verdict, not an error. */
  async create(path: string, object: unknown, opts: { as?: Identity; dryRun?: boolean } = {}): Promise<Verdict> {
    const r = await this.request('POST', opts.dryRun ? `${path}?dryRun=All` : path, object, opts.as);
    if (r.status === 200 || r.status === 201) return { admitted: true, object: r.body, status: r.status };
    return { admitted: false, message: message(r.body), status: r.status };
  }

  /** Creates an object that must be created (setup, not the subject of a test). */
  async mustCreate(path: string, object: unknown, as?: Identity): Promise<any> {
    const v = await this.create(path, object, { as });
    if (!v.admitted && v.status !== 409) throw new Error(`POST ${path}: ${v.status} ${v.message}`);
    return v.object;
  }

  async delete(path: string): Promise<void> {
    const r = await this.request('DELETE', path);
    if (r.status !== 200 && r.status !== 202 && r.status !== 404)
      throw new Error(`DELETE ${path}: ${r.status} ${message(r.body)}`);
  }

  async patchStatus(path: string, patch: unknown, as?: Identity): Promise<any> {
    const r = await this.request('PATCH', `${path}/status`, patch, as, 'application/merge-patch+json');
    if (r.status !== 200) throw new Error(`PATCH ${path}/status: ${r.status} ${message(r.body)}`);
    return r.body;
  }
}

function message(body: any): string {
  if (body && typeof body === 'object' && typeof body.message === 'string') return body.message;
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body)?.slice(0, 500);
}

/** The groups the API server gives a service account (impersonation adds system:authenticated). */
export function serviceAccount(namespace: string, name: string): Identity {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
  };
}

export function node(name: string): Identity {
  return { user: `system:node:${name}`, groups: ['system:nodes'] };
}
