/**
 * The SQLite backend: one database file per membership (like atproto's per-account actor store), in WAL
 * mode, with one table per data class (schema.ts). better-sqlite3 is synchronous; the async methods keep
 * the DataStore interface open to networked backends.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { assertCompatible, type Contract, type DataClass } from '../../contract/index.js';
import { ByodaError, isByodaError } from '../../errors/index.js';
import { decodeCursor } from '../cursor.js';
import {
  compileFilter,
  compileRegex,
  parseFilter,
  quoteIdentifier,
  type FilterInput,
  type SqlCondition,
  type SqlParam,
} from '../filter.js';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MAX_SIGNATURE_LENGTH,
  MAX_STATE_KEY_LENGTH,
  MAX_STATE_VALUE_LENGTH,
} from '../limits.js';
import { assertMayPersist, cacheSecondsOf, remoteExpiry } from '../persist.js';
import { canonicalDateTime, canonicalUuid } from '../scalars.js';
import type {
  DataStore,
  MigrationReport,
  Page,
  QueryOptions,
  RecordInput,
  StoreChange,
  StoreChangeListener,
  StoreInfo,
  StoreOptions,
  StoredRecord,
  WriteMeta,
} from '../types.js';
import { checkPatch, checkRecord, type CheckedValues } from '../values.js';
import { planSchema, type SchemaPlan } from './plan.js';
import { decodeRow, encodeColumn, type Row } from './rows.js';
import { CREATE_META_TABLE_SQL, META_TABLE, schemaOf } from './schema.js';
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

/**
 * Layout version of the file itself (meta table, column conventions), apart from the contract's.
 * 2: the `_signature` column (opening a format 1 file adds it; plan.ts).
 */
const STORAGE_FORMAT = '2';
const MEMORY = ':memory:';
const STATEMENT_CACHE_SIZE = 256;

type Db = Database.Database;

// ---------------------------------------------------------------------------------------------------
// Errors

/** ByodaErrors pass through; SQLite's become safe ones (no file paths, no SQL in the message). */
function toByodaError(err: unknown): ByodaError {
  if (isByodaError(err)) return err;
  if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE') {
    // "UNIQUE constraint failed: table.column": names that come from the contract.
    const where = err.message.split(': ')[1] ?? 'a primary key';
    return new ByodaError('BYODA_ERR_CONFLICT', `a record with the same ${where} already exists`, {
      cause: err,
    });
  }
  return new ByodaError('BYODA_ERR_STORAGE', 'storage operation failed', { cause: err });
}

// ---------------------------------------------------------------------------------------------------
// The file: pragmas, functions, meta table

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // safe with WAL: a crash may lose the last commits, not the file
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // `x REGEXP p` calls regexp(p, x). directOnly: not callable from schema objects (views, triggers).
  db.function('regexp', { deterministic: true, directOnly: true }, (pattern: unknown, value: unknown) =>
    typeof pattern === 'string' && typeof value === 'string'
      ? Number(compileRegex(pattern).test(value))
      : null,
  );
}

function hasMetaTable(db: Db): boolean {
  return (
    db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(META_TABLE) !== undefined
  );
}

function readMeta(db: Db): StoreInfo | null {
  if (!hasMetaTable(db)) return null;
  const rows = db.prepare(`SELECT key, value FROM ${quoteIdentifier(META_TABLE)}`).all() as {
    key: string;
    value: string;
  }[];
  const meta = new Map(rows.map((r) => [r.key, r.value]));
  const [serviceId, version, document] = [
    meta.get('service_id'),
    meta.get('contract_version'),
    meta.get('contract'),
  ];
  if (serviceId === undefined || version === undefined || document === undefined) {
    throw new ByodaError('BYODA_ERR_STORAGE', 'store file has an incomplete meta table');
  }
  return {
    serviceId: Number(serviceId),
    contractVersion: Number(version),
    contractDocument: JSON.parse(document),
  };
}

function writeStorageFormat(db: Db): void {
  db.prepare(`INSERT OR REPLACE INTO ${quoteIdentifier(META_TABLE)} (key, value) VALUES (?, ?)`).run(
    'storage_format',
    STORAGE_FORMAT,
  );
}

