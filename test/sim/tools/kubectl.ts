/**
 * The simulated kubectl: the calls kubestrap makes (apply, get, wait, rollout
 * status, taint, auth can-i, create --dry-run=server, version, label, delete,
 * replace), with kubectl's argv checking, output formats and error texts
 * (REAL-OUTPUTS.md §4-§10 (test/sim)) against the cluster model.
 */
import fs from 'node:fs';
import yaml from 'js-yaml';
import type { Sim } from '../state.js';
import type { ClusterState, KObj, SimState } from '../types.js';
import { parseKubectlArgs, flag, flagAll, boolFlag, type ParsedArgs } from './kubectl-args.js';
import {
  parseMinor,
  kubectlJson,
  klog,
  parseGoDuration,
  sortKeys,
  clone,
  canonical,
  table,
  age,
  sleep,
} from '../util.js';
import {
  resolveKind,
  resolveResourceArg,
  nameKind,
  qualifiedPlural,
  objKey,
  byKind,
  preferredApiVersion,
  type ResourceInfo,
} from '../resources.js';
import { readManifests, ManifestError, type SourcedObject } from '../manifests.js';
import { apiServerAddresses, getObj, listObjs, putObj, deleteObj } from '../cluster.js';
import {
  admitPodCreate,
  workloadWarnings,
  namespaceUpdateWarnings,
  adminUser,
  loadRbac,
  rbacFor,
  type Requester,
} from '../admission.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const WORKLOADS = new Set([
  'Deployment',
  'DaemonSet',
  'ReplicaSet',
  'StatefulSet',
  'Job',
  'CronJob',
  'ReplicationController',
]);

class Out {
  private warned = new Set<string>();
  constructor(private readonly sim: Sim) {}
  out(t: string): void {
    this.sim.io.out(t);
  }
  err(t: string): void {
    this.sim.io.err(t);
  }
  /** Server warnings, deduplicated per process as kubectl's warning writer does. */
  warn(w: string): void {
    if (this.warned.has(w)) return;
    this.warned.add(w);
    this.sim.io.err(`Warning: ${w}\n`);
  }
}

interface Ctx {
  sim: Sim;
  o: Out;
  args: ParsedArgs;
  clientMinor: number;
  kubeconfig?: string;
}

export async function run(sim: Sim): Promise<number> {
  const s0 = sim.peek();
  const clientMinor = parseMinor(s0.versions.kubectl);
  const o = new Out(sim);
  const p = parseKubectlArgs(sim.argv);
  if (!p.ok) {
    o.err(`${p.error}\n`);
    return 1;
  }
  const ctx: Ctx = { sim, o, args: p.args, clientMinor };
  switch (p.args.command) {
    case 'version':
      return version(ctx);
    case 'apply':
      return applyOrCreate(ctx, 'apply');
    case 'create':
      return applyOrCreate(ctx, 'create');
    case 'create namespace':
      return createNamespace(ctx);
    case 'get':
      return get(ctx);
    case 'wait':
      return wait(ctx);
    case 'rollout status':
      return rolloutStatus(ctx);
    case 'taint':
      return taint(ctx);
    case 'auth can-i':
      return canI(ctx);
    case 'label':
      return label(ctx);
    case 'delete':
      return del(ctx);
    case 'patch':
      return patch(ctx);
    case 'replace':
      return replace(ctx);
  }
  o.err(`sim: kubectl ${p.args.command} is not modelled\n`);
  return 1;
}

// ------------------------------------------------------------------ connection

interface Kubeconfig {
  path?: string;
  server: string;
  caId?: string;
  user?: string;
}

type Conn =
  | { ok: true; state: SimState; cluster: ClusterState; user: Requester; server: string }
  | { ok: false; code: number };

