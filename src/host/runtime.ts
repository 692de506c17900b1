/**
 * The container runtime as the kubelet will meet it: does containerd's CRI plugin
 * answer on the socket (a socket alone says nothing: Docker's containerd.io ships
 * with disabled_plugins = ["cri"]), which cgroup driver runc uses (it must be the
 * kubelet's, systemd), and which containerd release it is.
 */
import type { Runner } from '../exec/runner.js';
import type { HostAccess } from './access.js';

export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';

export type CriAnswer =
  | { kind: 'ok'; runtimeReady: boolean; systemdCgroup: boolean | undefined }
  /** The socket answers, but not the CRI v1 service: plugin off, or containerd older than 1.6. */
  | { kind: 'no-cri-v1'; detail: string }
  | { kind: 'unreachable'; detail: string }
  | { kind: 'no-crictl' };

/** The parts of `crictl info` kubestrap reads (containerd's CRI plugin status and config). */
interface CrictlInfo {
  status?: { conditions?: { type: string; status: boolean }[] };
  config?: {
    containerd?: {
      defaultRuntimeName?: string;
      runtimes?: Record<string, { options?: { SystemdCgroup?: unknown } }>;
    };
  };
}

/** A command that is not installed: the shell's 127, or execa's ENOENT. */
export function notInstalled(r: { exitCode: number; stderr: string }): boolean {
  return r.exitCode === 127 || (r.exitCode !== 0 && /ENOENT|command not found/i.test(r.stderr));
}

function fatalMessage(stderr: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(stderr);
  return (m ? m[1].replace(/\\"/g, '"') : stderr.trim().split('\n').pop()) ?? '';
}

/** `crictl --runtime-endpoint SOCKET info`: the CRI RuntimeService's Status, with the plugin's config. */
export async function askCri(runner: Runner, endpoint: string): Promise<CriAnswer> {
  const r = await runner.run('crictl', ['--runtime-endpoint', endpoint, 'info'], { allowFailure: true });
  if (notInstalled(r)) return { kind: 'no-crictl' };
  if (r.exitCode !== 0) {
    const detail = fatalMessage(r.stderr);
    if (/code = Unimplemented/.test(detail)) return { kind: 'no-cri-v1', detail };
    return { kind: 'unreachable', detail };
  }
  let info: CrictlInfo;
  try {
    info = JSON.parse(r.stdout) as CrictlInfo;
  } catch {
    return { kind: 'unreachable', detail: `crictl info printed no JSON: ${r.stdout.trim().slice(0, 200)}` };
  }
  const conditions = info.status?.conditions ?? [];
  const containerd = info.config?.containerd ?? {};
  const runtime = containerd.runtimes?.[containerd.defaultRuntimeName ?? 'runc'];
  const systemd = runtime?.options?.SystemdCgroup;
  return {
    kind: 'ok',
    runtimeReady: conditions.find((c) => c.type === 'RuntimeReady')?.status === true,
    systemdCgroup: typeof systemd === 'boolean' ? systemd : undefined,
  };
}

/** runc's SystemdCgroup as containerd's config file sets it, when crictl info does not say. */
export async function systemdCgroupInConfig(host: HostAccess): Promise<boolean | undefined> {
  const text = await host.readText(host.paths.at(CONTAINERD_CONFIG)).catch(() => undefined);
  if (text === undefined) return undefined;
  const m = /^\s*SystemdCgroup\s*=\s*(true|false)\s*$/m.exec(text);
  return m ? m[1] === 'true' : undefined;
}

/** `containerd --version`: `containerd github.com/containerd/containerd v1.7.28 …` or `containerd containerd.io 2.2.1 …`. */
export async function containerdVersion(runner: Runner): Promise<[number, number, number] | undefined> {
  const r = await runner.run('containerd', ['--version'], { allowFailure: true });
  if (r.exitCode !== 0) return undefined;
  const m = /^containerd\s+\S+\s+v?(\d+)\.(\d+)\.(\d+)/m.exec(r.stdout);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}
