/**
 * Which query ids this pod has already answered (spec §8): a pod that has seen a query id within the
 * last minutes answers it with no results and does not forward it again, so cycles and diamonds in
 * the graph of links cost one visit per pod.
 *
 * Ids are kept for `ttlMs` (default 5 minutes, longer than the 2 minutes an origin signature is
 * accepted, so a replay is refused by one rule or the other) and at most `maxEntries` of them (default
 * 100,000, a few MiB): beyond that the oldest are forgotten first. A `Map` keeps insertion order, and
 * every entry lives the same time, so the oldest entries are always at the front.
 */
import { BoundedMap } from '../bounded/index.js';

export interface QueryMemoryOptions {
  /** How long an id is remembered, in milliseconds (default 5 minutes). */
  readonly ttlMs?: number;
  /** Most ids remembered at once (default 100,000). */
  readonly maxEntries?: number;
  /** Clock (milliseconds); tests pass a fake one. */
  readonly now?: () => number;
}

export interface QueryMemory {
  /**
   * True the first time `queryId` is seen within the memory's time (and remembers it); false when
   * it was seen before: answer with nothing and do not forward.
   */
  firstVisit(queryId: string): boolean;
  /** Whether `queryId` is remembered now (does not remember it). */
  has(queryId: string): boolean;
  /** How many ids are remembered (expired ones may still count until the next call). */
  readonly size: number;
}

export const DEFAULT_QUERY_MEMORY_TTL_MS = 5 * 60_000;
export const DEFAULT_QUERY_MEMORY_ENTRIES = 100_000;

export function createQueryMemory(options: QueryMemoryOptions = {}): QueryMemory {
  const ttlMs = options.ttlMs ?? DEFAULT_QUERY_MEMORY_TTL_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_QUERY_MEMORY_ENTRIES;
  const now = options.now ?? Date.now;
  /** Query id (lower case) -> when it expires. */
  const expiries = new BoundedMap<string, number>(maxEntries);

  const forgetExpired = (at: number): void => {
    for (const [id, expires] of expiries) {
      if (expires > at) break;
      expiries.delete(id);
    }
  };

  return {
    firstVisit(queryId: string): boolean {
      const at = now();
      forgetExpired(at);
      const id = queryId.toLowerCase();
      if (expiries.has(id)) return false;
      expiries.set(id, at + ttlMs);
      return true;
    },
    has(queryId: string): boolean {
      forgetExpired(now());
      return expiries.has(queryId.toLowerCase());
    },
    get size(): number {
      return expiries.size;
    },
  };
}
