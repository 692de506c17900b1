/**
 * Which kubeconfig a command that reads a running cluster uses, the way kubectl picks
 * one (client-go tools/clientcmd/loader.go, NewDefaultClientConfigLoadingRules and
 * Load): an explicit --kubeconfig first; else KUBECONFIG when it is set and not empty,
 * a list split like PATH (':' on Linux) with empty entries and repeats dropped, of which
 * missing files are skipped and the rest merged (the first file to set a value wins);
 * else the command's own default.
 *
 * kubestrap passes one file with --kubeconfig. When KUBECONFIG names several files that
 * exist, it passes none and lets kubectl merge them from the environment, which the runner
 * hands down unchanged.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface KubeconfigChoice {
  /** For --kubeconfig; undefined when kubectl must merge several files from KUBECONFIG itself. */
  file: string | undefined;
  /** How messages name it: the file, or every file of KUBECONFIG. */
  label: string;
  /** At least one file kubectl would read exists. */
  found: boolean;
  /** Why nothing was found, for the user. */
  missing?: string;
}

/** KUBECONFIG's files in kubectl's order, or undefined when it is unset or empty (kubectl then uses its default). */
export function kubeconfigEnvList(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const value = env.KUBECONFIG;
  if (value === undefined || value === '') return undefined;
  const files: string[] = [];
  for (const f of value.split(path.delimiter)) if (f !== '' && !files.includes(f)) files.push(f);
  return files;
}

/** The choice KUBECONFIG makes, or undefined when it is unset (the caller's default applies). */
export function kubeconfigFromEnv(env: NodeJS.ProcessEnv = process.env): KubeconfigChoice | undefined {
  const files = kubeconfigEnvList(env);
  if (files === undefined) return undefined;
  const existing = files.filter((f) => existsSync(f));
  if (existing.length === 0) {
    return {
      file: undefined,
      label: `KUBECONFIG=${env.KUBECONFIG}`,
      found: false,
      missing:
        files.length === 0
          ? 'KUBECONFIG is set but names no file'
          : `KUBECONFIG names no file that exists (${files.join(', ')})`,
    };
  }
  if (existing.length === 1) return { file: existing[0], label: existing[0], found: true };
  return { file: undefined, label: existing.join(path.delimiter), found: true };
}
