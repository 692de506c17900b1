/** Cluster snapshots built offline from fixtures, for the audit and change-plan tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { snapshotFrom, type ClusterSnapshot, type KObj } from '../../src/audit/snapshot.js';
import { hostPaths } from '../../src/host/paths.js';
import { parseKubeVersion } from '../../src/versions.js';
import { configFrom } from '../helpers/config.js';
import type { ClusterConfig } from '../../src/config/load.js';
import { scratchDir } from '../helpers/scratch.js';

export const FIX = path.resolve('test/fixtures/pods');

export function fixtureObjects(file: string): KObj[] {
  return (loadAll(readFileSync(path.join(FIX, file), 'utf8')) as KObj[]).filter(Boolean);
}

export function ns(name: string, labels: Record<string, string> = {}): KObj {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
  };
}

/** A running pod as the API returns it. */
export function running(o: KObj, extra: Partial<KObj['metadata']> = {}): KObj {
  return { ...o, metadata: { ...o.metadata, ...extra }, status: { phase: 'Running' } };
}

/** The API server's mirror pod with its admission flags. */
export function apiServerMirror(flags: string[]): KObj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'kube-apiserver-cp',
      namespace: 'kube-system',
      labels: { component: 'kube-apiserver', tier: 'control-plane' },
      annotations: { 'kubernetes.io/config.mirror': 'abc', 'kubernetes.io/config.source': 'file' },
      ownerReferences: [{ kind: 'Node', name: 'cp', controller: true }],
    },
    spec: {
      nodeName: 'cp',
      hostNetwork: true,
      containers: [
        {
          name: 'kube-apiserver',
          image: 'registry.k8s.io/kube-apiserver:v1.24.17',
          command: ['kube-apiserver', ...flags],
        },
      ],
    },
    status: { phase: 'Running' },
  };
}

export function snapshot(
  objects: KObj[],
  version = 'v1.24.17',
  mode: 'psp' | 'pss' = 'psp',
  root = scratchDir('ks-audit'),
): ClusterSnapshot {
  return snapshotFrom(objects, parseKubeVersion(version)!, mode, hostPaths(root));
}

export function config(version = 'v1.24.17', extra = ''): ClusterConfig {
  return configFrom(`kubernetesVersion: ${version}\n${extra}`);
}
