/**
 * The API server's static pod manifest (/etc/kubernetes/manifests/kube-apiserver.yaml),
 * read and edited as a YAML document: flags are items of the container's command
 * list, volumes and mounts are list entries. Everything else, comments and layout
 * included, is written back as it was, so `--dry-run` shows a diff of only the lines
 * kubestrap changes.
 */
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type Document,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { isDeepStrictEqual } from 'node:util';
import { UserError } from '../errors.js';
import { parseFlags } from './flags.js';
import { goStringNode } from '../render/go-yaml.js';

export const APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

export interface HostPathVolume {
  name: string;
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
  type?: string;
}

function flagName(item: unknown): string | undefined {
  if (!isScalar(item) || typeof item.value !== 'string' || !item.value.startsWith('--')) return undefined;
  const v = item.value;
  const eq = v.indexOf('=');
  return eq > 0 ? v.slice(2, eq) : v.slice(2);
}

export class ApiServerManifest {
  private readonly doc: Document;
  /** The stringify options that reproduce the original text (sequence indentation). */
  private readonly indentSeq: boolean;

  private constructor(
    readonly file: string,
    readonly original: string,
  ) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(original, { lineCounter, uniqueKeys: true, keepSourceTokens: false });
    const err = doc.errors[0];
    if (err) {
      const pos = lineCounter.linePos(err.pos[0]);
      throw new UserError(`invalid YAML: ${err.message.split('\n')[0]}`, { file, line: pos.line, col: pos.col });
    }
    this.doc = doc;
    // kubeadm (Go) writes `- ` at the parent key's indentation; other tools indent it.
    const plain = doc.toString({ lineWidth: 0, indentSeq: false });
    this.indentSeq = plain !== original;
    const container = this.container();
    if (!container) throw new UserError('no kube-apiserver container in spec.containers', { file }, 'spec.containers');
    if (!this.flagList())
      throw new UserError(
        'the kube-apiserver container has no command or args list',
        { file },
        'spec.containers[0].command',
      );
  }

  static parse(text: string, file: string): ApiServerManifest {
    return new ApiServerManifest(file, text);
  }

  private container(): YAMLMap | undefined {
    const list = this.doc.getIn(['spec', 'containers']);
    if (!isSeq(list)) return undefined;
    const maps = list.items.filter(isMap) as YAMLMap[];
    return maps.find((m) => m.get('name') === 'kube-apiserver') ?? maps[0];
  }

  /** The list that holds the flags: `command` (kubeadm) or, failing that, `args`. */
  private flagList(): YAMLSeq | undefined {
    const c = this.container();
    if (!c) return undefined;
    for (const key of ['command', 'args']) {
      const seq = c.get(key, true);
      if (isSeq(seq) && seq.items.some((i) => flagName(i) !== undefined)) return seq;
    }
    const cmd = c.get('command', true);
    return isSeq(cmd) ? cmd : undefined;
  }

  /** The container's command line (command, then args). */
  argv(): string[] {
    const c = this.container()!;
    const out: string[] = [];
    for (const key of ['command', 'args']) {
      const seq = c.get(key, true);
      if (isSeq(seq)) for (const i of seq.items) out.push(String(isScalar(i) ? i.value : i));
    }
    return out;
  }

  flags(): Map<string, string> {
    return parseFlags(this.argv());
  }

  flag(name: string): string | undefined {
    return this.flags().get(name);
  }

  /** `registry.k8s.io/kube-apiserver:v1.24.17` -> `v1.24.17`. */
  imageVersion(): string | undefined {
    const image = this.container()?.get('image');
    const m = typeof image === 'string' ? /:(v\d+\.\d+\.\d+)/.exec(image) : null;
    return m?.[1];
  }

  /**
   * Sets `--name=value` in place (the item keeps its position and quoting), or
   * inserts it in name order among the flags (kubeadm sorts them); `undefined` removes it.
   */
  setFlag(name: string, value: string | undefined): void {
    const seq = this.flagList()!;
    const i = seq.items.findIndex((it) => flagName(it) === name);
    if (i >= 0) {
      const item = seq.items[i] as Scalar;
      // The `--name value` form: the value is the next item.
      const split =
        !String(item.value).includes('=') && i + 1 < seq.items.length && flagName(seq.items[i + 1]) === undefined;
      if (value === undefined) {
        seq.items.splice(i, split ? 2 : 1);
        return;
      }
      if (split) seq.items.splice(i + 1, 1);
      item.value = `--${name}=${value}`;
      return;
    }
    if (value === undefined) return;
    const node = new Scalar(`--${name}=${value}`);
    const sibling = seq.items.find((it) => flagName(it) !== undefined) as Scalar | undefined;
    if (sibling?.type) node.type = sibling.type;
    const at = seq.items.findIndex((it) => {
      const n = flagName(it);
      return n !== undefined && n > name;
    });
    if (at < 0) seq.items.push(node);
    else seq.items.splice(at, 0, node);
  }

  annotations(): Record<string, string> {
    const a = this.doc.getIn(['metadata', 'annotations']);
    return isMap(a) ? (a.toJSON() as Record<string, string>) : {};
  }

  /** Sets (or, with undefined, removes) an annotation of the static pod; the kubelet restarts it when they change. */
  setAnnotation(key: string, value: string | undefined): void {
    const meta = this.doc.get('metadata', true);
    if (!isMap(meta)) return;
    let a: unknown = meta.get('annotations', true);
    if (!isMap(a)) {
      if (value === undefined) return;
      meta.set('annotations', this.doc.createNode({}));
      a = meta.get('annotations', true);
    }
    const m = a as YAMLMap;
    if (value === undefined) {
      m.delete(key);
      if (m.items.length === 0) meta.delete('annotations');
    } else m.set(key, goStringNode(value));
  }

  volumes(): HostPathVolume[] {
    const c = this.container()!;
    const vols = this.doc.getIn(['spec', 'volumes']);
    const mounts = c.get('volumeMounts');
    const out: HostPathVolume[] = [];
    if (!isSeq(vols)) return out;
    for (const v of vols.items) {
      if (!isMap(v)) continue;
      const js = v.toJSON() as { name?: string; hostPath?: { path?: string; type?: string } };
      if (!js.name || !js.hostPath?.path) continue;
      const m = isSeq(mounts)
        ? (
            mounts.items.filter(isMap).map((x) => x.toJSON()) as {
              name?: string;
              mountPath?: string;
              readOnly?: boolean;
            }[]
          ).find((x) => x.name === js.name)
        : undefined;
      if (!m?.mountPath) continue;
      out.push({
        name: js.name,
        hostPath: js.hostPath.path,
        mountPath: m.mountPath,
        readOnly: m.readOnly === true,
        type: js.hostPath.type,
      });
    }
    return out;
  }

  /** Adds (or replaces) a hostPath volume and its mount, each list kept in name order as kubeadm writes them. */
  setVolume(v: HostPathVolume): void {
    this.removeVolume(v.name);
    const c = this.container()!;
    let mounts: unknown = c.get('volumeMounts', true);
    if (!isSeq(mounts)) {
      c.set('volumeMounts', this.doc.createNode([]));
      mounts = c.get('volumeMounts', true);
    }
    const mount = this.doc.createNode({
      mountPath: v.mountPath,
      name: v.name,
      ...(v.readOnly ? { readOnly: true } : {}),
    });
    insertByName(mounts as YAMLSeq, mount as YAMLMap, v.name);
    let vols = this.doc.getIn(['spec', 'volumes'], true);
    if (!isSeq(vols)) {
      (this.doc.get('spec') as YAMLMap).set('volumes', this.doc.createNode([]));
      vols = this.doc.getIn(['spec', 'volumes'], true);
    }
    const vol = this.doc.createNode({
      hostPath: { path: v.hostPath, ...(v.type ? { type: v.type } : {}) },
      name: v.name,
    });
    insertByName(vols as YAMLSeq, vol as YAMLMap, v.name);
  }

  removeVolume(name: string): void {
    const c = this.container()!;
    for (const seq of [c.get('volumeMounts', true), this.doc.getIn(['spec', 'volumes'], true)]) {
      if (!isSeq(seq)) continue;
      const i = seq.items.findIndex((x) => isMap(x) && x.get('name') === name);
      if (i >= 0) seq.items.splice(i, 1);
    }
  }

  /** The manifest as a JS object (what the kubelet reads). */
  toJS(): unknown {
    return this.doc.toJS();
  }

  /**
   * The edited manifest. Read back and compared with the edited document, so a
   * formatting round trip can never change what the kubelet runs.
   */
  toString(): string {
    const text = this.doc.toString({ lineWidth: 0, indentSeq: this.indentSeq });
    const back = parseDocument(text).toJS();
    if (!isDeepStrictEqual(back, this.doc.toJS()))
      throw new Error(`kubestrap: writing ${this.file} would change more than intended (YAML round trip)`);
    return text;
  }
}

function insertByName(seq: YAMLSeq, node: YAMLMap, name: string): void {
  const at = seq.items.findIndex((x) => isMap(x) && String(x.get('name') ?? '') > name);
  if (at < 0) seq.items.push(node);
  else seq.items.splice(at, 0, node);
}
