import type { ClusterConfig } from '../../src/config/load.js';
import { parseClusterConfig } from '../../src/session/config.js';
import { UserError, UserErrors } from '../../src/errors.js';

/** Parses config text as if read from cluster.yaml in the test directory. */
export function configFrom(text: string): ClusterConfig {
  return parseClusterConfig(text, 'cluster.yaml', process.cwd());
}

/** The formatted errors a config produces (`cluster.yaml:3:5: field: message`), or [] when it is valid. */
export function configErrors(text: string): string[] {
  try {
    configFrom(text);
    return [];
  } catch (e) {
    if (e instanceof UserErrors) return e.errors.map((x) => x.toString());
    if (e instanceof UserError) return [e.toString()];
    throw e;
  }
}

/** A minimal valid config for a version, with extra YAML appended. */
export function withVersion(version: string, extra = ''): string {
  return `kubernetesVersion: ${version}\n${extra}`;
}
