/**
 * Tests that need a program npm does not install (real kubectl builds, network namespaces,
 * ruby, vagrant, shellcheck). Where it is missing the test is skipped, and its title says
 * why, so scripts/test.mjs can list every skip with its reason. Under CI=true a missing
 * program fails the test instead: .ci/run installs everything, so a skip there would hide
 * a broken install step.
 */
import test, { type ExecutionContext } from 'ava';

type Impl = (t: ExecutionContext) => unknown;

export interface Gate {
  (title: string, impl: Impl): void;
  serial(title: string, impl: Impl): void;
  readonly available: boolean;
  /** What is missing, for messages ('' when available). */
  readonly reason: string;
}

/** `available`: the program is there; `reason`: what is missing and how to get it (e.g. "no ruby: apt-get install ruby"). */
export function requires(available: boolean, reason: string): Gate {
  const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  const register = (serial: boolean) => (title: string, impl: Impl) => {
    if (available) return serial ? test.serial(title, impl) : test(title, impl);
    if (inCi)
      return test(title, (t) => {
        t.fail(`${reason}; CI must have it (.ci/run installs it)`);
      });
    return test.skip(`${title} [skipped: ${reason}]`, impl);
  };
  const gate = register(false) as Gate;
  return Object.assign(gate, { serial: register(true), available, reason: available ? '' : reason });
}

/** A gate that opens only when every one of `gates` does; its reason lists what is missing. */
export function requiresAll(...gates: Gate[]): Gate {
  return requires(
    gates.every((g) => g.available),
    gates
      .map((g) => g.reason)
      .filter((r) => r !== '')
      .join('; '),
  );
}
