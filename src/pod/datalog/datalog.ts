/**
 * The owner's data log (docs/protocol.md, "The owner's data log"): every firewall decision on a class,
 * allowed or denied, as a row of the contract's `datalogs` class, which only the owner may read
 * (src/firewall/pod-kept.ts).
 *
 * `note` runs inside the resolvers, so it only adds to a buffer in memory; rows reach the store in
 * batches, one transaction per flush (every `flushEntries` entries or `flushMs`, whichever first).
 * A stranger must not be able to grow the pod's disk without bound through it:
 * - repeats within one flush window (same requester, address, class, action and outcome) become one
 *   row whose message says how many times;
 * - at most `maxPending` distinct entries wait for a flush; beyond that, entries are only counted, and
 *   the flush writes one row saying how many were dropped;
 * - the class keeps at most `maxRows` rows: each flush deletes the oldest beyond that;
 * - every row expires after `retentionSeconds` and the store's expiry sweeper deletes it, as it does
 *   cached data (src/storage/expiry-sweeper.ts).
 */
import type { Action, DataClass } from '../../contract/index.js';
import { DATALOG_CLASS } from '../../firewall/index.js';
import type { Requester } from '../../firewall/index.js';
import { MAX_PAGE_SIZE } from '../../storage/index.js';
import type { BatchItem, DataStore, JsonObject } from '../../storage/index.js';
import type { DataLogSettings } from './datalog-settings.js';

/** One decision, as the GraphQL route reports it. */
export interface DataLogEntry {
  readonly requester: Requester;
  readonly className: string;
  readonly action: Action;
  readonly allowed: boolean;
  /** The client's IP address (IPv4-mapped IPv6 addresses are written as IPv4). */
  readonly remoteAddr: string;
}

/** Where a failed flush is reported (it never reaches the request that noted the entry). */
export interface DataLogReporter {
  warn(details: Readonly<Record<string, unknown>>, message: string): void;
}

interface Pending {
  readonly record: Record<string, string>;
  count: number;
}

/** Pages of oldest rows one flush may delete (each flush adds at most `maxPending` + 1 rows). */
const MAX_TRIM_ROUNDS = 20;

/** What the `source` field of every row says: the decision was taken for the GraphQL data API. */
const SOURCE = 'graphql';

export class DataLog {
  readonly #store: DataStore;
  readonly #settings: DataLogSettings;
  readonly #reporter: DataLogReporter | undefined;
  readonly #pending = new Map<string, Pending>();
  #dropped = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(store: DataStore, settings: DataLogSettings, reporter?: DataLogReporter) {
    this.#store = store;
    this.#settings = settings;
    this.#reporter = reporter;
  }

  /** Adds a decision to the next batch; returns at once. No-op when the contract has no data log. */
  note(entry: DataLogEntry): void {
    if (this.#closed || logClass(this.#store) === undefined) return;
    const record = rowOf(entry, new Date());
    const key = [
      record['remote_id_type'],
      record['remote_id'],
      record['remote_addr'],
      record['object'],
      record['operation'],
      record['message'],
    ].join('\n');
    const known = this.#pending.get(key);
    if (known) known.count += 1;
    else if (this.#pending.size < this.#settings.maxPending) this.#pending.set(key, { record, count: 1 });
    else this.#dropped += 1;
    if (this.#pending.size >= this.#settings.flushEntries) void this.flush();
    else this.#arm();
  }

  /** Writes what is buffered, in one transaction, then trims the class to `maxRows`. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#flushing.then(() => this.#write());
    this.#flushing = run.catch((err: unknown) => {
      this.#reporter?.warn({ reason: String(err) }, 'data log flush failed');
    });
    return this.#flushing;
  }

  /** Flushes what is left; later notes are ignored. Call before the store closes. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => void this.flush(), this.#settings.flushMs);
    this.#timer.unref();
  }

  async #write(): Promise<void> {
    const cls = logClass(this.#store);
    const batch = [...this.#pending.values()];
    const dropped = this.#dropped;
    this.#pending.clear();
    this.#dropped = 0;
    if (cls === undefined || this.#store.closed || (batch.length === 0 && dropped === 0)) return;
    const expiresAt = new Date(Date.now() + this.#settings.retentionSeconds * 1000);
    const items: BatchItem[] = batch.map(({ record, count }) => ({
      value: fieldsOf(cls, count === 1 ? record : { ...record, message: `${record['message']} x${count}` }),
      meta: { expiresAt },
    }));
    if (dropped > 0) items.push({ value: fieldsOf(cls, droppedRow(dropped)), meta: { expiresAt } });
    await this.#store.appendBatch(cls.name, items);
    await this.#trim(cls);
  }

  /**
   * Deletes the oldest rows beyond `maxRows` (by `created_timestamp`, which every row has), a page at
   * a time; a bounded number of pages per flush, so a flush never turns into an endless loop.
   */
  async #trim(cls: DataClass): Promise<void> {
    for (let round = 0; round < MAX_TRIM_ROUNDS; round += 1) {
      const excess = (await this.#store.count(cls.name)) - this.#settings.maxRows;
      if (excess <= 0) return;
      const oldest = await this.#store.query(cls.name, { first: Math.min(excess, MAX_PAGE_SIZE) });
      const last = oldest.records.at(-1)?.data['created_timestamp'];
      if (typeof last !== 'string') return;
      const cutoff = new Date(Date.parse(last) + 1).toISOString();
      await this.#store.delete(cls.name, { created_timestamp: { before: cutoff } });
    }
  }
}

/** The contract's data log class, when it has one the pod can fill (an array class). */
function logClass(store: DataStore): DataClass | undefined {
  const cls = store.contract.classes.find((c) => c.name === DATALOG_CLASS);
  return cls?.kind === 'array' ? cls : undefined;
}

/** The row of one decision, in the real contracts' `datalog` fields. */
function rowOf(entry: DataLogEntry, at: Date): Record<string, string> {
  const id = requesterId(entry.requester);
  return {
    created_timestamp: at.toISOString(),
    remote_addr: entry.remoteAddr.replace(/^::ffff:/, ''),
    remote_id_type: entry.requester.kind,
    ...(id === undefined ? {} : { remote_id: id }),
    operation: entry.action,
    object: entry.className,
    source: SOURCE,
    message: entry.allowed ? 'allowed' : 'denied',
  };
}

function droppedRow(count: number): Record<string, string> {
  return {
    created_timestamp: new Date().toISOString(),
    remote_addr: '0.0.0.0',
    remote_id_type: 'pod',
    operation: 'log',
    object: DATALOG_CLASS,
    source: SOURCE,
    message: `dropped ${count} entries: too many distinct requests in one flush`,
  };
}

/** The id the requester proved: member id, service id, app id or the scoped token's id. */
function requesterId(requester: Requester): string | undefined {
  switch (requester.kind) {
    case 'member':
      return requester.memberId;
    case 'service':
      return String(requester.serviceId);
    case 'app':
      return requester.appId;
    case 'delegate':
      return requester.scope.tokenId;
    case 'owner':
    case 'anonymous':
      return undefined;
  }
}

/** Only the fields the contract's class has: a contract with a smaller `datalog` still gets rows. */
function fieldsOf(cls: DataClass, row: Readonly<Record<string, string>>): JsonObject {
  const names = new Set(cls.fields.map((field) => field.name));
  return Object.fromEntries(Object.entries(row).filter(([name]) => names.has(name)));
}
