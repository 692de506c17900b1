/** A seeded generator (mulberry32): the same seed gives the same corpus on every machine. */
export class Random {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }

  /** A random subset, in the list's order. */
  some<T>(list: readonly T[], p = 0.5): T[] {
    return list.filter(() => this.chance(p));
  }
}

/** KUBESTRAP_REAL_SEED picks another corpus by hand; CI always uses the fixed one. */
export function corpusSeed(): number {
  const given = process.env.KUBESTRAP_REAL_SEED;
  if (given === undefined || given === '') return 20260817;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`KUBESTRAP_REAL_SEED must be a non-negative integer, not ${given}`);
  return n;
}

/** Cases per corpus (at least the 500 the tier promises, unless a developer asks for a quick run). */
export function corpusSize(): number {
  const given = Number(process.env.KUBESTRAP_REAL_CORPUS ?? '500');
  return Number.isInteger(given) && given > 0 ? given : 500;
}
