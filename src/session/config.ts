/**
 * The cluster config as every command loads it: config/load.ts with the policy
 * library's checks of custom policies (config does not depend on policy; this module,
 * above both, joins them).
 */
import { loadConfig, parseConfig, type ClusterConfig } from '../config/load.js';
import { POLICY_CATALOG } from '../policy/catalog.js';

/** `file` given: it must exist. Not given: `./cluster.yaml` when present, else the built-in defaults. */
export function loadClusterConfig(file?: string, cwd = process.cwd()): ClusterConfig {
  return loadConfig(file, cwd, POLICY_CATALOG);
}

export function parseClusterConfig(text: string, file: string, baseDir: string): ClusterConfig {
  return parseConfig(text, file, baseDir, POLICY_CATALOG);
}
