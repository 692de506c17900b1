/**
 * The ClusterConfiguration kubeadm keeps in the kube-system/kubeadm-config
 * ConfigMap: `kubeadm upgrade` regenerates the static pod manifests from it, so a
 * flag changed only in the manifest would silently disappear on the next upgrade.
 * Edited as a YAML document, in the API version it is stored in: `extraArgs` is a
 * map up to v1beta3 and a list of `{name, value}` in v1beta4; v1alpha2/3 (1.11-1.12)
 * keep the API server's settings in `apiServerExtraArgs` / `apiServerExtraVolumes`.
 */
import { isMap, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { UserError } from '../errors.js';
import { goStringNode } from '../render/go-yaml.js';
import type { HostPathVolume } from './manifest.js';

export const KUBEADM_CONFIGMAP = { namespace: 'kube-system', name: 'kubeadm-config' } as const;

/** The data key: `MasterConfiguration` in 1.11, `ClusterConfiguration` from 1.12. */
export function clusterConfigurationKey(data: Record<string, string>): string | undefined {
  return ['ClusterConfiguration', 'MasterConfiguration'].find((k) => typeof data[k] === 'string');
}

export class ClusterConfiguration {
  private readonly doc: Document;
  private readonly indentSeq: boolean;

  private constructor(
    readonly where: string,
    readonly original: string,
  ) {
    const doc = parseDocument(original);
    if (doc.errors.length)
      throw new UserError(`invalid YAML: ${doc.errors[0].message.split('\n')[0]}`, { file: where });
    if (!isMap(doc.contents)) throw new UserError('the ClusterConfiguration is not a YAML mapping', { file: where });
    this.doc = doc;
    this.indentSeq = doc.toString({ lineWidth: 0, indentSeq: false }) !== original;
  }

  static parse(text: string, where: string): ClusterConfiguration {
    return new ClusterConfiguration(where, text);
  }

  /** `v1beta3`, `v1beta4`, ... (empty when the document names none). */
  apiVersion(): string {
    const v = this.doc.get('apiVersion');
    return typeof v === 'string' ? v.replace(/^kubeadm\.k8s\.io\//, '') : '';
  }

  private legacy(): boolean {
    return /^v1alpha[23]$/.test(this.apiVersion()) || this.doc.has('apiServerExtraArgs');
  }

  private apiServer(create: boolean): YAMLMap | undefined {
    let m = this.doc.get('apiServer', true);
    if (!isMap(m) && create) {
      this.doc.set('apiServer', this.doc.createNode({}));
      m = this.doc.get('apiServer', true);
    }
    return isMap(m) ? (m as YAMLMap) : undefined;
  }

  private argsNode(create: boolean): YAMLMap | YAMLSeq | undefined {
    if (this.legacy()) {
      let m = this.doc.get('apiServerExtraArgs', true);
      if (!isMap(m) && create) {
        this.doc.set('apiServerExtraArgs', this.doc.createNode({}));
        m = this.doc.get('apiServerExtraArgs', true);
      }
      return isMap(m) ? (m as YAMLMap) : undefined;
    }
    const api = this.apiServer(create);
    if (!api) return undefined;
    let a = api.get('extraArgs', true);
    if (!isMap(a) && !isSeq(a) && create) {
      api.set('extraArgs', this.doc.createNode(this.apiVersion() === 'v1beta4' ? [] : {}));
      a = api.get('extraArgs', true);
    }
    return isMap(a) || isSeq(a) ? (a as YAMLMap | YAMLSeq) : undefined;
  }

  extraArgs(): Record<string, string> {
    const node = this.argsNode(false);
    if (!node) return {};
    const js = node.toJSON() as unknown;
    if (Array.isArray(js))
      return Object.fromEntries(
        js.filter((e) => e && typeof e === 'object').map((e) => [String(e.name), String(e.value ?? '')]),
      );
    return Object.fromEntries(Object.entries(js as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }

  /** Sets an API server extra arg; `undefined` removes it. */
  setExtraArg(name: string, value: string | undefined): void {
    const node = this.argsNode(value !== undefined);
    if (!node) return;
    if (isSeq(node)) {
      const i = node.items.findIndex((e) => isMap(e) && e.get('name') === name);
      if (value === undefined) {
        if (i >= 0) node.items.splice(i, 1);
      } else if (i >= 0) (node.items[i] as YAMLMap).set('value', goStringNode(value));
      else node.items.push(this.doc.createNode({ name, value: goStringNode(value) }));
    } else if (value === undefined) node.delete(name);
    else node.set(name, goStringNode(value));
  }

  extraVolumes(): HostPathVolume[] {
    const seq = this.legacy()
      ? this.doc.get('apiServerExtraVolumes', true)
      : this.apiServer(false)?.get('extraVolumes', true);
    if (!isSeq(seq)) return [];
    return (seq.toJSON() as Record<string, unknown>[]).map((v) => ({
      name: String(v.name ?? ''),
      hostPath: String(v.hostPath ?? ''),
      mountPath: String(v.mountPath ?? ''),
      readOnly: v.readOnly !== undefined ? v.readOnly === true : v.writable !== undefined ? v.writable !== true : false,
      type: v.pathType ? String(v.pathType) : undefined,
    }));
  }

  /** Adds or replaces an extra volume by name; `remove` takes it out. */
  setExtraVolume(v: HostPathVolume | { name: string; remove: true }): void {
    const legacy = this.legacy();
    const parent: YAMLMap | Document = legacy ? this.doc : (this.apiServer(!('remove' in v)) as YAMLMap);
    if (!parent) return;
    const key = legacy ? 'apiServerExtraVolumes' : 'extraVolumes';
    let seq = parent.get(key, true);
    if (!isSeq(seq)) {
      if ('remove' in v) return;
      parent.set(key, this.doc.createNode([]));
      seq = parent.get(key, true);
    }
    const list = seq as YAMLSeq;
    const i = list.items.findIndex((e) => isMap(e) && e.get('name') === v.name);
    if ('remove' in v) {
      if (i >= 0) list.items.splice(i, 1);
      if (list.items.length === 0) parent.delete(key);
      return;
    }
    const body = legacy
      ? {
          name: v.name,
          hostPath: v.hostPath,
          mountPath: v.mountPath,
          writable: !v.readOnly,
          ...(v.type ? { pathType: v.type } : {}),
        }
      : {
          name: v.name,
          hostPath: v.hostPath,
          mountPath: v.mountPath,
          readOnly: v.readOnly,
          ...(v.type ? { pathType: v.type } : {}),
        };
    const node = this.doc.createNode(body);
    if (i >= 0) list.items[i] = node;
    else list.items.push(node);
  }

  toString(): string {
    return this.doc.toString({ lineWidth: 0, indentSeq: this.indentSeq });
  }
}
