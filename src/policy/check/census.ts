/** What a pass over `policy check`'s input found besides the pods. */
import type { Classified, PodInput } from '../objects.js';
import type { PolicyObject } from '../psp/provider.js';
import type { RbacObject } from '../rbac.js';

export class Census {
  readonly policies = new Map<string, PolicyObject>();
  readonly rbac: RbacObject[] = [];
  private readonly ignored = new Map<string, Map<string, number>>();

  /** Takes a non-pod object; true for a policy or RBAC object. */
  take(c: Exclude<Classified, PodInput>): boolean {
    if (c.type === 'psp') this.policies.set(c.policy.metadata.name, c.policy);
    else if (c.type === 'rbac') this.rbac.push(c.object);
    else {
      this.ignore(c.where.file, c.kind);
      return false;
    }
    return true;
  }

  ignore(file: string, kind: string): void {
    const perFile = this.ignored.get(file) ?? new Map<string, number>();
    perFile.set(kind, (perFile.get(kind) ?? 0) + 1);
    this.ignored.set(file, perFile);
  }

  /** One note per input file with the kinds it skipped. */
  noteIgnored(note: (line: string) => void): void {
    for (const [file, kinds] of this.ignored) {
      const list = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
      note(`note: ${file}: skipped ${list} (not a pod, workload, PodSecurityPolicy or RBAC object)`);
    }
  }
}