function writeMeta(db: Db, contract: Contract): void {
  const put = db.prepare(`INSERT OR REPLACE INTO ${quoteIdentifier(META_TABLE)} (key, value) VALUES (?, ?)`);
  writeStorageFormat(db);
  put.run('service_id', String(contract.serviceId));
  put.run('contract_version', String(contract.version));
  put.run('contract', JSON.stringify(contract.document));
}

/** Opening a file for another contract version is refused: migrating is the caller's explicit act. */
function checkStoredContract(info: StoreInfo, contract: Contract): void {
  if (info.serviceId !== contract.serviceId) {
    throw new ByodaError(
      'BYODA_ERR_STORAGE',
      `store is for service ${info.serviceId}, not ${contract.serviceId}`,
    );
  }
  if (info.contractVersion !== contract.version) {
    throw new ByodaError(
      'BYODA_ERR_STORAGE',
      `store holds contract version ${info.contractVersion}, not ${contract.version}: ` +
        'open it with its own version, then migrate',
    );
  }
}

function applyPlan(db: Db, plan: SchemaPlan): void {
  for (const step of plan.steps) db.exec(step.sql);
}

// ---------------------------------------------------------------------------------------------------
// The store

/** Compact JWS: three base64url parts (the payload may be empty when detached). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

/** Bookkeeping columns of one write, checked and canonical. */
interface WriteColumns {
  readonly origin: string | null;
  readonly expiresAt: string | null;
  readonly signature: string | null;
}

class SqliteStore implements DataStore {
  readonly #db: Db;
  readonly #now: () => Date;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #listeners = new Set<StoreChangeListener>();
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
      const row = this.#stmt(getObjectSql(cls)).get(this.#timestamp()) as Row | undefined;
      return row ? decodeRow(cls, row) : null;
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
      const [rows, totalCount] = this.#db.transaction((): [Row[], number] => [
        this.#stmt(pageSql(cls, where)).all(now, ...where.params, afterId, first + 1) as Row[],
        this.#countWhere(cls, where, now),
      ])();
      const records = rows.slice(0, first).map((row) => decodeRow(cls, row));
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
    const result = this.#run(() => this.#db.transaction(() => work(changes))());
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

  #countWhere(cls: DataClass, where: SqlCondition, now: string): number {
    return (this.#stmt(countSql(cls, where)).get(now, ...where.params) as { n: number }).n;
  }

  /**
   * Parameters of appendSql / putObjectSql: bookkeeping, then every field in class order. Every check
   * (value, bookkeeping, persist) happens here, before the write's transaction starts.
   */
  #writeParams(cls: DataClass, value: RecordInput, meta: WriteMeta | undefined, now: Date): SqlParam[] {
    const values: CheckedValues = checkRecord(cls, value);
    const { origin, expiresAt, signature } = this.#writeColumns(cls, values, now, meta);
    const timestamp = now.toISOString();
    return [
      timestamp,
      timestamp,
      origin,
      expiresAt,
      signature,
      ...cls.fields.map((f) => encodeColumn(f, values.get(f.name) ?? null)),
    ];
  }

  #timestamp(): string {
    return this.#now().toISOString();
  }

  /**
   * `_origin`, `_expires_at` and `_signature` of a write. Local data in a `cache_only` class expires by
   * default; remote data (an origin) is kept only as spec §8 allows (persist.ts): in a class with a
   * cache duration, for at most that long; elsewhere only if every field grants this pod `persist`.
   */
  #writeColumns(cls: DataClass, values: CheckedValues, now: Date, meta: WriteMeta = {}): WriteColumns {
    const origin = checkOrigin(meta.origin);
    const signature = checkSignature(meta.signature);
    let expiresAt: string | null = null;
    if (meta.expiresAt !== undefined) {
      expiresAt = canonicalDateTime(meta.expiresAt) ?? null;
      if (expiresAt === null) throw new ByodaError('BYODA_ERR_VALUE', 'expiresAt: expected a date-time');
    }
    if (origin !== null) {
      const relations = checkRelations(meta.originRelations);
      const cacheSeconds = cacheSecondsOf(cls);
      if (cacheSeconds !== undefined) {
        return { origin, signature, expiresAt: remoteExpiry(cacheSeconds, now, expiresAt) };
      }
      assertMayPersist(cls, values, origin, relations);
    } else if (expiresAt === null && cls.properties.cacheOnlySeconds !== undefined) {
      expiresAt = new Date(now.getTime() + cls.properties.cacheOnlySeconds * 1000).toISOString();
    }
    return { origin, expiresAt, signature };
  }

  #setContract(contract: Contract): void {
    this.#contract = contract;
    this.#classes = new Map(contract.classes.map((c) => [c.name, c]));
    this.#statements.clear(); // tables changed: prepare afresh
  }
}

