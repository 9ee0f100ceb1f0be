/**
 * The SQLite backend: one database file per membership (like atproto's per-account actor store), in WAL
 * mode, with one table per data class (schema.ts). better-sqlite3 is synchronous; the async methods keep
 * the DataStore interface open to networked backends. Opening is open.ts's; the file's meta table and
 * error mapping are file.ts's; the checks of a write's bookkeeping are write-checks.ts's.
 */
import type Database from 'better-sqlite3';
import { assertCompatible, type Contract, type DataClass } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';
import { decodeCursor } from '../cursor.js';
import {
  compileFilter,
  parseFilter,
  quoteIdentifier,
  type FilterInput,
  type SqlCondition,
  type SqlParam,
} from '../filter.js';
import { MAX_STATE_VALUE_LENGTH } from '../limits.js';
import type {
  BatchItem,
  DataStore,
  MigrationReport,
  Page,
  QueryOptions,
  RecordInput,
  StoreChange,
  StoreChangeListener,
  StoredRecord,
  WriteMeta,
} from '../types.js';
import { checkPatch, checkRecord, type CheckedValues } from '../values.js';
import { applyPlan, toByodaError, writeMeta, type Db } from './file.js';
import { planSchema } from './plan.js';
import {
  decodeRow,
  encodeColumn,
  rawRowDecoder,
  type RawRow,
  type Row,
  type StoredRecordDecoder,
} from './rows.js';
import { META_TABLE, schemaOf } from './schema.js';
import {
  appendSql,
  countSql,
  deleteExpiredSql,
  deleteObjectSql,
  deleteSql,
  getObjectSql,
  nextExpirySql,
  pageSql,
  putObjectSql,
  updateSql,
} from './statements.js';
import { KeptObjects } from './kept-objects.js';
import { batchChange, checkPageSize, stateKey, writeChange, writeColumns } from './write-checks.js';

const STATEMENT_CACHE_SIZE = 256;

export class SqliteStore implements DataStore {
  readonly #db: Db;
  readonly #now: () => Date;
  readonly #statements = new Map<string, Database.Statement>();
  /** Page statements in raw mode, each with the decoder of its columns (rows.ts rawRowDecoder). */
  readonly #pages = new Map<
    string,
    { readonly stmt: Database.Statement; readonly decode: StoredRecordDecoder }
  >();
  readonly #listeners = new Set<StoreChangeListener>();
  #lastStamp = { ms: Number.NaN, text: '' };
  /** Object records until the next write (kept-objects.ts). */
  readonly #objects = new KeptObjects();
  #contract: Contract;
  #classes: ReadonlyMap<string, DataClass>;

  constructor(db: Db, contract: Contract, now: () => Date) {
    this.#db = db;
    this.#now = now;
    this.#contract = contract;
    this.#classes = new Map(contract.classes.map((c) => [c.name, c]));
  }

  get contract(): Contract {
    return this.#contract;
  }

  get closed(): boolean {
    return !this.#db.open;
  }

