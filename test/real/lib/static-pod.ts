/**
 * Reads the static pod manifests kubeadm wrote and turns a container's command into the
 * argv to run it as a plain process: each file path it names is followed through the pod's
 * own volume mounts to the host path the kubelet would mount, and from there into the
 * sandbox. A path no mount covers is an error: inside the container that file would not exist.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface Mount {
  name: string;
  mountPath: string;
  hostPath: string;
  readOnly: boolean;
}

export interface StaticPod {
  file: string;
  object: any;
  command: string[];
  mounts: Mount[];
}

export function readStaticPod(file: string): StaticPod {
  const object = parseYaml(readFileSync(file, 'utf8'));
  const container = object.spec.containers[0];
  const volumes = new Map<string, string>(
    (object.spec.volumes ?? []).filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]),
  );
  const mounts: Mount[] = (container.volumeMounts ?? [])
    .filter((m: any) => volumes.has(m.name))
    .map((m: any) => ({
      name: m.name,
      mountPath: m.mountPath,
      hostPath: volumes.get(m.name)!,
      readOnly: m.readOnly === true,
    }));
  return { file, object, command: container.command, mounts };
}

/** `--name=value` flags of a command, in order (kubeadm writes every flag that way). */
export function flags(command: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of command.slice(1)) {
    const m = arg.match(/^--([^=]+)=(.*)$/s);
    if (!m) throw new Error(`unexpected argument in a kubeadm static pod command: ${arg}`);
    out.set(m[1], m[2]);
  }
  return out;
}

/** The mount that makes `file` visible in the container (the longest mountPath prefix). */
export function mountFor(pod: StaticPod, file: string): Mount | undefined {
  return pod.mounts
    .filter((m) => file === m.mountPath || file.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

/** Where `file` (as the container sees it) lives on the host, through the pod's mounts. */
export function hostPathOf(pod: StaticPod, file: string): string {
  const m = mountFor(pod, file);
  if (!m) throw new Error(`${path.basename(pod.file)}: ${file} is on no volume the pod mounts`);
  return path.posix.join(m.hostPath, path.posix.relative(m.mountPath, file));
}

/** Flags whose value is a file the component reads (or a directory it writes). */
export function pathFlags(f: Map<string, string>): string[] {
  return [...f].filter(([, v]) => v.startsWith('/')).map(([k]) => k);
}
