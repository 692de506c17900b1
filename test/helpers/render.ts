import { render, type Artifact } from '../../src/render/index.js';
import type { KubeDocument as KubeObject } from '../../src/k8s/objects.js';
import { configFrom } from './config.js';

export interface Rendered {
  artifacts: Artifact[];
  warnings: string[];
  /** Every object of the manifests (not kubeadm or host files), in apply order. */
  objects: KubeObject[];
  file(suffix: string): Artifact;
  find(kind: string, name: string, namespace?: string): KubeObject | undefined;
  all(kind: string): KubeObject[];
}

export function renderText(configText: string): Rendered {
  const { artifacts, warnings } = render(configFrom(configText));
  const objects = artifacts.filter((a) => a.kind === 'manifest').flatMap((a) => a.objects);
  return {
    artifacts,
    warnings,
    objects,
    file(suffix) {
      const a = artifacts.find((x) => x.path.endsWith(suffix));
      if (!a) throw new Error(`no rendered file ends with ${suffix}: ${artifacts.map((x) => x.path).join(', ')}`);
      return a;
    },
    find(kind, name, namespace) {
      return objects.find(
        (o) =>
          o.kind === kind &&
          o.metadata?.name === name &&
          (namespace === undefined || o.metadata?.namespace === namespace),
      );
    },
    all(kind) {
      return objects.filter((o) => o.kind === kind);
    },
  };
}
