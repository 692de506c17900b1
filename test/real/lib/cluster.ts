/**
 * One real control plane for one Kubernetes version, the way `kubestrap up` would make it
 * minus the kubelet: kubestrap renders, real kubeadm writes certificates, kubeconfigs and
 * static pod manifests inside a private mount namespace, and etcd and kube-apiserver run
 * from those manifests. kubestrap's live-cluster commands then run against it with the
 * release's own kubectl and kubeadm first on PATH, and KUBESTRAP_ROOT pointing at a
 * scratch root that holds admin.conf.
 */
import { execa } from 'execa';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI } from '../../helpers/cli.js';
import { deadlineIn, waitFor } from '../../../src/exec/wait.js';
import { Api } from './api.js';
import { binDir } from './cache.js';
import { aggregateClusterRoles } from './kubelet.js';
import { ControlPlane, localKubeconfig } from './control-plane.js';
import { MountSandbox, type SandboxResult } from './sandbox.js';
import type { Ready } from './tier-state.js';

export interface Phase {
  argv: string[];
  result: SandboxResult;
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export const KUBEADM_PHASES = [
  ['init', 'phase', 'certs', 'all'],
  ['init', 'phase', 'kubeconfig', 'admin'],
  ['init', 'phase', 'control-plane', 'all'],
  ['init', 'phase', 'etcd', 'local'],
];

export class RealCluster {
  readonly dir: string;
  readonly root: string;
  readonly renderDir: string;
  readonly configFile: string;
  readonly phases: Phase[] = [];
  sandbox?: MountSandbox;
  cp?: ControlPlane;

