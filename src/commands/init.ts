/** `kubestrap init`: write a commented starter cluster.yaml. */
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_FILE, parseConfig } from '../config/load.js';
import { DEFAULT_KUBERNETES_VERSION } from '../config/schema.js';
import { UserError } from '../errors.js';
import { renderTemplate } from '../render/handlebars.js';
import {
  flannelNamespace,
  isSupportedMinor,
  NEWEST_MINOR,
  OLDEST_MINOR,
  parseKubeVersion,
  patchWarning,
} from '../versions.js';
import type { Io } from '../io.js';
import { checkWritablePath, writeFileAtomic } from '../host/files.js';

export interface InitOptions {
  output?: string;
  kubernetesVersion?: string;
  force?: boolean;
}

export function starterConfig(versionText: string = DEFAULT_KUBERNETES_VERSION): string {
  const version = parseKubeVersion(versionText);
  if (!version) {
    throw new UserError(
      `"${versionText}" is not a Kubernetes version; write it as v1.MINOR.PATCH, e.g. v1.24.17`,
      undefined,
      '--kubernetes-version',
    );
  }
  if (!isSupportedMinor(version.minor)) {
    throw new UserError(
      `${version.text} is outside the supported range v1.${OLDEST_MINOR} to v1.${NEWEST_MINOR}`,
      undefined,
      '--kubernetes-version',
    );
  }
  const privilegedNamespaces = ['kube-system', flannelNamespace(version.minor)].filter(
    (ns, i, all) => all.indexOf(ns) === i,
  );
  return renderTemplate('cluster.yaml.hbs', { kubernetesVersion: version.text, privilegedNamespaces });
}

export function initCommand(opts: InitOptions, io: Io): number {
  const text = starterConfig(opts.kubernetesVersion);
  const version = parseKubeVersion(opts.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
  const patch = version && patchWarning(version);
  if (patch) io.err(`warning: --kubernetes-version: ${patch}`);
  const target = opts.output ?? DEFAULT_CONFIG_FILE;
  // The starter must itself be a valid config; a failure here is a kubestrap bug.
  parseConfig(text, target, process.cwd());
  if (target === '-') {
    process.stdout.write(text);
    return 0;
  }
  checkWritablePath(target);
  if (existsSync(target) && !opts.force) {
    throw new UserError('already exists; pass --force to overwrite it', { file: target });
  }
  writeFileAtomic(target, text, { mode: 0o644 });
  io.err(`Wrote ${target}. Next: kubestrap render -c ${target}`);
  return 0;
}
