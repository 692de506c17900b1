/**
 * What one policy makes of a pod: the pod's settings after that policy's defaulting,
 * kept as small overlays on the PodView (copy on first write) rather than a copy of
 * the whole pod. Upstream deep-copies the pod per policy and compares afterwards
 * (apiequality.Semantic.DeepEqual) to learn whether it was mutated; here every setter
 * writes only when the value really changes, so `mutated` is exact, and a policy that
 * changes nothing allocates almost nothing. toPod() writes the changes into a copy of
 * the input JSON for the policy that wins.
 */
import { applyApiDefaults } from './api-defaults.js';
import type { ContainerList, Pod } from './pod.js';
import {
  APPARMOR_CONTAINER_ANNOTATION_PREFIX,
  CONTAINER_SC_FIELDS,
  POD_SC_FIELDS,
  SECCOMP_POD_ANNOTATION,
  type ContainerSC,
  type PodSC,
  type PodView,
} from './pod-view.js';

export class Candidate {
  psc: PodSC;
  readonly scs: ContainerSC[];
  runtimeClassName: string | undefined;
  /** The pod's seccomp annotation (the only pod annotation a policy sets). */
  seccompAnnotation: string | undefined;
  /** Each container's AppArmor annotation; copied on first write. */
  appArmor: (string | undefined)[] | undefined;
  mutated = false;

  constructor(readonly view: PodView) {
    this.psc = view.psc;
    const cs = view.containers;
    this.scs = new Array<ContainerSC>(cs.length);
    for (let i = 0; i < cs.length; i++) this.scs[i] = cs[i].sc;
    this.runtimeClassName = view.runtimeClassName;
    this.seccompAnnotation = view.seccompAnnotation;
  }

  /** The pod-level seccomp field (PSP never changes it). */
  get podProfile(): PodSC['seccompProfile'] {
    return this.psc.seccompProfile;
  }

  appArmorAnnotation(i: number): string | undefined {
    return this.appArmor !== undefined ? this.appArmor[i] : this.view.containers[i].appArmorAnnotation;
  }

  setSeccompAnnotation(value: string): void {
    if (this.seccompAnnotation === value) return;
    this.seccompAnnotation = value;
    this.mutated = true;
  }

  setAppArmorAnnotation(i: number, value: string): void {
    if (this.appArmorAnnotation(i) === value) return;
    this.appArmor ??= this.view.containers.map((c) => c.appArmorAnnotation);
    this.appArmor[i] = value;
    this.mutated = true;
  }

  setPodSC<K extends (typeof POD_SC_FIELDS)[number]>(key: K, value: PodSC[K]): void {
    if (this.psc[key] === value) return;
    if (this.psc === this.view.psc) this.psc = this.psc.clone();
    this.psc[key] = value;
    this.mutated = true;
  }

  // The effective values: the container's if set, else the pod's. One method per
  // field (not one keyed by the field name) keeps these property reads monomorphic.

  runAsUser(i: number): number | undefined {
    const v = this.scs[i].runAsUser;
    return v !== undefined ? v : this.psc.runAsUser;
  }

  runAsGroup(i: number): number | undefined {
    const v = this.scs[i].runAsGroup;
    return v !== undefined ? v : this.psc.runAsGroup;
  }

  runAsNonRoot(i: number): boolean | undefined {
    const v = this.scs[i].runAsNonRoot;
    return v !== undefined ? v : this.psc.runAsNonRoot;
  }

  seLinuxOptions(i: number): ContainerSC['seLinuxOptions'] {
    const v = this.scs[i].seLinuxOptions;
    return v !== undefined ? v : this.psc.seLinuxOptions;
  }

  /**
   * The container's settings for writing: copied from the view on first write, and
   * the candidate counts as mutated. Callers write only values that differ.
   */
  writable(i: number): ContainerSC {
    let sc = this.scs[i];
    if (sc === this.view.containers[i].sc) {
      sc = sc.clone();
      this.scs[i] = sc;
    }
    this.mutated = true;
    return sc;
  }

  setRuntimeClassName(value: string): void {
    if (this.runtimeClassName === value) return;
    this.runtimeClassName = value;
    this.mutated = true;
  }

  /**
   * The input pod with this candidate's changes (and `extraAnnotations`) written in,
   * after the API defaulting that admission sees. The input is not modified.
   */
  toPod(extraAnnotations: Record<string, string> = {}): Pod {
    const view = this.view;
    const src = view.pod;
    const meta = src.metadata ?? {};
    const annotations = { ...(meta.annotations ?? {}) };
    if (this.seccompAnnotation !== view.seccompAnnotation && this.seccompAnnotation !== undefined) {
      annotations[SECCOMP_POD_ANNOTATION] = this.seccompAnnotation;
    }
    const containers = view.containers;
    if (this.appArmor) {
      for (let i = 0; i < containers.length; i++) {
        const v = this.appArmor[i];
        if (v !== containers[i].appArmorAnnotation && v !== undefined)
          annotations[APPARMOR_CONTAINER_ANNOTATION_PREFIX + containers[i].name] = v;
      }
    }
    Object.assign(annotations, extraAnnotations);
    const hasAnnotations = meta.annotations != null || hasKeys(annotations);
    const spec = { ...src.spec };

    if (this.psc !== view.psc) {
      const sc = { ...(src.spec.securityContext ?? {}) };
      for (const f of POD_SC_FIELDS) if (this.psc[f] !== view.psc[f]) sc[f] = this.psc[f] as never;
      spec.securityContext = sc;
    }
    if (this.runtimeClassName !== view.runtimeClassName) spec.runtimeClassName = this.runtimeClassName;

    // Each container list is copied once, on its first changed container.
    let copied: ContainerList[] | undefined;
    for (let i = 0; i < containers.length; i++) {
      const c = containers[i];
      const next = this.scs[i];
      if (next === c.sc) continue;
      if (!copied?.includes(c.list)) {
        (copied ??= []).push(c.list);
        spec[c.list] = [...(src.spec[c.list] ?? [])];
      }
      const list = spec[c.list]!;
      const sc: Record<string, unknown> = { ...(list[c.index].securityContext ?? {}) };
      for (const f of CONTAINER_SC_FIELDS) if (next[f] !== c.sc[f]) sc[f] = next[f];
      list[c.index] = { ...list[c.index], securityContext: sc };
    }

    const pod: Pod = { ...src, metadata: hasAnnotations ? { ...meta, annotations } : { ...meta }, spec };
    return applyApiDefaults(pod);
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