  constructor(
    readonly ready: Ready,
    readonly configText: string,
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), `ks-real-${ready.version}-`));
    this.root = path.join(this.dir, 'root');
    // Where `up` keeps its render: the steps read their manifests from there.
    this.renderDir = path.join(this.root, 'var/lib/kubestrap/rendered');
    this.configFile = path.join(this.dir, 'cluster.yaml');
    writeFileSync(this.configFile, configText);
  }

  get version(): string {
    return this.ready.version;
  }

  get minor(): number {
    return Number(this.version.split('.')[1]);
  }

  get etcKubernetes(): string {
    if (!this.sandbox) throw new Error('kubeadm has not run');
    return this.sandbox.etcKubernetes;
  }

  /** The environment kubestrap runs in: this release's kubectl and kubeadm first, the scratch root. */
  env(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      PATH: `${binDir(this.version)}:${process.env.PATH}`,
      KUBESTRAP_ROOT: this.root,
      SUDO_USER: '',
    };
  }

  async kubestrap(args: string[], opts: { input?: string } = {}): Promise<CliRun> {
    const r = await execa('node', [CLI, ...args], {
      cwd: this.dir,
      env: this.env(),
      input: opts.input ?? '',
      reject: false,
      timeout: 300_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  async kubectl(args: string[], opts: { input?: string } = {}): Promise<CliRun> {
    const r = await execa(this.ready.bin.kubectl, ['--kubeconfig', this.kubeconfig, ...args], {
      input: opts.input ?? '',
      reject: false,
      timeout: 120_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  get kubeconfig(): string {
    if (!this.cp) throw new Error('the control plane is not running');
    return this.cp.kubeconfig;
  }

  get api() {
    if (!this.cp) throw new Error('the control plane is not running');
    return this.cp.api;
  }

  /** `kubestrap render` into the place `up` keeps it. */
  async render(): Promise<void> {
    const r = await this.kubestrap(['render', '-c', this.configFile, '-o', this.renderDir]);
    if (r.exitCode !== 0) throw new Error(`kubestrap render failed:\n${r.stderr}`);
  }

  /** Host files the render names (the PodSecurity admission config), installed where kubeadm's manifest mounts them. */
  private installHostFiles(): string[] {
    const hostRoot = path.join(this.renderDir, 'host');
    const installed: string[] = [];
    if (!existsSync(hostRoot)) return installed;
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = path.join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else {
          const hostPath = `/${path.relative(hostRoot, p)}`;
          if (!hostPath.startsWith('/etc/kubernetes/'))
            throw new Error(`host file outside /etc/kubernetes: ${hostPath}`);
          const dst = path.join(this.etcKubernetes, path.posix.relative('/etc/kubernetes', hostPath));
          mkdirSync(path.dirname(dst), { recursive: true });
          cpSync(p, dst);
          installed.push(hostPath);
        }
      }
    };
    walk(hostRoot);
    return installed;
  }

  async kubeadm(args: string[]): Promise<Phase> {
    const argv = [this.ready.bin.kubeadm, ...args];
    const result = await this.sandbox!.run(argv, { timeoutMs: 180_000 });
    const phase = { argv, result };
    this.phases.push(phase);
    return phase;
  }

  /** Real kubeadm reads the rendered config: validate (where it exists) and the init phases. */
  async runKubeadm(): Promise<void> {
    await this.render();
    this.sandbox = await MountSandbox.open(this.dir);
    this.installHostFiles();
    const config = path.join(this.renderDir, 'kubeadm-config.yaml');
    if (await this.hasConfigValidate()) {
      const v = await this.kubeadm(['config', 'validate', '--config', config]);
      if (v.result.exitCode !== 0)
        throw new Error(`kubeadm config validate refused the rendered config:\n${v.result.stderr}`);
    }
    const phases = [...KUBEADM_PHASES];
    if (await this.hasSuperAdmin()) phases.splice(2, 0, ['init', 'phase', 'kubeconfig', 'super-admin']);
    for (const phase of phases) {
      const p = await this.kubeadm([...phase, '--config', config]);
      if (p.result.exitCode !== 0) {
        throw new Error(
          `kubeadm ${phase.join(' ')} failed (${p.result.exitCode}):\n${p.result.stderr || p.result.stdout}`,
        );
      }
    }
  }

  /** `kubeadm config validate` exists from 1.28: asked of kubeadm itself, from its list of subcommands. */
  async hasConfigValidate(): Promise<boolean> {
    const r = await this.sandbox!.run([this.ready.bin.kubeadm, 'config', '--help']);
    return /^\s+validate\s/m.test(r.stdout);
  }

  /** kubeadm 1.29+ writes super-admin.conf (system:masters) beside an admin.conf that needs a binding. */
  async hasSuperAdmin(): Promise<boolean> {
    const r = await this.sandbox!.run([this.ready.bin.kubeadm, 'init', 'phase', 'kubeconfig', '--help']);
    return /^\s+super-admin\s/m.test(r.stdout);
  }

  /**
   * What `kubeadm init` does with super-admin.conf once the API server answers (1.29+,
   * EnsureAdminClusterRoleBinding): bind admin.conf's group kubeadm:cluster-admins to
   * cluster-admin. kubeadm reaches the API server at the advertise address, which this
   * sandboxed control plane does not listen on, so the test makes the same binding.
   */
  private async bindClusterAdmins(): Promise<void> {
    const file = path.join(this.etcKubernetes, 'super-admin.conf');
    if (!existsSync(file)) return;
    const superAdmin = Api.fromKubeconfig(readFileSync(file, 'utf8'), this.cp!.server);
    try {
      await superAdmin.mustCreate('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'kubeadm:cluster-admins' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'kubeadm:cluster-admins' }],
      });
    } finally {
      superAdmin.close();
    }
    await waitFor(
      async () => ((await this.cp!.api.request('GET', '/api/v1/namespaces')).status === 200 ? true : undefined),
      deadlineIn(60),
      { what: 'admin.conf to be authorized', minDelayMs: 50 },
    );
  }

  async start(): Promise<ControlPlane> {
    this.cp = await ControlPlane.start({
      dir: this.dir,
      etcKubernetes: this.etcKubernetes,
      apiserver: this.ready.bin['kube-apiserver'],
      etcd: this.ready.etcd,
    });
    await this.bindClusterAdmins();
    await aggregateClusterRoles(this.cp.api);
    const kubeconfig = localKubeconfig(
      readFileSync(path.join(this.etcKubernetes, 'admin.conf'), 'utf8'),
      this.cp.server,
    );
    for (const f of ['etc/kubernetes/admin.conf', 'root/.kube/config']) {
      const p = path.join(this.root, f);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, kubeconfig, { mode: 0o600 });
    }
    return this.cp;
  }

  async stop(): Promise<void> {
    await this.cp?.stop();
    await this.sandbox?.close();
    if (process.env.KUBESTRAP_REAL_KEEP === '1') {
      console.error(`kept ${this.dir}`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
