/**
 * Capabilities (pkg/security/podsecuritypolicy/capabilities/mustrunas.go).
 *
 * Generate: add = (defaultAddCapabilities minus what the container drops) ∪ the
 * container's adds; drop = requiredDropCapabilities ∪ the container's drops. When that
 * adds nothing new, the container's own capabilities object is kept as it is (so the
 * pod is not mutated); otherwise both lists are rebuilt sorted and de-duplicated.
 *
 * Validate: adds must be in defaultAddCapabilities or allowedCapabilities, and every
 * required drop must be dropped, except that a `*` in allowedCapabilities skips both
 * checks entirely (as upstream does).
 */
import type { FieldError } from '../field-error.js';
import { go, invalid, NO_ERRORS } from '../field-error.js';
import type { Capabilities } from '../pod.js';

export interface CapabilitiesStrategy {
  /** The capabilities the container ends up with; `current` itself when nothing changes. */
  generate(current: Capabilities | null | undefined): Capabilities | null | undefined;
  /** `path` is `...securityContext.capabilities`. */
  validate(path: string, caps: Capabilities | null | undefined): readonly FieldError[];
}

export interface CapabilitiesSpec {
  defaultAddCapabilities?: string[];
  requiredDropCapabilities?: string[];
  allowedCapabilities?: string[];
}

export function createCapabilitiesStrategy(spec: CapabilitiesSpec): CapabilitiesStrategy {
  const defaultAdd = spec.defaultAddCapabilities ?? [];
  const requiredDrop = spec.requiredDropCapabilities ?? [];
  const allowed = new Set(spec.allowedCapabilities ?? []);
  const defaultAddSet = new Set(defaultAdd);
  const allowAll = allowed.has('*');
  // Nothing to default: every container keeps what it has (the common case, kept cheap).
  const generates = defaultAdd.length > 0 || requiredDrop.length > 0;
  // What a container without capabilities gets: computed once, copied per container.
  const freshAdd = [...new Set(defaultAdd)].sort();
  const freshDrop = [...new Set(requiredDrop)].sort();

  return {
    generate(current) {
      if (!generates) return current;
      if (current == null) {
        const out: Capabilities = {};
        if (freshAdd.length > 0) out.add = [...freshAdd];
        if (freshDrop.length > 0) out.drop = [...freshDrop];
        return out;
      }
      // Nothing to add: every required drop is dropped and every default add is added
      // or dropped. (Upstream compares set sizes; this is the same test, without sets.)
      const cAdd = current?.add;
      const cDrop = current?.drop;
      let changes = false;
      for (const d of requiredDrop) {
        if (!cDrop?.includes(d)) {
          changes = true;
          break;
        }
      }
      if (!changes) {
        for (const a of defaultAdd) {
          if (!cDrop?.includes(a) && !cAdd?.includes(a)) {
            changes = true;
            break;
          }
        }
      }
      if (!changes) return current;
      const containerAdd = new Set(current?.add ?? []);
      const containerDrop = new Set(current?.drop ?? []);
      const add = new Set(containerAdd);
      for (const c of defaultAdd) if (!containerDrop.has(c)) add.add(c);
      const drop = new Set(containerDrop);
      for (const c of requiredDrop) drop.add(c);
      if (add.size === containerAdd.size && drop.size === containerDrop.size) return current;
      const out: Capabilities = {};
      if (add.size > 0) out.add = [...add].sort();
      if (drop.size > 0) out.drop = [...drop].sort();
      return out;
    },
    validate(path, caps) {
      if (caps == null) {
        if (defaultAdd.length === 0 && requiredDrop.length === 0) return NO_ERRORS;
        return [invalid(path, go.nil, 'required capabilities are not set on the securityContext')];
      }
      if (allowAll) return NO_ERRORS;
      let errs: FieldError[] | undefined;
      for (const c of caps.add ?? []) {
        if (!defaultAddSet.has(c) && !allowed.has(c))
          (errs ??= []).push(invalid(`${path}.add`, go.str(c), 'capability may not be added'));
      }
      const drops = caps.drop ?? [];
      for (const d of requiredDrop) {
        if (!drops.includes(d))
          (errs ??= []).push(
            invalid(`${path}.drop`, go.capabilities(caps.drop), `${d} is required to be dropped but was not found`),
          );
      }
      return errs ?? NO_ERRORS;
    },
  };
}
