/**
 * The backend-neutral face of a membership's namespace store: one store per membership, holding one
 * table-like collection per data class of the service contract (spec §5, §7). Every method is async so
 * that a networked backend (PostgreSQL) can implement the same interface without touching callers.
 */
import type { Contract } from '../contract/index.js';
import type { FilterInput } from './filter.js';

/** A JSON value, as records hold and return it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/**
 * The data of one record: field name -> value. Fields with no value are absent (never `null` at the top
 * level). Scalars come back canonical: uuids lower-case, date-times as ISO 8601 UTC with milliseconds.
 */
export type DataRecord = JsonObject;

/** What callers hand in to be written; checked against the class before anything is stored. */
export type RecordInput = Readonly<Record<string, unknown>>;

/**
 * Bookkeeping the store keeps beside each record (columns `_id`, `_created_at`, `_updated_at`,
 * `_origin`, `_expires_at`, `_signature`). Timestamps are ISO 8601 UTC with milliseconds.
 */
export interface RecordMeta {
  /** Internal id, increasing in insertion order and never reused; the order of paging. */
  readonly id: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Member id of the pod the record came from, when it is remote data (spec §7 `origin`, §8). */
  readonly origin?: string;
  /**
   * When a cached copy of remote data must be gone (spec §8 cache rules, `cache_only`). A record is
   * never served at or after this time, whether or not the sweeper has deleted it yet.
   */
  readonly expiresAt?: string;
  /**
   * The compact JWS the data came with, as it was written. The store never checks nor re-signs it:
   * `update` keeps it unchanged, so a record changed after signing carries a signature that no longer
   * verifies, which is what readers must see.
   */
  readonly signature?: string;
  /**
   * The member id of the client certificate that wrote the record through `append` or `putObject`
   * (storage format 3): the authenticated appender, shown to the owner so that nobody can pass a
   * record off as another member's (docs/protocol.md, "Appends by other members"). Absent for records
   * written before format 3 and for writes that named none (the service, anonymous clients).
   */
  readonly appender?: string;
}

export interface StoredRecord {
  readonly data: DataRecord;
  readonly meta: RecordMeta;
  /** Opaque cursor of this record, for `after` (spec §7 `edges.cursor`). */
  readonly cursor: string;
}

/** Optional bookkeeping given with a write. */
export interface WriteMeta {
  /**
   * Member id (UUID) the data came from. Setting it marks the write as remote data fetched from that
   * member's pod, which the store keeps only as the contract allows (spec §8 `persist`, `cache_only`,
   * `cache`); otherwise BYODA_ERR_PERSIST_DENIED and nothing is written.
   */
  readonly origin?: string;
  /**
   * Lower-case relations of this pod's network links to `origin` (empty or absent: no link). They decide
   * whether a `network` persist rule covers the data.
   */
  readonly originRelations?: readonly string[];
  /**
   * When the record must be deleted. Default: now + the class's `cache_only` duration if it has one,
   * else never. For remote data (`origin` set) the class's cache duration is also the upper bound:
   * a later time is clamped down to it.
   */
  readonly expiresAt?: string | Date;
  /** Compact JWS over the record's canonical data (`canonicalRecord`), stored as given; at most 8192 chars. */
  readonly signature?: string;
  /** Member id (UUID) of the authenticated writer, kept as `RecordMeta.appender`; `update` keeps it. */
  readonly appender?: string;
}

/** One record of `DataStore.appendBatch`, with its bookkeeping. */
export interface BatchItem {
  readonly value: RecordInput;
  readonly meta?: WriteMeta;
}

/** What a committed write changed, for `DataStore.onChange` listeners. */
export interface StoreChange {
  readonly className: string;
  /** The operation: `expire` is rows deleted because their time was up (sweeps and writes purge them). */
  readonly kind: 'put' | 'delete-object' | 'append' | 'update' | 'delete' | 'expire';
  /** Records written or removed (always at least 1: writes that change nothing are not reported). */
  readonly count: number;
  /** The earliest expiry this write set, if it set one (lets a sweeper wake up earlier). */
  readonly expiresAt?: Date;
}

/** Called synchronously after a committed write; see `DataStore.onChange`. */
export type StoreChangeListener = (change: StoreChange) => void;

/** Null is accepted for each option and means "not given", as GraphQL passes it. */
export interface QueryOptions {
  readonly filter?: FilterInput | null;
  /** Page size, 0..MAX_PAGE_SIZE; default DEFAULT_PAGE_SIZE. */
  readonly first?: number | null;
  /** Cursor of the last record already seen: the page starts after it. */
  readonly after?: string | null;
}