function hostPort(server: string): string {
  return server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

function readKubeconfig(ctx: Ctx): Kubeconfig | { error: string } {
  const explicit = flag(ctx.args, 'kubeconfig');
  let file = explicit;
  if (!file) {
    const env = process.env.KUBECONFIG?.split(':').find((f) => f && fs.existsSync(f));
    file = env ?? ctx.sim.at('/root/.kube/config');
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (explicit)
      return {
        error:
          code === 'EACCES'
            ? `error: open ${file}: permission denied`
            : `error: stat ${file}: no such file or directory`,
      };
    return { server: 'http://localhost:8080' };
  }
  const server = /^\s*server:\s*(\S+)/m.exec(text)?.[1] ?? 'http://localhost:8080';
  const caData = /certificate-authority-data:\s*(\S+)/.exec(text)?.[1];
  const caId = caData ? /SIM-CLUSTER-CA (\S+)/.exec(Buffer.from(caData, 'base64').toString('utf8'))?.[1] : undefined;
  const user = /^\s*user:\s*(\S+)\s*$/m.exec(text)?.[1];
  return { path: file, server, caId, user };
}

/** The E lines newer kubectl prints while discovery fails, then the classic one-liner. */
function discoveryFailure(ctx: Ctx, url: string, cause: string, final: string): void {
  const m = ctx.clientMinor;
  if (m >= 26) {
    const where = m === 26 ? 'memcache.go:238' : 'memcache.go:265';
    const msg = `couldn't get current server API group list: Get "${url}/api?timeout=32s": ${cause}`;
    for (let i = 0; i < 5; i++) {
      ctx.o.err(`${klog('E', where, m >= 31 ? `"Unhandled Error" err=${JSON.stringify(msg)}` : msg)}\n`);
    }
  }
  ctx.o.err(`${final}\n`);
}

/** Connects to the API server named in the kubeconfig: errors as kubectl prints them. */
async function connect(ctx: Ctx, opts: { applyFile?: string; validate?: boolean } = {}): Promise<Conn> {
  const kc = readKubeconfig(ctx);
  if ('error' in kc) {
    ctx.o.err(`${kc.error}\n`);
    return { ok: false, code: 1 };
  }
  const state = await ctx.sim.read();
  const c = state.cluster;
  const hp = hostPort(kc.server);
  const refused = `dial tcp ${hp}: connect: connection refused`;
  // The API server restarting or crash-looping after its manifest changed closes the port too.
  const away = c?.apiServer !== undefined && c.apiServer.state !== 'running';
  if (
    !c ||
    away ||
    kc.server.startsWith('http://localhost:8080') ||
    !apiServerAddresses(c).includes(hostPort(kc.server))
  ) {
    if (opts.applyFile !== undefined) {
      const m = ctx.clientMinor;
      if (opts.validate === false)
        ctx.o.err(`error: unable to recognize "${opts.applyFile}": Get "${kc.server}/api?timeout=32s": ${refused}\n`);
      else if (m === 27 || m === 28)
        ctx.o.err(`The connection to the server ${hp} was refused - did you specify the right host or port?\n`);
      else
        ctx.o.err(
          `error: error validating "${opts.applyFile}": error validating data: failed to download openapi: Get "${kc.server}/openapi/v2?timeout=32s": ${refused}; if you choose to ignore these errors, turn validation off with --validate=false\n`,
        );
      return { ok: false, code: 1 };
    }
    discoveryFailure(
      ctx,
      kc.server,
      refused,
      `The connection to the server ${hp} was refused - did you specify the right host or port?`,
    );
    return { ok: false, code: 1 };
  }
  if (kc.caId && kc.caId !== c.id) {
    const x509 =
      'x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "kubernetes")';
    const cause = ctx.clientMinor >= 27 ? `tls: failed to verify certificate: ${x509}` : x509;
    discoveryFailure(ctx, kc.server, cause, `Unable to connect to the server: ${cause}`);
    return { ok: false, code: 1 };
  }
  let user: Requester = adminUser(c.minor);
  if (kc.user === 'kubernetes-super-admin')
    user = { name: 'kubernetes-super-admin', groups: ['system:masters', 'system:authenticated'] };
  else if (kc.user?.startsWith('system:node:'))
    user = { name: kc.user, groups: ['system:nodes', 'system:authenticated'] };
  const as = flag(ctx.args, 'as');
  if (as) {
    const rbac = await loadRbac();
    const u = rbac.impersonatedUser(as, flagAll(ctx.args, 'as-group'));
    user = { name: u.name, groups: [...u.groups] };
  }
  return { ok: true, state, cluster: c, user, server: kc.server };
}

/** The objects of `-f` files (and stdin), or kubectl's error printed and its exit code. */
function readFilesOrReport(ctx: Ctx, files: string[]): SourcedObject[] | number {
  try {
    return readManifests(files, ctx.sim.io.stdin, boolFlag(ctx.args, 'recursive'));
  } catch (e) {
    if (e instanceof ManifestError) {
      ctx.o.err(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function namespaceOf(ctx: Ctx): string {
  return flag(ctx.args, 'namespace') ?? 'default';
}

function statusError(reason: string, msg: string): string {
  return `Error from server (${reason}): ${msg}`;
}

/** Prints collected errors as kubectl's CheckErr does: one with `error: `, several without. */
function printErrors(ctx: Ctx, errors: { msg: string; status?: boolean }[]): number {
  if (errors.length === 0) return 0;
  if (errors.length === 1) ctx.o.err(`${errors[0].status ? errors[0].msg : `error: ${errors[0].msg}`}\n`);
  else for (const e of errors) ctx.o.err(`${e.msg}\n`);
  return 1;
}

// ------------------------------------------------------------------ version

const KUSTOMIZE: Record<number, string> = {
  24: 'v4.5.4',
  25: 'v4.5.7',
  26: 'v4.5.7',
  27: 'v5.0.1',
  28: 'v5.0.4-0.20230601165947-6ce0bf390ce3',
  29: 'v5.0.4-0.20230601165947-6ce0bf390ce3',
  30: 'v5.0.4-0.20230601165947-6ce0bf390ce3',
  31: 'v5.4.2',
  32: 'v5.5.0',
  33: 'v5.6.0',
};

function info(v: string): Record<string, string> {
  const m = /^v(\d+)\.(\d+)/.exec(v)!;
  return {
    major: m[1],
    minor: m[2],
    gitVersion: v,
    gitCommit: '22a9682c8fe855c321be75c5faacde343f909b04',
    gitTreeState: 'clean',
    buildDate: '2023-08-23T23:44:35Z',
    goVersion: 'go1.20.7',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

async function version(ctx: Ctx): Promise<number> {
  const s = ctx.sim.peek();
  const o = flag(ctx.args, 'output');
  const client = boolFlag(ctx.args, 'client');
  const m = ctx.clientMinor;
  const kustomize = m >= 24 ? (KUSTOMIZE[m] ?? 'v5.6.0') : undefined;
  if (o !== undefined && o !== 'json' && o !== 'yaml') {
    ctx.o.err(`error: --output must be 'yaml' or 'json'\n`);
    return 1;
  }
  if (boolFlag(ctx.args, 'short') && m >= 28) {
    ctx.o.err(`error: unknown flag: --short\nSee 'kubectl version --help' for usage.\n`);
    return 1;
  }
  let server: Record<string, string> | undefined;
  let failed = false;
  if (!client) {
    const conn = await connect(ctx);
    if (conn.ok) server = info(conn.cluster.version);
    else failed = true;
  }
  const doc: Record<string, unknown> = { clientVersion: info(s.versions.kubectl) };
  if (kustomize) doc.kustomizeVersion = kustomize;
  if (server) doc.serverVersion = server;
  if (o === 'json') ctx.o.out(`${JSON.stringify(doc, null, 2)}\n`);
  else if (o === 'yaml') ctx.o.out(yaml.dump(doc));
  else if (m >= 28 || boolFlag(ctx.args, 'short')) {
    ctx.o.out(
      `Client Version: ${s.versions.kubectl}\n${kustomize ? `Kustomize Version: ${kustomize}\n` : ''}${server ? `Server Version: ${server.gitVersion}\n` : ''}`,
    );
  } else {
    if (m >= 24)
      ctx.o.err(
        'WARNING: This version information is deprecated and will be replaced with the output from kubectl version --short.  Use --output=yaml|json to get the full version.\n',
      );
    const i = info(s.versions.kubectl);
    const fmt = (x: Record<string, string>) =>
      `version.Info{Major:"${x.major}", Minor:"${x.minor}", GitVersion:"${x.gitVersion}", GitCommit:"${x.gitCommit}", GitTreeState:"${x.gitTreeState}", BuildDate:"${x.buildDate}", GoVersion:"${x.goVersion}", Compiler:"${x.compiler}", Platform:"${x.platform}"}`;
    ctx.o.out(
      `Client Version: ${fmt(i)}\n${kustomize ? `Kustomize Version: ${kustomize}\n` : ''}${server ? `Server Version: ${fmt(server)}\n` : ''}`,
    );
  }
  return failed ? 1 : 0;
}

// ------------------------------------------------------------------ apply / create

function dryRunMode(ctx: Ctx): 'none' | 'client' | 'server' | { error: string } {
  const v = flag(ctx.args, 'dry-run');
  if (v === undefined || v === 'none' || v === 'false') return 'none';
  if (v === 'server') return 'server';
  if (v === 'client') return 'client';
  if (v === 'unchanged' || v === 'true') {
    ctx.o.err(`${klog('W', 'helpers.go:663', '--dry-run is deprecated and can be replaced with --dry-run=client.')}\n`);
    return 'client';
  }
  return { error: `Invalid dry-run value (${v}). Must be "none", "server", or "client".` };
}

/** Schema validation kubectl does from the server's OpenAPI: fields the server does not know. */
function validateObject(obj: KObj, r: ResourceInfo, c: ClusterState): string | undefined {
  const missing: string[] = [];
  if (!obj.apiVersion) missing.push('apiVersion not set');
  if (!obj.kind) missing.push('kind not set');
  if (missing.length) return `[${missing.join(', ')}]`;
  if (r.kind === 'PodSecurityPolicy') {
    const since: Record<string, number> = {
      allowedProcMountTypes: 12,
      runAsGroup: 13,
      allowedCSIDrivers: 14,
      runtimeClass: 15,
    };
    const group = String(obj.apiVersion).startsWith('extensions') ? 'extensions' : 'policy';
    for (const [f, m] of Object.entries(since)) {
      if (obj.spec?.[f] !== undefined && c.minor < m)
        return `ValidationError(PodSecurityPolicy.spec): unknown field "${f}" in io.k8s.api.${group}.v1beta1.PodSecurityPolicySpec`;
    }
  }
  if (!obj.metadata?.name && !obj.metadata?.generateName) return undefined;
  return undefined;
}

function serverWarnings(r: ResourceInfo, obj: KObj, c: ClusterState): string[] {
  if (r.kind === 'PodSecurityPolicy' && c.minor >= 21 && c.minor <= 24)
    return ['policy/v1beta1 PodSecurityPolicy is deprecated in v1.21+, unavailable in v1.25+'];
  if (r.kind === 'CronJob' && String(obj.apiVersion) === 'batch/v1beta1' && c.minor >= 21)
    return ['batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob'];
  return [];
}

/** Faults that make the server lose an object it said it stored. */
function dropFault(s: SimState, obj: KObj): boolean {
  for (const f of s.faults) {
    if (f.action !== 'dropObject' || (f.count !== undefined && f.count <= 0)) continue;
    if (f.kind !== obj.kind || f.name !== obj.metadata?.name) continue;
    if (f.namespace && f.namespace !== obj.metadata?.namespace) continue;
    if (f.count !== undefined) f.count--;
    f.fired = (f.fired ?? 0) + 1;
    return true;
  }
  return false;
}

function resourceFor(c: ClusterState, obj: KObj): ResourceInfo | undefined {
  return resolveKind(String(obj.apiVersion ?? ''), String(obj.kind ?? ''), c.minor);
}

/** Whether `user` may `verb` the object (impersonated users go through RBAC; admins always may). */
async function authorized(
  c: ClusterState,
  user: Requester,
  verb: string,
  r: ResourceInfo,
  ns: string,
  name: string,
): Promise<string | undefined> {
  const authz = await rbacFor(c);
  if (authz.allows(user, { verb, apiGroup: r.group, resource: r.plural, name, namespace: r.namespaced ? ns : '' }))
    return undefined;
  const where = r.namespaced ? ` in the namespace "${ns}"` : ' at the cluster scope';
  const what =
    verb === 'create' || !name ? `${qualifiedPlural(r)} is forbidden` : `${qualifiedPlural(r)} "${name}" is forbidden`;
  return `${what}: User "${user.name}" cannot ${verb} resource "${r.plural}" in API group "${r.group}"${where}`;
}

function stripForCompare(o: KObj): KObj {
  const x = clone(o);
  if (x.metadata?.annotations) {
    delete x.metadata.annotations[LAST_APPLIED];
    if (Object.keys(x.metadata.annotations).length === 0) delete x.metadata.annotations;
  }
  return x;
}

async function applyOrCreate(ctx: Ctx, verb: 'apply' | 'create'): Promise<number> {
  const files = flagAll(ctx.args, 'filename');
  if (files.length === 0) {
    if (verb === 'create' && ctx.args.positional.length) {
      ctx.o.err(`sim: the simulated kubectl does not model "kubectl create ${ctx.args.positional[0]}"\n`);
      return 1;
    }
    ctx.o.err(
      verb === 'apply' ? 'error: must specify one of -f and -k\n\n' : 'error: must specify one of -f and -k\n\n',
    );
    return 1;
  }
  if (flag(ctx.args, 'kustomize') || boolFlag(ctx.args, 'server-side') || boolFlag(ctx.args, 'prune')) {
    ctx.o.err('sim: the simulated kubectl does not model -k, --server-side or --prune\n');
    return 1;
  }
  const dry = dryRunMode(ctx);
  if (typeof dry === 'object') {
    ctx.o.err(`error: ${dry.error}\n`);
    return 1;
  }
  const output = flag(ctx.args, 'output');
  if (output !== undefined && output !== 'name' && output !== 'json' && output !== 'yaml') {
    ctx.o.err(`sim: the simulated kubectl does not model -o ${output}\n`);
    return 1;
  }
  const items = readFilesOrReport(ctx, files);
  if (typeof items === 'number') return items;
  if (items.length === 0) {
    ctx.o.err(`error: no objects passed to ${verb}\n`);
    return 1;
  }
  const validateFlag = flag(ctx.args, 'validate');
  const conn = await connect(ctx, {
    applyFile: items[0].source,
    validate: !(validateFlag === 'false' || validateFlag === 'ignore'),
  });
  if (!conn.ok) return conn.code;
  const nsFlag = flag(ctx.args, 'namespace');
  const suffix = dry === 'server' ? ' (server dry run)' : dry === 'client' ? ' (dry run)' : '';
  const errors: { msg: string; status?: boolean }[] = [];

  return ctx.sim.update(async (s) => {
    const c = s.cluster!;
    const now = ctx.sim.now();
    for (const { obj: raw, source } of items) {
      const obj = clone(raw);
      const r = obj.apiVersion && obj.kind ? resourceFor(c, obj) : undefined;
      const invalid = r
        ? validateObject(obj, r, c)
        : obj.apiVersion && obj.kind
          ? undefined
          : validateObject(obj, byKind('Pod')!, c);
      if (invalid && validateFlag !== 'false') {
        errors.push({
          msg: `error validating "${source}": error validating data: ${invalid}; if you choose to ignore these errors, turn validation off with --validate=false`,
        });
        continue;
      }
      const name = String(obj.metadata?.name ?? '');
      if (!r) {
        const ns = obj.metadata?.namespace ?? '';
        const m = ctx.clientMinor;
        if (m >= 24)
          errors.push({
            msg: `resource mapping not found for name: "${name}" namespace: "${nsFlag && byKind(obj.kind)?.namespaced !== false ? nsFlag : ns}" from "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`,
          });
        else
          errors.push({
            msg: `unable to recognize "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`,
          });
        continue;
      }
      obj.metadata ??= {};
      if (r.namespaced) {
        if (obj.metadata.namespace && nsFlag && obj.metadata.namespace !== nsFlag) {
          errors.push({
            msg: `the namespace from the provided object "${obj.metadata.namespace}" does not match the namespace "${nsFlag}". You must pass '--namespace=${obj.metadata.namespace}' to perform this operation.`,
          });
          continue;
        }
        obj.metadata.namespace ??= nsFlag ?? 'default';
      } else delete obj.metadata.namespace;
      const ns = obj.metadata.namespace ?? '';
      if (!name && !(verb === 'create' && obj.metadata.generateName)) {
        errors.push({
          msg: `error when retrieving current configuration of:\nResource: "${r.group ? `${r.group}/` : ''}${preferredApiVersion(r, c.minor).split('/').pop()}, Resource=${r.plural}", GroupVersionKind: "${obj.apiVersion}, Kind=${obj.kind}"\nName: "", Namespace: "${ns}"\nfrom server for: "${source}": resource name may not be empty`,
        });
        continue;
      }
      for (const w of serverWarnings(r, obj, c)) ctx.o.warn(w);
      const kindName = nameKind(r);
      const existing = getObj(c, r.kind, r.namespaced ? ns : undefined, name);
      const printName = (op: string) => {
        if (output === 'name') ctx.o.out(`${kindName}/${obj.metadata.name}\n`);
        else if (output === 'json') ctx.o.out(`${kubectlJson(obj)}\n`);
        else if (output === 'yaml') ctx.o.out(yaml.dump(sortKeys(obj)));
        else ctx.o.out(`${kindName}/${obj.metadata.name} ${op}${suffix}\n`);
      };
      // Impersonated requests go through RBAC.
      if (flag(ctx.args, 'as')) {
        const denied = await authorized(c, conn.user, existing ? 'patch' : 'create', r, ns, name);
        if (denied) {
          errors.push({
            msg: statusError(
              'Forbidden',
              `error when ${existing ? 'retrieving current configuration of' : 'creating'} "${source}": ${denied}`,
            ),
            status: true,
          });
          continue;
        }
      }
      if (existing && verb === 'create') {
        errors.push({
          msg: statusError(
            'AlreadyExists',
            `error when creating "${source}": ${qualifiedPlural(r)} "${name}" already exists`,
          ),
          status: true,
        });
        continue;
      }
      if (r.namespaced && !getObj(c, 'Namespace', undefined, ns)) {
        errors.push({
          msg: statusError('NotFound', `error when creating "${source}": namespaces "${ns}" not found`),
          status: true,
        });
        continue;
      }
      if (dry === 'client') {
        printName(existing ? 'configured' : 'created');
        continue;
      }
      // The object as the client sends it: apply records what it applied.
      const applied = clone(obj);
      if (verb === 'apply' || boolFlag(ctx.args, 'save-config')) {
        const lastApplied = JSON.stringify(sortKeys(stripForCompare(raw)));
        obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [LAST_APPLIED]: `${lastApplied}\n` };
      }
      if (existing) {
        const prevApplied = existing.metadata.annotations?.[LAST_APPLIED];
        if (prevApplied && canonical(JSON.parse(prevApplied)) === canonical(sortKeys(stripForCompare(raw)))) {
          printName('unchanged');
          continue;
        }
        if (!prevApplied)
          ctx.o.warn(
            `resource ${r.plural}/${name} is missing the ${LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.`,
          );
        const merged: KObj = {
          ...clone(existing),
          ...clone(obj),
          metadata: { ...clone(existing.metadata), ...clone(obj.metadata) },
        };
        merged.metadata.labels = { ...(obj.metadata.labels ?? {}) };
        if (existing.metadata.labels?.['kubernetes.io/metadata.name'])
          merged.metadata.labels['kubernetes.io/metadata.name'] =
            existing.metadata.labels['kubernetes.io/metadata.name'];
        merged.metadata.annotations = { ...(existing.metadata.annotations ?? {}), ...(obj.metadata.annotations ?? {}) };
        // The three-way merge: an annotation the last apply set and this one leaves out is deleted.
        if (prevApplied) {
          const before = (JSON.parse(prevApplied) as KObj).metadata?.annotations ?? {};
          for (const k of Object.keys(before))
            if (!Object.hasOwn(obj.metadata.annotations ?? {}, k)) delete merged.metadata.annotations[k];
        }
        if (existing.status) merged.status = existing.status;
        if (r.kind === 'Pod') merged.spec = existing.spec;
        if (r.kind === 'Namespace') for (const w of await namespaceUpdateWarnings(c, existing, merged)) ctx.o.warn(w);
        if (WORKLOADS.has(r.kind)) for (const w of await workloadWarnings(c, merged, conn.user)) ctx.o.warn(w);
        if (dry !== 'server' && !dropFault(s, merged)) putObj(c, merged, now);
        printName('configured');
        continue;
      }
      if (r.kind === 'Pod') {
        const adm = await admitPodCreate(s, c, obj, conn.user);
        for (const w of adm.warnings) ctx.o.warn(w);
        if (!adm.allowed) {
          errors.push({
            msg: statusError(adm.reason ?? 'Forbidden', `error when creating "${source}": ${adm.message}`),
            status: true,
          });
          continue;
        }
        const stored = adm.pod;
        stored._sim = { createdAt: now };
        if (dry !== 'server' && !dropFault(s, stored)) putObj(c, stored, now);
        obj.metadata.name = stored.metadata.name;
        if (output === 'json' || output === 'yaml') Object.assign(obj, stored);
        printName('created');
        continue;
      }
      if (WORKLOADS.has(r.kind)) for (const w of await workloadWarnings(c, obj, conn.user)) ctx.o.warn(w);
      void applied;
      if (dry !== 'server' && !dropFault(s, obj)) putObj(c, obj, now);
      printName('created');
    }
    return printErrors(ctx, errors);
  });
}

async function createNamespace(ctx: Ctx): Promise<number> {
  const [name] = ctx.args.positional;
  if (!name) {
    ctx.o.err("error: exactly one NAME is required, got 0\nSee 'kubectl create namespace -h' for help and examples\n");
    return 1;
  }
  const dry = dryRunMode(ctx);
  if (typeof dry === 'object') {
    ctx.o.err(`error: ${dry.error}\n`);
    return 1;
  }
  const conn = await connect(ctx);
  if (!conn.ok) return conn.code;
  return ctx.sim.update((s) => {
    const c = s.cluster!;
    if (getObj(c, 'Namespace', undefined, name)) {
      ctx.o.err(`${statusError('AlreadyExists', `namespaces "${name}" already exists`)}\n`);
      return 1;
    }
    if (dry === 'none') putObj(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, ctx.sim.now());
    ctx.o.out(
      flag(ctx.args, 'output') === 'name'
        ? `namespace/${name}\n`
        : `namespace/${name} created${dry === 'server' ? ' (server dry run)' : dry === 'client' ? ' (dry run)' : ''}\n`,
    );
    return 0;
  });
}

// ------------------------------------------------------------------ get

function _notServed(ctx: Ctx, arg: string): number {
  ctx.o.err(`error: the server doesn't have a resource type "${arg}"\n`);
  return 1;
}

function matchSelector(o: KObj, sel: string | undefined): boolean {
  if (!sel) return true;
  const labels = o.metadata?.labels ?? {};
  for (const term of sel.split(',')) {
    const t = term.trim();
    if (!t) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([^!=]+)!=(.*)$/.exec(t))) {
      if (labels[m[1]] === m[2]) return false;
    } else if ((m = /^([^=]+)==?(.*)$/.exec(t))) {
      if (labels[m[1]] !== m[2]) return false;
    } else if (t.startsWith('!')) {
      if (Object.hasOwn(labels, t.slice(1))) return false;
    } else if (!Object.hasOwn(labels, t)) return false;
  }
  return true;
}

interface Target {
  r: ResourceInfo;
  names: string[];
}

/** `pods`, `pods a b`, `pod/a`, `nodes/x pods/y`: the resources and names of a command line. */
function targets(_ctx: Ctx, minor: number, positional: string[]): Target[] | { error: string } {
  if (positional.length === 0) return [];
  if (positional[0].includes('/')) {
    const out: Target[] = [];
    for (const p of positional) {
      const [type, name] = p.split('/', 2);
      const r = resolveResourceArg(type, minor);
      if (!r) return { error: `error: the server doesn't have a resource type "${type}"` };
      if (!p.includes('/'))
        return {
          error: `error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`,
        };
      out.push({ r, names: [name] });
    }
    return out;
  }
  const types = positional[0].split(',');
  const out: Target[] = [];
  for (const type of types) {
    const r = resolveResourceArg(type, minor);
    if (!r) return { error: `error: the server doesn't have a resource type "${type}"` };
    out.push({ r, names: positional.slice(1) });
  }
  return out;
}

function objectsFor(c: ClusterState, t: Target, ns: string | undefined, sel?: string): KObj[] {
  if (t.names.length)
    return t.names.map((n) => getObj(c, t.r.kind, t.r.namespaced ? ns : undefined, n)).filter((x): x is KObj => !!x);
  return listObjs(c, t.r.kind, t.r.namespaced ? ns : undefined).filter((o) => matchSelector(o, sel));
}

/** The object as the API returns it (no private fields; Pod/Node status as stored). */
function apiView(o: KObj, r: ResourceInfo, minor: number): KObj {
  const x = clone(o);
  delete x._sim;
  x.apiVersion ??= preferredApiVersion(r, minor);
  return x;
}

/** A tiny JSONPath for `-o jsonpath=`: `{.a.b}`, `{.items[*].x}`, `{.items[0].x}`, several templates joined. */
function jsonPath(tpl: string, data: unknown): string | undefined {
  let out = '';
  const re = /\{([^}]*)\}|([^{]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(tpl))) {
    if (m[2] !== undefined) {
      out += m[2];
      continue;
    }
    const expr = m[1].trim();
    if (!expr.startsWith('.')) return undefined;
    let vals: unknown[] = [data];
    for (const part of expr.slice(1).split('.').filter(Boolean)) {
      const pm = /^([^[\]]*)(?:\[(\*|\d+)\])?$/.exec(part);
      if (!pm) return undefined;
      const next: unknown[] = [];
      for (const v of vals) {
        let x = pm[1] ? (v as Record<string, unknown> | undefined)?.[pm[1]] : v;
        if (x === undefined) continue;
        if (pm[2] === '*') next.push(...(Array.isArray(x) ? x : []));
        else if (pm[2] !== undefined) {
          x = Array.isArray(x) ? x[Number(pm[2])] : undefined;
          if (x !== undefined) next.push(x);
        } else next.push(x);
      }
      vals = next;
    }
    out += vals.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' ');
  }
  return out;
}

function printObjects(
  ctx: Ctx,
  c: ClusterState,
  r: ResourceInfo | undefined,
  objs: { o: KObj; r: ResourceInfo }[],
  output: string | undefined,
  single: boolean,
  nsForEmpty: string | undefined,
): number {
  const now = ctx.sim.now();
  if (output === 'name') {
    for (const { o, r: rr } of objs) ctx.o.out(`${nameKind(rr)}/${o.metadata.name}\n`);
    return 0;
  }
  const views = objs.map(({ o, r: rr }) => apiView(o, rr, c.minor));
  const doc =
    single && views.length === 1
      ? views[0]
      : { apiVersion: 'v1', items: views, kind: 'List', metadata: { resourceVersion: '' } };
  if (output === 'json') {
    ctx.o.out(`${kubectlJson(doc)}\n`);
    return 0;
  }
  if (output === 'yaml') {
    ctx.o.out(yaml.dump(sortKeys(doc), { lineWidth: -1 }));
    return 0;
  }
  if (output?.startsWith('jsonpath=') || output?.startsWith('jsonpath-as-json=')) {
    const text = jsonPath(output.slice(output.indexOf('=') + 1).replace(/^'|'$/g, ''), sortKeys(doc));
    if (text === undefined) {
      ctx.o.err(`sim: the simulated kubectl's jsonpath does not model ${output}\n`);
      return 1;
    }
    ctx.o.out(text);
    return 0;
  }
  if (output !== undefined && output !== 'wide') {
    ctx.o.err(`sim: the simulated kubectl does not model -o ${output}\n`);
    return 1;
  }
  if (objs.length === 0) {
    ctx.o.err(nsForEmpty ? `No resources found in ${nsForEmpty} namespace.\n` : 'No resources found\n');
    return 0;
  }
  const noHeaders = boolFlag(ctx.args, 'no-headers');
  const allNs = boolFlag(ctx.args, 'all-namespaces');
  const kind = objs[0].r.kind;
  let rows: string[][];
  if (kind === 'Node') {
    rows = [['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']];
    for (const { o } of objs) {
      const ready = (o.status?.conditions ?? []).find((x: KObj) => x.type === 'Ready')?.status === 'True';
      const roles =
        Object.keys(o.metadata.labels ?? {})
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.slice('node-role.kubernetes.io/'.length))
          .sort()
          .join(',') || '<none>';
      rows.push([
        o.metadata.name,
        ready ? 'Ready' : 'NotReady',
        roles,
        age(o._sim?.createdAt ?? now, now),
        o.status?.nodeInfo?.kubeletVersion ?? '',
      ]);
    }
  } else if (kind === 'Pod') {
    rows = [[...(allNs ? ['NAMESPACE'] : []), 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']];
    for (const { o } of objs) {
      const cs: KObj[] = o.status?.containerStatuses ?? [];
      const total = (o.spec?.containers ?? []).length;
      const ready = cs.filter((x) => x.ready).length;
      const waiting = cs.find((x) => x.state?.waiting)?.state?.waiting?.reason;
      const status = waiting ?? o.status?.phase ?? 'Pending';
      rows.push([
        ...(allNs ? [o.metadata.namespace] : []),
        o.metadata.name,
        `${ready}/${total}`,
        status,
        String(cs.reduce((n, x) => n + (x.restartCount ?? 0), 0)),
        age(o._sim?.createdAt ?? now, now),
      ]);
    }
  } else if (kind === 'DaemonSet') {
    rows = [
      [
        ...(allNs ? ['NAMESPACE'] : []),
        'NAME',
        'DESIRED',
        'CURRENT',
        'READY',
        'UP-TO-DATE',
        'AVAILABLE',
        'NODE SELECTOR',
        'AGE',
      ],
    ];
    for (const { o } of objs) {
      const st = o.status ?? {};
      const sel =
        Object.entries(o.spec?.template?.spec?.nodeSelector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '<none>';
      rows.push([
        ...(allNs ? [o.metadata.namespace] : []),
        o.metadata.name,
        String(st.desiredNumberScheduled ?? 0),
        String(st.currentNumberScheduled ?? 0),
        String(st.numberReady ?? 0),
        String(st.updatedNumberScheduled ?? 0),
        String(st.numberAvailable ?? 0),
        sel,
        age(o._sim?.createdAt ?? now, now),
      ]);
    }
  } else if (kind === 'Deployment') {
    rows = [[...(allNs ? ['NAMESPACE'] : []), 'NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']];
    for (const { o } of objs) {
      const st = o.status ?? {};
      rows.push([
        ...(allNs ? [o.metadata.namespace] : []),
        o.metadata.name,
        `${st.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
        String(st.updatedReplicas ?? 0),
        String(st.availableReplicas ?? 0),
        age(o._sim?.createdAt ?? now, now),
      ]);
    }
  } else if (kind === 'Event') {
    rows = [[...(allNs ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']];
    for (const { o } of objs) {
      const last = Date.parse(o.lastTimestamp ?? o.metadata.creationTimestamp);
      rows.push([
        ...(allNs ? [o.metadata.namespace] : []),
        age(Number.isNaN(last) ? now : last, now),
        o.type,
        o.reason,
        `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`,
        o.message,
      ]);
    }
  } else if (kind === 'Namespace') {
    rows = [['NAME', 'STATUS', 'AGE']];
    for (const { o } of objs)
      rows.push([o.metadata.name, o.status?.phase ?? 'Active', age(o._sim?.createdAt ?? now, now)]);
  } else {
    const namespaced = objs[0].r.namespaced;
    rows = [[...(allNs && namespaced ? ['NAMESPACE'] : []), 'NAME', 'AGE']];
    for (const { o } of objs)
      rows.push([
        ...(allNs && namespaced ? [o.metadata.namespace] : []),
        o.metadata.name,
        age(o._sim?.createdAt ?? now, now),
      ]);
  }
  if (noHeaders) rows.shift();
  ctx.o.out(table(rows));
  void r;
  return 0;
}

async function get(ctx: Ctx): Promise<number> {
  const raw = flag(ctx.args, 'raw');
  if (boolFlag(ctx.args, 'watch') || boolFlag(ctx.args, 'watch-only')) {
    ctx.o.err('sim: the simulated kubectl does not model get --watch\n');
    return 1;
  }
  const conn = await connect(ctx);
  if (!conn.ok) return conn.code;
  const c = conn.cluster;
  if (raw) {
    if (['/readyz', '/livez', '/healthz'].includes(raw)) {
      ctx.o.out('ok');
      return 0;
    }
    if (raw === '/version') {
      ctx.o.out(JSON.stringify(info(c.version), null, 2));
      return 0;
    }
    ctx.o.err(`sim: the simulated kubectl does not model get --raw ${raw}\n`);
    return 1;
  }
  const output = flag(ctx.args, 'output');
  const ns = boolFlag(ctx.args, 'all-namespaces') ? undefined : namespaceOf(ctx);
  const files = flagAll(ctx.args, 'filename');
  const errors: { msg: string; status?: boolean }[] = [];
  const found: { o: KObj; r: ResourceInfo }[] = [];
  let single = false;
  if (files.length) {
    const items = readFilesOrReport(ctx, files);
    if (typeof items === 'number') return items;
    for (const { obj, source } of items) {
      const r = resourceFor(c, obj);
      const name = String(obj.metadata?.name ?? '');
      if (!r) {
        errors.push({
          msg:
            ctx.clientMinor >= 24
              ? `resource mapping not found for name: "${name}" namespace: "${obj.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`
              : `unable to recognize "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`,
        });
        continue;
      }
      for (const w of serverWarnings(r, obj, c)) ctx.o.warn(w);
      const ons = r.namespaced ? (obj.metadata?.namespace ?? flag(ctx.args, 'namespace') ?? 'default') : undefined;
      const o = getObj(c, r.kind, ons, name);
      if (o) found.push({ o, r });
      else if (!boolFlag(ctx.args, 'ignore-not-found'))
        errors.push({ msg: statusError('NotFound', `${qualifiedPlural(r)} "${name}" not found`), status: true });
    }
    single = items.length === 1;
  } else {
    const t = targets(ctx, c.minor, ctx.args.positional);
    if ('error' in t) {
      ctx.o.err(`${t.error}\n`);
      return 1;
    }
    if (t.length === 0) {
      ctx.o.err(
        `You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n`,
      );
      return 1;
    }
    for (const tt of t) {
      if (tt.r.kind === 'PodSecurityPolicy') for (const w of serverWarnings(tt.r, {}, c)) ctx.o.warn(w);
      const objs = objectsFor(c, tt, ns, flag(ctx.args, 'selector'));
      for (const n of tt.names) {
        if (!objs.some((o) => o.metadata.name === n) && !boolFlag(ctx.args, 'ignore-not-found'))
          errors.push({ msg: statusError('NotFound', `${qualifiedPlural(tt.r)} "${n}" not found`), status: true });
      }
      for (const o of objs) found.push({ o, r: tt.r });
    }
    single = t.length === 1 && t[0].names.length === 1;
  }
  if (
    found.length === 0 &&
    errors.length === 0 &&
    boolFlag(ctx.args, 'ignore-not-found') &&
    (files.length > 0 || ctx.args.positional.length > 1 || ctx.args.positional[0]?.includes('/'))
  )
    return 0;
  const r0 = found[0]?.r;
  const code = printObjects(
    ctx,
    c,
    r0,
    found,
    output,
    single,
    errors.length || files.length
      ? undefined
      : found.length === 0 &&
          ns &&
          Array.isArray(targets(ctx, c.minor, ctx.args.positional)) &&
          (targets(ctx, c.minor, ctx.args.positional) as Target[])[0]?.r.namespaced
        ? ns
        : undefined,
  );
  if (errors.length) {
    for (const e of errors) ctx.o.err(`${e.status ? e.msg : `error: ${e.msg}`}\n`);
    return 1;
  }
  return code;
}

// ------------------------------------------------------------------ wait / rollout status

function timeoutMs(ctx: Ctx, def: number): number | { error: string } {
  const t = flag(ctx.args, 'timeout');
  if (t === undefined) return def;
  const ms = parseGoDuration(t);
  if (ms === undefined)
    return {
      error: `error: invalid argument "${t}" for "--timeout" flag: time: invalid duration "${t}"\nSee 'kubectl ${ctx.args.command} --help' for usage.`,
    };
  return ms < 0 ? 7 * 24 * 3600 * 1000 : ms;
}

async function wait(ctx: Ctx): Promise<number> {
  const forArg = flag(ctx.args, 'for');
  if (!forArg) {
    ctx.o.err("error: --for must be specified\nSee 'kubectl wait -h' for help and examples\n");
    return 1;
  }
  const m = /^condition=([^=]+)(?:=(.*))?$/i.exec(forArg);
  const isDelete = forArg === 'delete';
  if (!m && !isDelete) {
    if (forArg.startsWith('jsonpath=') || forArg.startsWith('create')) {
      ctx.o.err(`sim: the simulated kubectl does not model --for=${forArg}\n`);
      return 1;
    }
    ctx.o.err(`error: unrecognized condition: "${forArg}"\n`);
    return 1;
  }
  const cond = m?.[1];
  const want = (m?.[2] ?? 'true').toLowerCase();
  const to = timeoutMs(ctx, 30_000);
  if (typeof to === 'object') {
    ctx.o.err(`${to.error}\n`);
    return 1;
  }
  const conn = await connect(ctx);
  if (!conn.ok) return conn.code;
  const t = targets(ctx, conn.cluster.minor, ctx.args.positional);
  if ('error' in t) {
    ctx.o.err(`${t.error}\n`);
    return 1;
  }
  if (t.length === 0) {
    ctx.o.err('error: resource name may not be empty\n');
    return 1;
  }
  const all = boolFlag(ctx.args, 'all');
  const sel = flag(ctx.args, 'selector');
  if (!all && !sel && t.some((x) => x.names.length === 0)) {
    ctx.o.err('error: resource(s) were provided, but no name was specified\n');
    return 1;
  }
  const ns = boolFlag(ctx.args, 'all-namespaces') ? undefined : namespaceOf(ctx);
  const deadline = Date.now() + to;
  const poll = conn.state.timing.pollMs;
  const first = await ctx.sim.read();
  const initial = t.flatMap((tt) => objectsFor(first.cluster!, tt, ns, sel).map((o) => ({ o, r: tt.r })));
  for (const tt of t) {
    for (const n of tt.names) {
      if (!initial.some((x) => x.r === tt.r && x.o.metadata.name === n)) {
        if (isDelete) continue;
        ctx.o.err(`${statusError('NotFound', `${qualifiedPlural(tt.r)} "${n}" not found`)}\n`);
        return 1;
      }
    }
  }
  if (initial.length === 0) {
    if (isDelete) return 0;
    ctx.o.err('error: no matching resources found\n');
    return 1;
  }
  const met = (o: KObj | undefined) => {
    if (isDelete) return !o;
    if (!o) return false;
    const cnd = (o.status?.conditions ?? []).find((x: KObj) => String(x.type).toLowerCase() === cond!.toLowerCase());
    return !!cnd && String(cnd.status).toLowerCase() === want;
  };
  const done = new Set<string>();
  for (;;) {
    const s = await ctx.sim.read();
    const c = s.cluster;
    for (const { o, r } of initial) {
      const key = objKey(r.kind, o.metadata.namespace, o.metadata.name);
      if (done.has(key)) continue;
      const cur = c ? getObj(c, r.kind, r.namespaced ? o.metadata.namespace : undefined, o.metadata.name) : undefined;
      if (met(cur)) {
        done.add(key);
        ctx.o.out(`${nameKind(r)}/${o.metadata.name} ${isDelete ? 'deleted' : 'condition met'}\n`);
      }
    }
    if (done.size === initial.length) return 0;
    if (Date.now() >= deadline) {
      const pending = initial.find(({ o, r }) => !done.has(objKey(r.kind, o.metadata.namespace, o.metadata.name)))!;
      ctx.o.err(`error: timed out waiting for the condition on ${pending.r.plural}/${pending.o.metadata.name}\n`);
      return 1;
    }
    await sleep(Math.min(poll, Math.max(1, deadline - Date.now())));
  }
}

function rolloutMessage(kind: string, o: KObj): { text: string; done: boolean } | { error: string } {
  const name = o.metadata.name;
  const st = o.status ?? {};
  if (kind === 'DaemonSet') {
    if (o.spec?.updateStrategy?.type === 'OnDelete')
      return { error: 'rollout status is only available for RollingUpdate strategy type' };
    if ((o.metadata.generation ?? 0) > (st.observedGeneration ?? 0))
      return { text: 'Waiting for daemon set spec update to be observed...\n', done: false };
    const desired = st.desiredNumberScheduled ?? 0;
    const updated = st.updatedNumberScheduled ?? 0;
    const available = st.numberAvailable ?? 0;
    if (updated < desired)
      return {
        text: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...\n`,
        done: false,
      };
    if (available < desired)
      return {
        text: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...\n`,
        done: false,
      };
    return { text: `daemon set "${name}" successfully rolled out\n`, done: true };
  }
  if (kind === 'Deployment') {
    if ((o.metadata.generation ?? 0) > (st.observedGeneration ?? 0))
      return { text: 'Waiting for deployment spec update to be observed...\n', done: false };
    const replicas = o.spec?.replicas ?? 1;
    const updated = st.updatedReplicas ?? 0;
    if (updated < replicas)
      return {
        text: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...\n`,
        done: false,
      };
    if ((st.replicas ?? 0) > updated)
      return {
        text: `Waiting for deployment "${name}" rollout to finish: ${(st.replicas ?? 0) - updated} old replicas are pending termination...\n`,
        done: false,
      };
    if ((st.availableReplicas ?? 0) < updated)
      return {
        text: `Waiting for deployment "${name}" rollout to finish: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available...\n`,
        done: false,
      };
    return { text: `deployment "${name}" successfully rolled out\n`, done: true };
  }
  return { error: `no status viewer has been implemented for ${kind}` };
}

async function rolloutStatus(ctx: Ctx): Promise<number> {
  const to = timeoutMs(ctx, 0);
  if (typeof to === 'object') {
    ctx.o.err(`${to.error}\n`);
    return 1;
  }
  const conn = await connect(ctx);
  if (!conn.ok) return conn.code;
  const t = targets(ctx, conn.cluster.minor, ctx.args.positional);
  if ('error' in t) {
    ctx.o.err(`${t.error}\n`);
    return 1;
  }
  if (t.length !== 1 || t[0].names.length !== 1) {
    ctx.o.err(
      'error: rollout status is only supported on individual resources and resource collections. 1 resources were found.\n'.replace(
        '1 resources',
        `${t.length ? t[0].names.length : 0} resources`,
      ),
    );
    return 1;
  }
  const { r, names } = t[0];
  const ns = namespaceOf(ctx);
  const deadline = to === 0 ? Infinity : Date.now() + to;
  let last = '';
  const watch = flag(ctx.args, 'watch') !== 'false';
  for (;;) {
    const s = await ctx.sim.read();
    const o = s.cluster ? getObj(s.cluster, r.kind, ns, names[0]) : undefined;
    if (!o) {
      ctx.o.err(`${statusError('NotFound', `${qualifiedPlural(r)} "${names[0]}" not found`)}\n`);
      return 1;
    }
    const msg = rolloutMessage(r.kind, o);
    if ('error' in msg) {
      ctx.o.err(`error: ${msg.error}\n`);
      return 1;
    }
    if (msg.text !== last) {
      ctx.o.out(msg.text);
      last = msg.text;
    }
    if (msg.done || !watch) return 0;
    if (Date.now() >= deadline) {
      ctx.o.err('error: timed out waiting for the condition\n');
      return 1;
    }
    await sleep(Math.min(s.timing.pollMs, Math.max(1, deadline - Date.now())));
  }
}

// ------------------------------------------------------------------ taint

interface TaintSpec {
  key: string;
  value?: string;
  effect?: string;
  remove: boolean;
}

function parseTaint(arg: string): TaintSpec | undefined {
  const remove = arg.endsWith('-');
  const body = remove ? arg.slice(0, -1) : arg;
  const m = /^([^=:]+)(?:=([^:]*))?(?::(NoSchedule|PreferNoSchedule|NoExecute))?$/.exec(body);
  if (!m) return undefined;
  if (!remove && !m[3]) return undefined;
  return { key: m[1], value: m[2], effect: m[3], remove };
}

async function taint(ctx: Ctx): Promise<number> {
  const [type, ...rest] = ctx.args.positional;
  const all = boolFlag(ctx.args, 'all');
  if (!type || !/^(nodes?|no)$/.test(type)) {
    ctx.o.err(
      type
        ? `error: invalid resource type ${type}, only node types are supported\n`
        : "error: at least one taint update is required\nSee 'kubectl taint -h' for help and examples\n",
    );
    return 1;
  }
  // taint.go: an argument with `=` or `:` or a trailing `-` is a taint; anything else names a node.
  const isTaintArg = (a: string) => a.endsWith('-') || a.includes('=') || a.includes(':');
  const nodeNames = all ? [] : rest.filter((a) => !isTaintArg(a));
  const taintArgs = rest.filter(isTaintArg);
  if (!all && nodeNames.length === 0) {
    ctx.o.err("error: at least one taint update is required\nSee 'kubectl taint -h' for help and examples\n");
    return 1;
  }
  const specs = taintArgs.map(parseTaint);
  if (specs.length === 0 || specs.some((x) => !x)) {
    ctx.o.err(
      `error: invalid taint spec: ${taintArgs.find((a) => !parseTaint(a)) ?? ''}\nSee 'kubectl taint -h' for help and examples\n`,
    );
    return 1;
  }
  const conn = await connect(ctx);
  if (!conn.ok) return conn.code;
  return ctx.sim.update((s) => {
    const c = s.cluster!;
    const nodes = all ? listObjs(c, 'Node') : nodeNames.map((n) => getObj(c, 'Node', undefined, n) ?? n);
    const errors: string[] = [];
    for (const node of nodes) {
      if (typeof node === 'string') {
        ctx.o.err(`${statusError('NotFound', `nodes "${node}" not found`)}\n`);
        return 1;
      }
      let taints: KObj[] = [...(node.spec.taints ?? [])];
      let op = 'modified';
      let failed = false;
      for (const t of specs as TaintSpec[]) {
        if (t.remove) {
          const before = taints.length;
          taints = taints.filter((x) => !(x.key === t.key && (!t.effect || x.effect === t.effect)));
          if (taints.length === before) {
            errors.push(`taint "${t.effect ? `${t.key}:${t.effect}` : t.key}" not found`);
            failed = true;
          }
          op = 'untainted';
        } else {
          const same = taints.find((x) => x.key === t.key && x.effect === t.effect);
          if (same && !boolFlag(ctx.args, 'overwrite')) {
            errors.push(
              `node ${node.metadata.name} already has ${t.key} taint(s) with same effect(s) and --overwrite is false`,
            );
            failed = true;
            continue;
          }
          taints = taints.filter((x) => !(x.key === t.key && x.effect === t.effect));
          taints.push({ effect: t.effect, key: t.key, ...(t.value ? { value: t.value } : {}) });
          op = 'tainted';
        }
      }
      if (failed) continue;
      if (taints.length) node.spec.taints = taints;
      else delete node.spec.taints;
      node.metadata.resourceVersion = String(++c.rv);
      if (op === 'untainted' && node.metadata.name === c.nodeName) c.node.taintsChangedAt = ctx.sim.now();
      ctx.o.out(`node/${node.metadata.name} ${op}\n`);
    }
    if (errors.length === 1) ctx.o.err(`error: ${errors[0]}\n`);
    else for (const e of errors) ctx.o.err(`${e}\n`);
    return errors.length ? 1 : 0;
  });
}

// ------------------------------------------------------------------ auth can-i

async function canI(ctx: Ctx): Promise<number> {
  if (boolFlag(ctx.args, 'list')) {
    ctx.o.err('sim: the simulated kubectl does not model auth can-i --list\n');
    return 1;
  }
  const [verb, resArg, nameArg] = ctx.args.positional;
  if (!verb || !resArg) {
    ctx.o.err(
      "error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples\n",
    );
    return 1;
  }
  const conn = await connect(ctx);
  if (!conn.ok) return conn.code;
  const c = conn.cluster;
  const [type, name = nameArg ?? ''] = resArg.includes('/') ? resArg.split('/', 2) : [resArg, nameArg ?? ''];
  const r = resolveResourceArg(type, c.minor);
  const allNs = boolFlag(ctx.args, 'all-namespaces');
  const quiet = boolFlag(ctx.args, 'quiet');
  const ns = allNs ? '' : namespaceOf(ctx);
  let group = '';
  let resource = type;
  if (!r) {
    ctx.o.err(`Warning: the server doesn't have a resource type '${type}'\n${ctx.clientMinor >= 25 ? '\n' : ''}`);
  } else {
    group = r.group;
    resource = r.plural;
    if (!r.namespaced && !allNs) {
      ctx.o.err(
        `Warning: resource '${r.plural}' is not namespace scoped${r.group ? ` in group '${r.group}'` : ''}\n${ctx.clientMinor >= 25 ? '\n' : ''}`,
      );
    }
  }
  const authz = await rbacFor(c);
  const ok = authz.allows(conn.user, {
    verb,
    apiGroup: group,
    resource,
    name,
    namespace: r && !r.namespaced ? ns : ns,
  });
  if (!quiet) ctx.o.out(ok ? 'yes\n' : 'no\n');
  return ok ? 0 : 1;
}

// ------------------------------------------------------------------ label, delete

async function label(ctx: Ctx): Promise<number> {
  const dry = dryRunMode(ctx);
  if (typeof dry === 'object') {
    ctx.o.err(`error: ${dry.error}\n`);
    return 1;
  }
  const conn = await connect(ctx);
  if (!conn.ok) return conn.code;
  const pos = ctx.args.positional;
  // cmdutil.GetResourcesAndPairs: an argument with `=` or ending in `-` is a label change (keys may have a prefix/).
  const changes = pos.filter((p) => p.includes('=') || (p.endsWith('-') && p.length > 1));
  const objArgs = pos.filter((p) => !changes.includes(p));
  const t = targets(ctx, conn.cluster.minor, objArgs);
  if ('error' in t) {
    ctx.o.err(`${t.error}\n`);
    return 1;
  }
  if (changes.length === 0) {
    ctx.o.err("error: at least one label update is required\nSee 'kubectl label -h' for help and examples\n");
    return 1;
  }
  return ctx.sim.update(async (s) => {
    const c = s.cluster!;
    const ns = namespaceOf(ctx);
    for (const tt of t) {
      const objs = objectsFor(c, tt, ns, flag(ctx.args, 'selector'));
      for (const n of tt.names) {
        if (!objs.some((o) => o.metadata.name === n)) {
          ctx.o.err(`${statusError('NotFound', `${qualifiedPlural(tt.r)} "${n}" not found`)}\n`);
          return 1;
        }
      }
      for (const o of objs) {
        const next = clone(o);
        const labels: Record<string, string> = { ...(next.metadata.labels ?? {}) };
        let changed = false;
        for (const ch of changes) {
          if (ch.endsWith('-') && !ch.includes('=')) {
            if (Object.hasOwn(labels, ch.slice(0, -1))) {
              delete labels[ch.slice(0, -1)];
              changed = true;
            }
            continue;
          }
          const [k, v] = [ch.slice(0, ch.indexOf('=')), ch.slice(ch.indexOf('=') + 1)];
          if (Object.hasOwn(labels, k) && labels[k] !== v && !boolFlag(ctx.args, 'overwrite')) {
            ctx.o.err(`error: '${k}' already has a value (${labels[k]}), and --overwrite is false\n`);
            return 1;
          }
          if (labels[k] !== v) changed = true;
          labels[k] = v;
        }
        next.metadata.labels = labels;
        if (tt.r.kind === 'Namespace') for (const w of await namespaceUpdateWarnings(c, o, next)) ctx.o.warn(w);
        if (changed && dry === 'none') putObj(c, next, ctx.sim.now());
        ctx.o.out(
          `${nameKind(tt.r)}/${o.metadata.name} ${changed ? 'labeled' : 'not labeled'}${dry === 'server' ? ' (server dry run)' : dry === 'client' ? ' (dry run)' : ''}\n`,
        );
      }
    }
    return 0;
  });
}

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: KObj = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch as KObj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** `kubectl patch KIND NAME --type merge -p JSON` (the merge type only). */
async function patch(ctx: Ctx): Promise<number> {
  const dry = dryRunMode(ctx);
  if (typeof dry === 'object') {
    ctx.o.err(`error: ${dry.error}\n`);
    return 1;
  }
  const type = flag(ctx.args, 'type') ?? 'strategic';
  if (!['json', 'merge', 'strategic'].includes(type)) {
    ctx.o.err(`error: --type must be one of [json merge strategic], not "${type}"\n`);
    return 1;
  }
  if (type !== 'merge') {
    ctx.o.err(`sim: the simulated kubectl models only --type merge patches\n`);
    return 1;
  }
  const text = flag(ctx.args, 'patch');
  if (text === undefined) {
    ctx.o.err('error: must specify --patch or --patch-file containing the contents of the patch\n');
    return 1;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    ctx.o.err(`error: unable to parse "${text}": yaml: did not find expected node content\n`);
    return 1;
  }
  const conn = await connect(ctx);
  if (!conn.ok) return conn.code;
  const t = targets(ctx, conn.cluster.minor, ctx.args.positional);
  if ('error' in t) {
    ctx.o.err(`${t.error}\n`);
    return 1;
  }
  if (t.length !== 1 || t[0].names.length !== 1) {
    ctx.o.err('error: resource(s) were provided, but no name was specified\n');
    return 1;
  }
  const { r, names } = t[0];
  return ctx.sim.update((s) => {
    const c = s.cluster!;
    const ns = r.namespaced ? namespaceOf(ctx) : undefined;
    const o = getObj(c, r.kind, ns, names[0]);
    if (!o) {
      ctx.o.err(`${statusError('NotFound', `${qualifiedPlural(r)} "${names[0]}" not found`)}\n`);
      return 1;
    }
    const { _sim, ...view } = o;
    const next = mergePatch(clone(view), body) as KObj;
    next._sim = _sim;
    const changed = canonical({ ...next, _sim: undefined }) !== canonical({ ...view, _sim: undefined });
    if (changed && dry === 'none') putObj(c, next, ctx.sim.now());
    ctx.o.out(
      `${nameKind(r)}/${names[0]} patched${changed ? '' : ' (no change)'}${dry === 'server' ? ' (server dry run)' : dry === 'client' ? ' (dry run)' : ''}\n`,
    );
    return 0;
  });
}

async function del(ctx: Ctx): Promise<number> {
  const dry = dryRunMode(ctx);
  if (typeof dry === 'object') {
    ctx.o.err(`error: ${dry.error}\n`);
    return 1;
  }
  const files = flagAll(ctx.args, 'filename');
  const items = files.length ? readFilesOrReport(ctx, files) : [];
  if (typeof items === 'number') return items;
  const conn = await connect(ctx);
  if (!conn.ok) return conn.code;
  const ignore = boolFlag(ctx.args, 'ignore-not-found');
  return ctx.sim.update((s) => {
    const c = s.cluster!;
    const ns = namespaceOf(ctx);
    const todo: { r: ResourceInfo; ns?: string; name: string; source?: string }[] = [];
    for (const { obj, source } of items) {
      const r = resourceFor(c, obj);
      if (!r) continue;
      todo.push({
        r,
        ns: r.namespaced ? (obj.metadata?.namespace ?? ns) : undefined,
        name: obj.metadata?.name,
        source,
      });
    }
    if (!files.length) {
      const t = targets(ctx, c.minor, ctx.args.positional);
      if ('error' in t) {
        ctx.o.err(`${t.error}\n`);
        return 1;
      }
      for (const tt of t) {
        const names = tt.names.length
          ? tt.names
          : boolFlag(ctx.args, 'all') || flag(ctx.args, 'selector')
            ? objectsFor(c, tt, ns, flag(ctx.args, 'selector')).map((o) => o.metadata.name)
            : [];
        for (const n of names) todo.push({ r: tt.r, ns: tt.r.namespaced ? ns : undefined, name: n });
      }
    }
    let code = 0;
    for (const d of todo) {
      const o = getObj(c, d.r.kind, d.ns, d.name);
      if (!o) {
        if (ignore) continue;
        ctx.o.err(
          `${statusError('NotFound', `${d.source ? `error when deleting "${d.source}": ` : ''}${qualifiedPlural(d.r)} "${d.name}" not found`)}\n`,
        );
        code = 1;
        continue;
      }
      if (dry === 'none') {
        deleteObj(c, o);
        if (d.r.kind === 'Namespace')
          for (const x of Object.values(c.objects)) if (x.metadata?.namespace === d.name) deleteObj(c, x);
        for (const x of Object.values(c.objects))
          if ((x.metadata?.ownerReferences ?? []).some((ref: KObj) => ref.uid === o.metadata.uid)) deleteObj(c, x);
      }
      ctx.o.out(
        `${nameKind(d.r)} "${d.name}" deleted${dry === 'server' ? ' (server dry run)' : dry === 'client' ? ' (dry run)' : ''}\n`,
      );
    }
    return code;
  });
}

// ------------------------------------------------------------------ replace

/**
 * `kubectl replace -f`: the object replaces the stored one whole. A resourceVersion
 * in the input must match the stored one (optimistic concurrency), as the API
 * server's update requires.
 */
async function replace(ctx: Ctx): Promise<number> {
  const files = flagAll(ctx.args, 'filename');
  if (files.length === 0) {
    ctx.o.err("error: must specify --filename to replace\nSee 'kubectl replace -h' for help and examples\n");
    return 1;
  }
  const dry = dryRunMode(ctx);
  if (typeof dry === 'object') {
    ctx.o.err(`error: ${dry.error}\n`);
    return 1;
  }
  const items = readFilesOrReport(ctx, files);
  if (typeof items === 'number') return items;
  const conn = await connect(ctx, { applyFile: items[0]?.source ?? files[0] });
  if (!conn.ok) return conn.code;
  const errors: { msg: string; status?: boolean }[] = [];
  return ctx.sim.update((s) => {
    const c = s.cluster!;
    for (const { obj: raw, source } of items) {
      const obj = clone(raw);
      const r = resourceFor(c, obj);
      const name = String(obj.metadata?.name ?? '');
      if (!r) {
        errors.push({
          msg: `resource mapping not found for name: "${name}" namespace: "${obj.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`,
        });
        continue;
      }
      const ns = r.namespaced ? (obj.metadata?.namespace ?? flag(ctx.args, 'namespace') ?? 'default') : undefined;
      const existing = getObj(c, r.kind, ns, name);
      if (!existing) {
        errors.push({
          msg: statusError('NotFound', `error when replacing "${source}": ${qualifiedPlural(r)} "${name}" not found`),
          status: true,
        });
        continue;
      }
      const rv = obj.metadata?.resourceVersion;
      if (rv !== undefined && rv !== existing.metadata.resourceVersion) {
        errors.push({
          msg: statusError(
            'Conflict',
            `error when replacing "${source}": Operation cannot be fulfilled on ${qualifiedPlural(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          ),
          status: true,
        });
        continue;
      }
      const next: KObj = { ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } };
      delete next.status;
      if (existing.status) next.status = existing.status;
      next._sim = existing._sim;
      if (dry === 'none' && !dropFault(s, next)) putObj(c, next, ctx.sim.now());
      const output = flag(ctx.args, 'output');
      if (output === 'name') ctx.o.out(`${nameKind(r)}/${name}\n`);
      else
        ctx.o.out(
          `${nameKind(r)}/${name} replaced${dry === 'server' ? ' (server dry run)' : dry === 'client' ? ' (dry run)' : ''}\n`,
        );
    }
    return printErrors(ctx, errors);
  });
}
