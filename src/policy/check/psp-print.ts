/** How `policy check` prints a PodSecurityPolicy verdict, as text lines or as a JSON entry. */
import { changes } from '../diff.js';
import { type PodInput, title } from '../objects.js';
import { type AdmitResult, NO_PROVIDERS_MESSAGE, withoutPspAnnotation } from '../psp/admission.js';
import { applyApiDefaults } from '../psp/api-defaults.js';
import { admissionServiceAccount } from '../psp/pod.js';

export interface PspPrinter {
  /** The output for one pod: text lines, or `,\n` and its JSON entry. */
  print(p: PodInput, r: AdmitResult, usable: () => string[]): string;
  /** Pods admitted with changes made by their policy, since the last restart. */
  changed: number;
}

export function pspPrinter(json: boolean, requester: string | undefined): PspPrinter {
  return json ? { print: jsonEntry, changed: 0 } : new TextPrinter(requester);
}

class TextPrinter implements PspPrinter {
  changed = 0;

  constructor(private readonly requester: string | undefined) {}

  print(p: PodInput, r: AdmitResult, usable: () => string[]): string {
    if (r.admitted) {
      const diff = r.mutated ? changes(applyApiDefaults(p.pod), withoutPspAnnotation(r.pod, p.pod)) : [];
      if (diff.length === 0) return `${title(p)}: admitted by ${r.policy}\n`;
      this.changed++;
      let text = `${title(p)}: admitted by ${r.policy}, which changes it:\n`;
      for (const d of diff) text += `    ${d}\n`;
      return text;
    }
    let text = `${title(p)}: refused\n`;
    for (const reason of r.reasons) text += `    ${reason}\n`;
    if (r.reasons.length === 0) {
      // No field errors: no policy was usable (or, on update, none admitted it unchanged).
      text += `    ${r.message}\n`;
      if (r.message !== NO_PROVIDERS_MESSAGE && usable().length === 0) {
        const sa = admissionServiceAccount(p.pod);
        const who = [
          ...(sa ? [`serviceaccount ${p.namespace}/${sa}`] : []),
          ...(this.requester ? [this.requester] : []),
        ].join(' or ');
        text += `    no PodSecurityPolicy may be used by ${who} in namespace ${p.namespace} (see the RBAC input, --as and --allow)\n`;
      }
    }
    return text;
  }
}

/** The contract's PodSecurityPolicy entry. */
function jsonEntry(p: PodInput, r: AdmitResult): string {
  return `,\n${JSON.stringify({
    kind: p.kind,
    namespace: p.namespace,
    name: p.name,
    admitted: r.admitted,
    policy: r.policy,
    pod: r.pod,
    reasons: r.reasons,
  })}`;
}
