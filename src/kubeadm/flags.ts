/**
 * The API server's command line as the static pod manifest (and its mirror pod)
 * carries it: `--name=value` items (kubeadm's form), or `--name value` pairs.
 */

/** `--name=value` and `--name value` flags of a command line, in order; later ones win. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags.set(a.slice(2), argv[++i]);
    else flags.set(a.slice(2), 'true');
  }
  return flags;
}

/** A comma-separated list flag (`NodeRestriction,PodSecurityPolicy`) as a list, blanks dropped. */
export function listFlag(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export const ENABLE_PLUGINS = 'enable-admission-plugins';
export const DISABLE_PLUGINS = 'disable-admission-plugins';
export const ADMISSION_CONFIG_FILE = 'admission-control-config-file';

/** What decides pod admission, read from an API server's flags. */
export interface AdmissionFlags {
  /** `--enable-admission-plugins`, in order. */
  enabled: string[];
  /** `--disable-admission-plugins`. */
  disabled: string[];
  /** `--admission-control-config-file`, when set. */
  configFile?: string;
  /** PodSecurityPolicy is in the enabled list and not disabled. */
  psp: boolean;
  /** The PodSecurity plugin runs (on by default from 1.23, unless disabled). */
  podSecurity: boolean;
}

export function admissionFlags(flags: Map<string, string>, minor: number): AdmissionFlags {
  const enabled = listFlag(flags.get(ENABLE_PLUGINS));
  const disabled = listFlag(flags.get(DISABLE_PLUGINS));
  const configFile = flags.get(ADMISSION_CONFIG_FILE) || undefined;
  const psp = enabled.includes('PodSecurityPolicy') && !disabled.includes('PodSecurityPolicy');
  // PodSecurity is a default plugin from 1.23 (beta) and 1.25 (GA); before that only when enabled.
  const podSecurity = !disabled.includes('PodSecurity') && (minor >= 23 || enabled.includes('PodSecurity'));
  return { enabled, disabled, configFile, psp, podSecurity };
}