  async getObject(className: string): Promise<StoredRecord | null> {
    return this.#run(() => {
      const cls = this.#class(className, 'object');
      const now = this.#timestamp();
      const kept = this.#objects.live(cls.name, now);
      if (kept) return kept;
      const row = this.#stmt(getObjectSql(cls)).get(now) as Row | undefined;
      if (!row) return null;
      return this.#objects.keep(cls.name, decodeRow(cls, row), (row['_expires_at'] as string | null) ?? null);
    });
  }

  async putObject(className: string, value: RecordInput, meta?: WriteMeta): Promise<StoredRecord> {
    const cls = this.#run(() => this.#class(className, 'object'));
    const now = this.#now();
    const params = this.#run(() => this.#writeParams(cls, value, meta, now));
    return this.#commit((changes) => {
      this.#purgeExpired(cls, now, changes);
      const record = decodeRow(cls, this.#stmt(putObjectSql(cls)).get(...params) as Row);
      changes.push(writeChange(cls, 'put', record));
      return record;
    });
  }

  async deleteObject(className: string): Promise<boolean> {
    const cls = this.#run(() => this.#class(className, 'object'));
    return this.#commit((changes) => {
      const count = this.#stmt(deleteObjectSql(cls)).run(this.#timestamp()).changes;
      if (count > 0) changes.push({ className: cls.name, kind: 'delete-object', count });
      return count > 0;
    });
  }

  async query(className: string, options: QueryOptions = {}): Promise<Page> {
    return this.#run(() => {
      const cls = this.#class(className);
      const where = compileFilter(parseFilter(cls, options.filter));
      const first = checkPageSize(options.first);
      const afterId = options.after === undefined || options.after === null ? 0 : decodeCursor(options.after);
      const now = this.#timestamp(); // one instant for the page and the total
      // One read transaction: the page and the total come from the same snapshot.
      const page = this.#pageStmt(cls, pageSql(cls, where));
      const [rows, totalCount] = this.#db.transaction((): [RawRow[], number] => [
        page.stmt.all(now, ...where.params, afterId, first + 1) as RawRow[],
        this.#countWhere(cls, where, now),
      ])();
      const records = rows.slice(0, first).map(page.decode);
      return {
        records,
        totalCount,
        endCursor: records.at(-1)?.cursor ?? null,
        hasNextPage: rows.length > first,
      };
    });
  }

  async count(className: string, filter?: FilterInput | null): Promise<number> {
    return this.#run(() => {
      const cls = this.#class(className);
      return this.#countWhere(cls, compileFilter(parseFilter(cls, filter)), this.#timestamp());
    });
  }

  async append(className: string, value: RecordInput, meta?: WriteMeta): Promise<StoredRecord> {
    const cls = this.#run(() => this.#class(className, 'array'));
    const now = this.#now();
    const params = this.#run(() => this.#writeParams(cls, value, meta, now));
    return this.#commit((changes) => {
      // An expired record no longer holds its primary key: purge before the unique index sees it.
      this.#purgeExpired(cls, now, changes);
      const record = decodeRow(cls, this.#stmt(appendSql(cls)).get(...params) as Row);
      changes.push(writeChange(cls, 'append', record));
      return record;
    });
  }

  async appendBatch(className: string, items: readonly BatchItem[]): Promise<readonly StoredRecord[]> {
    const cls = this.#run(() => this.#class(className, 'array'));
    const now = this.#now();
    const rows = this.#run(() => items.map((item) => this.#writeParams(cls, item.value, item.meta, now)));
    if (rows.length === 0) return [];
    return this.#commit((changes) => {
      this.#purgeExpired(cls, now, changes);
      const statement = this.#stmt(appendSql(cls));
      const records = rows.map((params) => decodeRow(cls, statement.get(...params) as Row));
      changes.push(batchChange(cls, records));
      return records;
    });
  }

  async update(className: string, filter: FilterInput, patch: RecordInput): Promise<number> {
    const [cls, where, values] = this.#run(() => {
      const checkedClass = this.#class(className, 'array');
      return [
        checkedClass,
        compileFilter(parseFilter(checkedClass, filter)),
        checkPatch(checkedClass, patch),
      ] as const;
    });
    const fields = cls.fields.filter((f) => values.has(f.name));
    const now = this.#now();
    const params: SqlParam[] = [
      now.toISOString(),
      ...fields.map((f) => encodeColumn(f, values.get(f.name) ?? null)),
      now.toISOString(),
      ...where.params,
    ];
    return this.#commit((changes) => {
      this.#purgeExpired(cls, now, changes); // a patched primary key may equal an expired record's
      const count = this.#stmt(updateSql(cls, fields, where)).run(...params).changes;
      if (count > 0) changes.push({ className: cls.name, kind: 'update', count });
      return count;
    });
  }

  async delete(className: string, filter: FilterInput): Promise<number> {
    const [cls, where] = this.#run(() => {
      const checkedClass = this.#class(className, 'array');
      return [checkedClass, compileFilter(parseFilter(checkedClass, filter))] as const;
    });
    return this.#commit((changes) => {
      const count = this.#stmt(deleteSql(cls, where)).run(this.#timestamp(), ...where.params).changes;
      if (count > 0) changes.push({ className: cls.name, kind: 'delete', count });
      return count;
    });
  }

  async deleteExpired(now: Date = this.#now()): Promise<number> {
    return this.#commit((changes) => {
      for (const cls of this.#contract.classes) this.#purgeExpired(cls, now, changes);
      return changes.reduce((total, change) => total + change.count, 0);
    });
  }

  async nextExpiry(): Promise<Date | null> {
    return this.#run(() => {
      let earliest: string | null = null;
      for (const cls of this.#contract.classes) {
        const { t } = this.#stmt(nextExpirySql(cls)).get() as { t: string | null };
        if (t !== null && (earliest === null || t < earliest)) earliest = t;
      }
      return earliest === null ? null : new Date(earliest);
    });
  }

  async getState(key: string): Promise<string | undefined> {
    return this.#run(() => {
      const row = this.#stmt(`SELECT value FROM ${quoteIdentifier(META_TABLE)} WHERE key = ?`).get(
        stateKey(key),
      ) as { value: string } | undefined;
      return row?.value;
    });
  }

  async setState(key: string, value: string | undefined): Promise<void> {
    this.#run(() => {
      const stored = stateKey(key);
      if (value === undefined) {
        this.#stmt(`DELETE FROM ${quoteIdentifier(META_TABLE)} WHERE key = ?`).run(stored);
        return;
      }
      if (typeof value !== 'string' || value.length > MAX_STATE_VALUE_LENGTH) {
        throw new ByodaError(
          'BYODA_ERR_VALUE',
          `state value of '${key}' must be a string of at most ${MAX_STATE_VALUE_LENGTH} characters`,
        );
      }
      this.#stmt(`INSERT OR REPLACE INTO ${quoteIdentifier(META_TABLE)} (key, value) VALUES (?, ?)`).run(
        stored,
        value,
      );
    });
  }

  onChange(listener: StoreChangeListener): () => void {
    // A wrapper per subscription, so that subscribing one function twice gives two independent ones.
    const entry: StoreChangeListener = (change) => listener(change);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  async migrate(next: Contract): Promise<MigrationReport> {
    return this.#run(() => {
      // Every check before the first write: a refused version leaves the file as it was. The contract
      // module owns the rule (spec §5: same service, greater version, only additions, same types).
      assertCompatible(this.#contract, next);
      const tables = schemaOf(next);
      const fromVersion = this.#contract.version;
      const plan = this.#db.transaction(() => {
        const planned = planSchema(this.#db, tables);
        applyPlan(this.#db, planned);
        writeMeta(this.#db, next);
        return planned;
      })();
      this.#setContract(next);
      const recordStep = `${String(plan.steps.length + 1).padStart(3, '0')} record contract version ${next.version}`;
      return {
        fromVersion,
        toVersion: next.version,
        addedClasses: plan.addedClasses,
        addedFields: plan.addedFields,
        steps: [...plan.steps.map((s) => s.name), recordStep],
      };
    });
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    this.#statements.clear();
    this.#pages.clear();
    this.#listeners.clear();
  }

  // -------------------------------------------------------------------------------------------------

  /** Runs `work` on an open store, turning any failure into a ByodaError. */
  #run<T>(work: () => T): T {
    if (!this.#db.open) throw new ByodaError('BYODA_ERR_STORAGE', 'store is closed');
    try {
      return work();
    } catch (err) {
      throw toByodaError(err);
    }
  }

  /**
   * Runs a write in one transaction, then tells the listeners what it changed: only once it is
   * committed, so that a listener never sees a change that was rolled back.
   */
  #commit<T>(work: (changes: StoreChange[]) => T): T {
    const changes: StoreChange[] = [];
    let result: T;
    try {
      result = this.#run(() => this.#db.transaction(() => work(changes))());
    } finally {
      // Committed or rolled back, whatever the work read or wrote is not what was kept.
      this.#objects.forget();
    }
    for (const change of changes) this.#notify(change);
    return result;
  }

  #notify(change: StoreChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // Ignored on purpose: the write is committed, and one listener must not fail it for the caller
        // nor keep the others from hearing of it. Listeners report their own errors.
      }
    }
  }

  /** Deletes the class's records expired at `now`, noting an `expire` change if there were any. */
  #purgeExpired(cls: DataClass, now: Date, changes: StoreChange[]): void {
    const count = this.#stmt(deleteExpiredSql(cls)).run(now.toISOString()).changes;
    if (count > 0) changes.push({ className: cls.name, kind: 'expire', count });
  }

  #class(name: string, kind?: 'object' | 'array'): DataClass {
    const cls = this.#classes.get(name);
    if (!cls) throw new ByodaError('BYODA_ERR_STORAGE_NOT_FOUND', `no data class '${name}' in the contract`);
    if (kind && cls.kind !== kind) {
      throw new ByodaError(
        'BYODA_ERR_BAD_REQUEST',
        `'${name}' is an ${cls.kind} class; this needs an ${kind} class`,
      );
    }
    return cls;
  }

  /** Prepared statements by SQL text: shapes repeat (one per class and filter shape). */
  #stmt(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.clear();
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  #pageStmt(cls: DataClass, sql: string): { stmt: Database.Statement; decode: StoredRecordDecoder } {
    let page = this.#pages.get(sql);
    if (!page) {
      const stmt = this.#db.prepare(sql).raw(true);
      page = {
        stmt,
        decode: rawRowDecoder(
          cls,
          stmt.columns().map((column) => column.name),
        ),
      };
      if (this.#pages.size >= STATEMENT_CACHE_SIZE) this.#pages.clear();
      this.#pages.set(sql, page);
    }
    return page;
  }

  #countWhere(cls: DataClass, where: SqlCondition, now: string): number {
    return (this.#stmt(countSql(cls, where)).get(now, ...where.params) as { n: number }).n;
  }

  /**
   * Parameters of appendSql / putObjectSql: bookkeeping, then every field in class order. Every check
   * (value, bookkeeping, persist) happens here, before the write's transaction starts.
   */
  #writeParams(cls: DataClass, value: RecordInput, meta: WriteMeta | undefined, now: Date): SqlParam[] {
    const values: CheckedValues = checkRecord(cls, value);
    const { origin, expiresAt, signature, appender } = writeColumns(cls, values, now, meta);
    const timestamp = now.toISOString();
    return [
      timestamp,
      timestamp,
      origin,
      expiresAt,
      signature,
      appender,
      ...cls.fields.map((f) => encodeColumn(f, values.get(f.name) ?? null)),
    ];
  }

  /** The clock's time as stored (ISO 8601): made once per millisecond, as reads at load share it. */
  #timestamp(): string {
    const now = this.#now();
    const ms = now.getTime();
    if (ms !== this.#lastStamp.ms) this.#lastStamp = { ms, text: now.toISOString() };
    return this.#lastStamp.text;
  }

  #setContract(contract: Contract): void {
    this.#contract = contract;
    this.#classes = new Map(contract.classes.map((c) => [c.name, c]));
    this.#statements.clear(); // tables changed: prepare afresh
    this.#pages.clear();
    this.#objects.forget();
  }
}
