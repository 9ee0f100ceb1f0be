/**
 * The in-memory caches of the request path (verified tokens, client-certificate leaves, signer keys,
 * parsed CAs, query ids ...) each keep a bounded number of entries, so that a stream of distinct
 * inputs from a peer can never grow a process without bound. This is the one place that bound lives.
 */
import { ByodaError } from '../errors/index.js';

/**
 * A `Map` that keeps at most `limit` entries. Setting a key makes it the newest; past the limit the
 * oldest entries are forgotten first. `use` reads an entry and makes it the newest too, so that a
 * cache read through `use` forgets the least recently used entry first. A limit of 0 keeps nothing.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly limit: number;

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ByodaError(
        'BYODA_ERR_CONFIG',
        `a cache's limit is a whole number of entries, 0 or more, not ${limit}`,
      );
    }
    super();
    this.limit = limit;
  }

  override set(key: K, value: V): this {
    // Deleted first: a Map keeps a key's first insertion place, and a new value makes it the newest.
    super.delete(key);
    super.set(key, value);
    for (const oldest of this.keys()) {
      if (this.size <= this.limit) break;
      super.delete(oldest);
    }
    return this;
  }

  /** The value of `key`, which becomes the newest entry (least recently used goes first). */
  use(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    const value = super.get(key) as V;
    super.delete(key);
    super.set(key, value);
    return value;
  }
}
