/**
 * Running many start steps side by side, but not all at once: a thousand pods that each generate keys,
 * hash a password and call the directory at the same moment only queue behind the two cores, hold a
 * thousand half-made TLS contexts in memory and run into request timeouts. A bounded pool keeps the
 * cores busy and the rest waiting cheaply.
 */

/**
 * How many pods init, start or join at once. The work of each is partly CPU (keys, scrypt, TLS
 * handshakes) and partly waiting for the directory or the service, so a few per core keep both busy.
 */
export const START_CONCURRENCY = 8;

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
  const results = new Array<R>(items.length);
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
