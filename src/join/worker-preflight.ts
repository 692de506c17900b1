/** What a worker needs before `kubeadm join`: a subset of the control plane's preflight. */
import type { Runner } from '../exec/runner.js';
import type { HostAccess } from '../host/access.js';
import {
  generationFindings,
  kernelFindings,
  runtimeFindings,
  swapFinding,
  toolFindings,
  type Finding,
} from '../host/findings.js';
import { readSwap } from '../host/swap.js';
import { criSocketUri } from '../versions.js';

export interface WorkerPreflight {
  findings: Finding[];
  /** The minor of the kubeadm installed here (the cluster's, within the skew): undefined when there is none. */
  kubeadmMinor?: number;
}

export async function workerPreflight(runner: Runner, host: HostAccess): Promise<WorkerPreflight> {
  const out: Finding[] = [];
  let kubeadmMinor: number | undefined;
  const uid = host.uid;
  out.push({
    name: 'root',
    ok: uid === 0,
    message: uid === 0 ? 'running as root' : 'kubestrap join changes the host: run it with sudo',
  });
  out.push(swapFinding(await readSwap(runner, host), host.paths));
  out.push(...(await kernelFindings(runner, host.paths)));
  for (const tool of ['kubeadm', 'kubelet']) {
    const r = await runner.run(tool, tool === 'kubeadm' ? ['version', '-o', 'short'] : ['--version'], {
      allowFailure: true,
    });
    if (tool === 'kubeadm' && r.exitCode === 0) {
      const m = /v?1\.(\d+)\.\d+/.exec(r.stdout);
      kubeadmMinor = m ? Number(m[1]) : undefined;
    }
    out.push({
      name: tool,
      ok: r.exitCode === 0,
      message: `${tool} must be installed (the control plane's version, from pkgs.k8s.io)`,
    });
  }
  if (kubeadmMinor !== undefined) {
    out.push(...(await toolFindings(runner, kubeadmMinor)));
    out.push(...(await runtimeFindings(runner, host, criSocketUri(kubeadmMinor))));
    out.push(...(await generationFindings(runner, host, kubeadmMinor)));
  }
  const ss = await runner.run('ss', ['-Htln'], { allowFailure: true });
  out.push({ name: 'ports', ok: !/[:.]10250\s/.test(`${ss.stdout}\n`), message: 'port 10250 (kubelet) is in use' });
  return { findings: out, kubeadmMinor };
}