/** The change a put or append made, with the expiry it set. */
function writeChange(cls: DataClass, kind: 'put' | 'append', record: StoredRecord): StoreChange {
  const { expiresAt } = record.meta;
  return {
    className: cls.name,
    kind,
    count: 1,
    ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt) }),
  };
}

function checkOrigin(origin: unknown): string | null {
  if (origin === undefined) return null;
  const canonical = canonicalUuid(origin);
  if (canonical === undefined) throw new ByodaError('BYODA_ERR_VALUE', 'origin: expected a UUID');
  return canonical;
}

function checkSignature(signature: unknown): string | null {
  if (signature === undefined) return null;
  if (typeof signature !== 'string' || signature.length > MAX_SIGNATURE_LENGTH) {
    throw new ByodaError(
      'BYODA_ERR_VALUE',
      `signature: expected a compact JWS of at most ${MAX_SIGNATURE_LENGTH} characters`,
    );
  }
  if (!COMPACT_JWS.test(signature)) {
    throw new ByodaError(
      'BYODA_ERR_VALUE',
      'signature: expected a compact JWS (three base64url parts separated by dots)',
    );
  }
  return signature;
}

function checkRelations(relations: unknown): readonly string[] {
  if (relations === undefined) return [];
  if (!Array.isArray(relations) || !relations.every((r): r is string => typeof r === 'string')) {
    throw new ByodaError('BYODA_ERR_VALUE', 'originRelations: expected a list of relation names');
  }
  return relations;
}

function checkPageSize(first: number | undefined | null): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `first must be an integer from 0 to ${MAX_PAGE_SIZE}`);
  }
  return first;
}

// ---------------------------------------------------------------------------------------------------
// Opening

/**
 * Opens the namespace at `location` (a file path, created with its folder if missing, or `:memory:`)
 * for `contract`. A new file gets the contract's schema; an existing one must hold the same service and
 * contract version (use `readSqliteStoreInfo` to learn which, then `migrate`).
 */
export async function openSqliteStore(
  location: string,
  contract: Contract,
  options: StoreOptions = {},
): Promise<DataStore> {
  const tables = schemaOf(contract); // refuse unstorable names before creating anything
  if (location !== MEMORY) mkdirSync(dirname(location), { recursive: true });
  let db: Db | undefined;
  try {
    db = new Database(location);
    configure(db);
    const open = db;
    open.transaction(() => {
      const stored = readMeta(open);
      if (stored) checkStoredContract(stored, contract);
      open.exec(CREATE_META_TABLE_SQL);
      applyPlan(open, planSchema(open, tables)); // also brings older storage formats up to date
      if (stored) writeStorageFormat(open);
      else writeMeta(open, contract);
    })();
    return new SqliteStore(open, contract, options.now ?? (() => new Date()));
  } catch (err) {
    db?.close();
    throw toByodaError(err);
  }
}

/** Service id, contract version and contract document of a store file; null if there is no file. */
export async function readSqliteStoreInfo(location: string): Promise<StoreInfo | null> {
  if (!existsSync(location)) return null;
  let db: Db | undefined;
  try {
    db = new Database(location, { readonly: true, fileMustExist: true });
    const info = readMeta(db);
    if (!info) throw new ByodaError('BYODA_ERR_STORAGE', 'not a BYODA store file');
    return info;
  } catch (err) {
    throw toByodaError(err);
  } finally {
    db?.close();
  }
}

/**
 * The meta-table key of a caller's state value: prefixed, so that no caller's key can overwrite what
 * the store keeps there itself (`service_id`, `contract_version`, `storage_format`, ...).
 */
function stateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_STATE_KEY_LENGTH) {
    throw new ByodaError('BYODA_ERR_VALUE', `state key must be 1 to ${MAX_STATE_KEY_LENGTH} characters`);
  }
  return `state:${key}`;
}
