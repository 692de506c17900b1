/** At most `limit` of `items` in flight at once: many hosts, without opening every connection at the same moment. */
export async function eachLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Hosts worked on at the same time: OpenSSH's own default for MaxStartups on the far side is 10. */
export const HOST_PARALLELISM = 8;
