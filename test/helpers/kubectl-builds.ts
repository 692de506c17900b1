/**
 * The real kubectl builds the tests run: the ones the test/real tier builds from the
 * Kubernetes Go modules (one per release under test/real/k8s; `npm test` builds them
 * first, and CI always has them), plus the Google Cloud CLI's versioned builds
 * (/usr/lib/google-cloud-sdk/bin/kubectl.1.NN) where a machine happens to have them.
 * Building more minors from source costs CI about ten minutes each, so the tier's two
 * releases (the oldest and the newest kubestrap is tested against) are the ones required.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { binary, realVersions } from '../real/lib/cache.js';

const SDK_DIR = process.env.KUBESTRAP_KUBECTL_SDK_DIR ?? '/usr/lib/google-cloud-sdk/bin';

export interface KubectlBuild {
  minor: number;
  /** The release it is (the tier's), or `v1.N` when only the minor is known (the Cloud CLI's). */
  release: string;
  bin: string;
}

export function kubectlBuilds(): { builds: KubectlBuild[]; missing: string[] } {
  const builds: KubectlBuild[] = [];
  const missing: string[] = [];
  for (const release of realVersions()) {
    const bin = binary(release, 'kubectl');
    if (existsSync(bin)) builds.push({ minor: Number(release.split('.')[1]), release, bin });
    else missing.push(`kubectl ${release}`);
  }
  const sdk = existsSync(SDK_DIR) ? readdirSync(SDK_DIR) : [];
  for (const name of sdk) {
    const m = /^kubectl\.1\.(\d+)$/.exec(name);
    if (!m || builds.some((b) => b.minor === Number(m[1]))) continue;
    builds.push({ minor: Number(m[1]), release: `v1.${m[1]}`, bin: path.join(SDK_DIR, name) });
  }
  builds.sort((a, b) => a.minor - b.minor);
  return { builds, missing };
}

/** The reason for a Gate when some builds are missing. */
export function missingKubectlReason(missing: readonly string[]): string {
  return `${missing.join(', ')} not built yet (\`npm run real:build\` builds them from the Go modules; KUBESTRAP_REAL_CACHE points at a built cache)`;
}

/** `1.24, 1.27, ..., 1.37`: the minors a test ran against, for its title and messages. */
export function minorsOf(builds: readonly KubectlBuild[]): string {
  return builds.map((b) => `1.${b.minor}`).join(', ');
}
