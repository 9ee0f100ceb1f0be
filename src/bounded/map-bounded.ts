/**
 * Work over many items side by side, but not all at once: a pod asking its linked pods, or `byoda up`
 * starting a thousand pods, keeps the cores and the peers busy without holding every request (its
 * TLS context, its timers, its answer) in memory at the same moment.
 */

/**
 * `fn` for every item, at most `limit` at a time, results in the items' order. Like `settleAll`, it
 * waits for every started call before it rejects with the first failure (a part that is starting must
 * have registered its stop before `stop()` runs), and starts no further item after a failure.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  // Filled by index as the calls end; every index is set before the results are returned.
  const results: R[] = [];
  let next = 0;
  let failure: { readonly reason: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (reason) {
        failure ??= { reason };
      }
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure.reason;
  return results;
}
