/**
 * The real kubectl builds on this machine, one per minor of scripts/kubectl-releases.json:
 * the Google Cloud CLI's versioned builds where the machine has them, else the ones
 * scripts/kubectl-builds.mjs made from the Go modules (.ci/run runs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface ReleaseTable {
  sdkDir: string;
  cacheDir: string;
  releases: Record<string, string>;
}

export interface KubectlBuild {
  minor: number;
  release: string;
  bin: string;
}

export function kubectlBuilds(): { builds: KubectlBuild[]; missing: string[] } {
  const table = JSON.parse(readFileSync(path.join(REPO, 'scripts/kubectl-releases.json'), 'utf8')) as ReleaseTable;
  // Both can be pointed elsewhere, e.g. at an empty folder to see the tests on a machine without builds.
  const sdkDir = process.env.KUBESTRAP_KUBECTL_SDK_DIR ?? table.sdkDir;
  const cacheDir = process.env.KUBESTRAP_KUBECTL_CACHE_DIR ?? path.join(REPO, table.cacheDir);
  const builds: KubectlBuild[] = [];
  const missing: string[] = [];
  for (const [minor, release] of Object.entries(table.releases)) {
    const bin = [path.join(sdkDir, `kubectl.1.${minor}`), path.join(cacheDir, `kubectl.1.${minor}`)].find((f) =>
      existsSync(f),
    );
    if (bin) builds.push({ minor: Number(minor), release, bin });
    else missing.push(`kubectl 1.${minor}`);
  }
  return { builds, missing };
}

/** The reason for a Gate when some builds are missing. */
export function missingKubectlReason(missing: readonly string[]): string {
  return `${missing.join(', ')} not on this machine (node scripts/kubectl-builds.mjs builds them)`;
}
