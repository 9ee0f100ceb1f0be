/**
 * Parsed and validated documents, kept so that a client that sends the same document again is not
 * validated afresh (validation was 42% of an owner's single-record read).
 *
 * What validation says depends on three things, and the cache is keyed by all three: the schema (the
 * entries of a schema live in a WeakMap under the schema object, so a contract upgrade, which builds
 * a new schema, starts empty and the old entries go with the old schema), the rule set (the caller's
 * `rulesKey`: the introspection rule applies to everyone but the owner, the limits may differ) and the
 * document's text. The outcome is kept either way, a document or its errors.
 *
 * Only what does not depend on the request is kept: the operation's choice is judged again for every
 * request, and so is its cost when it has variables (page sizes may come from them; cost.ts keeps
 * the cost of an operation without), as is everything at execution.
 *
 * Bounded per schema: at most `maxEntries` documents and `maxTotalLength` characters of document
 * text, least recently used first out; a document longer than `maxQueryLength` is never kept.
 */
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';

export type PreparedOutcome = DocumentNode | readonly GraphQLError[];

export interface OperationCacheOptions {
  /** Documents kept per schema (default 256). */
  readonly maxEntries?: number;
  /** Characters of document text kept per schema (default 1 Mi). */
  readonly maxTotalLength?: number;
  /** Longest document kept (default 32 Ki characters). */
  readonly maxQueryLength?: number;
}

export const DEFAULT_OPERATION_CACHE_ENTRIES = 256;
const DEFAULT_TOTAL_LENGTH = 1024 * 1024;
const DEFAULT_QUERY_LENGTH = 32 * 1024;

interface SchemaEntries {
  /** In order of use, most recent last (a Map keeps insertion order). */
  readonly outcomes: Map<string, PreparedOutcome>;
  length: number;
}

export class PreparedOperationCache {
  readonly #bySchema = new WeakMap<GraphQLSchema, SchemaEntries>();
  readonly #maxEntries: number;
  readonly #maxTotalLength: number;
  readonly #maxQueryLength: number;

  constructor(options: OperationCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_OPERATION_CACHE_ENTRIES;
    this.#maxTotalLength = options.maxTotalLength ?? DEFAULT_TOTAL_LENGTH;
    this.#maxQueryLength = options.maxQueryLength ?? DEFAULT_QUERY_LENGTH;
  }

  /** The outcome for `query` under `rulesKey` in `schema`: kept, or made by `prepare` (and kept). */
  get(
    schema: GraphQLSchema,
    rulesKey: string,
    query: string,
    prepare: () => PreparedOutcome,
  ): PreparedOutcome {
    if (query.length > this.#maxQueryLength) return prepare();
    let entries = this.#bySchema.get(schema);
    if (!entries) {
      entries = { outcomes: new Map(), length: 0 };
      this.#bySchema.set(schema, entries);
    }
    // The rules key first, separated by a character no key contains.
    const key = `${rulesKey}\n${query}`;
    const known = entries.outcomes.get(key);
    if (known !== undefined) {
      entries.outcomes.delete(key);
      entries.outcomes.set(key, known);
      return known;
    }
    const outcome = prepare();
    entries.outcomes.set(key, outcome);
    entries.length += key.length;
    this.evict(entries);
    return outcome;
  }

  /** Documents kept for `schema` (for tests and diagnostics). */
  size(schema: GraphQLSchema): number {
    return this.#bySchema.get(schema)?.outcomes.size ?? 0;
  }

  private evict(entries: SchemaEntries): void {
    for (const key of entries.outcomes.keys()) {
      if (entries.outcomes.size <= this.#maxEntries && entries.length <= this.#maxTotalLength) return;
      entries.outcomes.delete(key);
      entries.length -= key.length;
    }
  }
}

/** The cache the pod's transports share (one per process; its entries are per schema). */
export const sharedOperationCache = new PreparedOperationCache();