/** One page of a connection (spec §7): records in `_id` order. */
export interface Page {
  readonly records: readonly StoredRecord[];
  /** Records matching the filter, over all pages. */
  readonly totalCount: number;
  /** Cursor of the page's last record, or null for an empty page. */
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

/** What `migrate` did, in the order it did it. */
export interface MigrationReport {
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly addedClasses: readonly string[];
  /** `class.field` for each column added to an existing class. */
  readonly addedFields: readonly string[];
  /** Numbered, named steps applied, e.g. `001 create table "channels"`. */
  readonly steps: readonly string[];
}

/**
 * A membership's namespace. Class names and field names are those of the contract; an unknown class is
 * BYODA_ERR_STORAGE_NOT_FOUND, an operation that does not fit the class's kind BYODA_ERR_BAD_REQUEST,
 * an invalid value BYODA_ERR_VALUE, an invalid filter BYODA_ERR_FILTER, a bad cursor BYODA_ERR_CURSOR,
 * a second record with the same `primary_key` value BYODA_ERR_CONFLICT, remote data the contract does not
 * let this pod keep BYODA_ERR_PERSIST_DENIED.
 *
 * Expired records (`expiresAt` at or before the store's clock) do not exist for any method: they are
 * neither returned, counted, updated nor deleted, and they do not hold their primary key (a write
 * purges them first), even before `deleteExpired` has removed them.
 */
export interface DataStore {
  /** The contract the namespace currently follows (changes with `migrate`). */
  readonly contract: Contract;
  /** True once `close` was called: every method but `close` then fails with BYODA_ERR_STORAGE. */
  readonly closed: boolean;

  /** Object class: its one record, or null. */
  getObject(className: string): Promise<StoredRecord | null>;
  /** Object class: create or replace the whole record (spec §7 `mutate_X`). */
  putObject(className: string, value: RecordInput, meta?: WriteMeta): Promise<StoredRecord>;
  /** Object class: remove the record; false if there was none. */
  deleteObject(className: string): Promise<boolean>;

  /** Any class: a page of the records that match the filter (spec §7 `X_connection`). */
  query(className: string, options?: QueryOptions): Promise<Page>;
  /** Any class: how many records match (spec §7 `X_counter`). */
  count(className: string, filter?: FilterInput | null): Promise<number>;

  /** Array class: add a record (spec §7 `append_X`). */
  append(className: string, value: RecordInput, meta?: WriteMeta): Promise<StoredRecord>;
  /**
   * Array class: add several records in one transaction, all or none (a writer that batches, e.g. the
   * pod's data log, pays for one commit instead of one per record); returns them in order.
   */
  appendBatch(className: string, items: readonly BatchItem[]): Promise<readonly StoredRecord[]>;
  /** Array class: set the patch's fields on every matching record; returns how many matched. */
  update(className: string, filter: FilterInput, patch: RecordInput): Promise<number>;
  /** Array class: remove every matching record (`{}` matches all); returns how many. */
  delete(className: string, filter: FilterInput): Promise<number>;

  /**
   * Remove records whose `expiresAt` is at or before `now` in every class; returns how many. Reports one
   * `expire` change per class that lost records.
   */
  deleteExpired(now?: Date): Promise<number>;

  /** The earliest `expiresAt` of any record, expired or not, over all classes; null if none expires. */
  nextExpiry(): Promise<Date | null>;

  /**
   * Calls `listener` synchronously after every committed write that changed something (one call per
   * class and operation). A listener that throws is ignored: the write has already happened and must
   * not look failed to its caller. Returns a function that unsubscribes.
   */
  onChange(listener: StoreChangeListener): () => void;

  /**
   * A small value the membership keeps beside its data, outside any class (e.g. where a feed stands
   * in a followed pod's class, so that a restart does not lose it). Callers namespace their keys
   * (`feed:...`). Keys are 1..MAX_STATE_KEY_LENGTH characters, values at most MAX_STATE_VALUE_LENGTH;
   * otherwise BYODA_ERR_VALUE.
   */
  getState(key: string): Promise<string | undefined>;
  /** Sets (or, with undefined, removes) a state value; in its own transaction. */
  setState(key: string, value: string | undefined): Promise<void>;

  /**
   * Move the namespace to a newer, compatible contract version (spec §5: add only). Incompatible
   * versions are refused with BYODA_ERR_CONTRACT_INCOMPATIBLE before anything is written.
   */
  migrate(next: Contract): Promise<MigrationReport>;

  close(): Promise<void>;
}

export interface StoreOptions {
  /** Clock for timestamps and expiry; tests pass a fixed one. */
  readonly now?: () => Date;
}

/** Opens (creating if needed) the store of one membership for `contract`. */
export type OpenStore = (location: string, contract: Contract, options?: StoreOptions) => Promise<DataStore>;

/** What a store file says about itself, read without opening it for a contract. */
export interface StoreInfo {
  readonly serviceId: number;
  readonly contractVersion: number;
  /** The contract document the namespace follows, as JSON (parse it to reopen the store). */
  readonly contractDocument: unknown;
}
