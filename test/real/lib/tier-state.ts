/** Whether the real tier can run here, and with which binaries; else why not. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { binary, buildErrorFile, isBuilt, K8S_BINARIES, readStamp } from './cache.js';

export interface Ready {
  ok: true;
  version: string;
  bin: Record<(typeof K8S_BINARIES)[number], string>;
  etcd: string;
}
export type TierState = Ready | { ok: false; version: string; reason: string };

function has(cmd: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function tierState(version: string): TierState {
  const no = (reason: string): TierState => ({ ok: false, version, reason });
  if (process.env.KUBESTRAP_REAL === 'skip') return no('KUBESTRAP_REAL=skip');
  if (process.getuid?.() !== 0) return no('needs root (private mount namespaces for kubeadm)');
  if (!has('unshare') || !has('nsenter')) return no('unshare/nsenter (util-linux) not installed');
  if (!isBuilt(version)) {
    if (existsSync(buildErrorFile(version))) {
      // A build that failed is a failure whatever the environment says: report it as one.
      return no(
        `build failed: ${readFileSync(buildErrorFile(version), 'utf8').trim().split('\n').slice(-5).join(' | ')}`,
      );
    }
    if (!has('go', ['version']))
      return no('Go is not installed (it builds kube-apiserver and kubeadm from their modules)');
    return no(`kube-apiserver/kubeadm ${version} not built yet: run \`npm run real:build\``);
  }
  const stamp = readStamp(version)!;
  if (!existsSync(stamp.etcd.path)) {
    return no(`etcd not found at ${stamp.etcd.path} (Debian: apt-get install etcd-server)`);
  }
  const bin = Object.fromEntries(K8S_BINARIES.map((b) => [b, binary(version, b)])) as Ready['bin'];
  return { ok: true, version, bin, etcd: stamp.etcd.path };
}
