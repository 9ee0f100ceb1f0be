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
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../limits.js';
import { canonicalDateTime, canonicalUuid } from '../scalars.js';
import type {
  DataStore,
  MigrationReport,
  Page,
  QueryOptions,
  RecordInput,
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
  pageSql,
  putObjectSql,
  updateSql,
} from './statements.js';

/** Layout version of the file itself (meta table, column conventions), apart from the contract's. */
const STORAGE_FORMAT = '1';
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

function writeMeta(db: Db, contract: Contract): void {
  const put = db.prepare(`INSERT OR REPLACE INTO ${quoteIdentifier(META_TABLE)} (key, value) VALUES (?, ?)`);
  put.run('storage_format', STORAGE_FORMAT);
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

class SqliteStore implements DataStore {
  readonly #db: Db;
  readonly #now: () => Date;
  readonly #statements = new Map<string, Database.Statement>();
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

  async getObject(className: string): Promise<StoredRecord | null> {
    return this.#run(() => {
      const cls = this.#class(className, 'object');
      const row = this.#stmt(getObjectSql(cls)).get() as Row | undefined;
      return row ? decodeRow(cls, row) : null;
    });
  }

  async putObject(className: string, value: RecordInput, meta?: WriteMeta): Promise<StoredRecord> {
    return this.#run(() => {
      const cls = this.#class(className, 'object');
      const params = this.#writeParams(cls, value, meta);
      return decodeRow(cls, this.#stmt(putObjectSql(cls)).get(...params) as Row);
    });
  }

  async deleteObject(className: string): Promise<boolean> {
    return this.#run(() => {
      const cls = this.#class(className, 'object');
      return this.#stmt(deleteObjectSql(cls)).run().changes > 0;
    });
  }

  async query(className: string, options: QueryOptions = {}): Promise<Page> {
    return this.#run(() => {
      const cls = this.#class(className);
      const where = compileFilter(parseFilter(cls, options.filter));
      const first = checkPageSize(options.first);
      const afterId = options.after === undefined || options.after === null ? 0 : decodeCursor(options.after);
      // One read transaction: the page and the total come from the same snapshot.
      const [rows, totalCount] = this.#db.transaction((): [Row[], number] => [
        this.#stmt(pageSql(cls, where)).all(...where.params, afterId, first + 1) as Row[],
        this.#countWhere(cls, where),
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
      return this.#countWhere(cls, compileFilter(parseFilter(cls, filter)));
    });
  }

  async append(className: string, value: RecordInput, meta?: WriteMeta): Promise<StoredRecord> {
    return this.#run(() => {
      const cls = this.#class(className, 'array');
      const params = this.#writeParams(cls, value, meta);
      return decodeRow(cls, this.#stmt(appendSql(cls)).get(...params) as Row);
    });
  }

  async update(className: string, filter: FilterInput, patch: RecordInput): Promise<number> {
    return this.#run(() => {
      const cls = this.#class(className, 'array');
      const where = compileFilter(parseFilter(cls, filter));
      const values = checkPatch(cls, patch);
      const fields = cls.fields.filter((f) => values.has(f.name));
      const params: SqlParam[] = [
        this.#timestamp(),
        ...fields.map((f) => encodeColumn(f, values.get(f.name) ?? null)),
        ...where.params,
      ];
      return this.#stmt(updateSql(cls, fields, where)).run(...params).changes;
    });
  }

  async delete(className: string, filter: FilterInput): Promise<number> {
    return this.#run(() => {
      const cls = this.#class(className, 'array');
      const where = compileFilter(parseFilter(cls, filter));
      return this.#stmt(deleteSql(cls, where)).run(...where.params).changes;
    });
  }

  async deleteExpired(now: Date = this.#now()): Promise<number> {
    return this.#run(() => {
      const cutoff = now.toISOString();
      const sweep = this.#db.transaction(() =>
        this.#contract.classes.reduce(
          (total, cls) => total + this.#stmt(deleteExpiredSql(cls)).run(cutoff).changes,
          0,
        ),
      );
      return sweep();
    });
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

  #countWhere(cls: DataClass, where: SqlCondition): number {
    return (this.#stmt(countSql(cls, where)).get(...where.params) as { n: number }).n;
  }

  /** Parameters of appendSql / putObjectSql: bookkeeping, then every field in class order. */
  #writeParams(cls: DataClass, value: RecordInput, meta: WriteMeta | undefined): SqlParam[] {
    const values: CheckedValues = checkRecord(cls, value);
    const now = this.#timestamp();
    const { origin, expiresAt } = this.#writeMeta(cls, meta);
    return [
      now,
      now,
      origin,
      expiresAt,
      ...cls.fields.map((f) => encodeColumn(f, values.get(f.name) ?? null)),
    ];
  }

  #timestamp(): string {
    return this.#now().toISOString();
  }

  /** `_origin` and `_expires_at` of a write; `cache_only` classes expire by default (spec §8). */
  #writeMeta(cls: DataClass, meta: WriteMeta = {}): { origin: string | null; expiresAt: string | null } {
    let origin: string | null = null;
    if (meta.origin !== undefined) {
      origin = canonicalUuid(meta.origin) ?? null;
      if (origin === null) throw new ByodaError('BYODA_ERR_VALUE', 'origin: expected a UUID');
    }
    let expiresAt: string | null = null;
    if (meta.expiresAt !== undefined) {
      expiresAt = canonicalDateTime(meta.expiresAt) ?? null;
      if (expiresAt === null) throw new ByodaError('BYODA_ERR_VALUE', 'expiresAt: expected a date-time');
    } else if (cls.properties.cacheOnlySeconds !== undefined) {
      expiresAt = new Date(this.#now().getTime() + cls.properties.cacheOnlySeconds * 1000).toISOString();
    }
    return { origin, expiresAt };
  }

  #setContract(contract: Contract): void {
    this.#contract = contract;
    this.#classes = new Map(contract.classes.map((c) => [c.name, c]));
    this.#statements.clear(); // tables changed: prepare afresh
  }
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
      applyPlan(open, planSchema(open, tables));
      if (!stored) writeMeta(open, contract);
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
