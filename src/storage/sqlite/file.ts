/**
 * A membership's store file itself, apart from its data: the connection's pragmas and functions, the
 * meta table (service, contract version and document, storage format) and SQLite errors made safe.
 * Used by opening (open.ts) and by the store (sqlite-store.ts).
 */
import Database from 'better-sqlite3';
import type { Contract } from '../../contract/index.js';
import { ByodaError, isByodaError } from '../../errors/index.js';
import { compileRegex, quoteIdentifier } from '../filter.js';
import type { StoreInfo } from '../types.js';
import type { SchemaPlan } from './plan.js';
import { META_TABLE } from './schema.js';

/**
 * Layout version of the file itself (meta table, column conventions), apart from the contract's.
 * 2: the `_signature` column (opening a format 1 file adds it; plan.ts).
 * 3: the `_appender` column (opening an older file adds it, its rows get null).
 */
const STORAGE_FORMAT = '3';

export type Db = Database.Database;

// ---------------------------------------------------------------------------------------------------
// Errors

/** ByodaErrors pass through; SQLite's become safe ones (no file paths, no SQL in the message). */
export function toByodaError(err: unknown): ByodaError {
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

export function configure(db: Db): void {
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

export function readMeta(db: Db): StoreInfo | null {
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

export function writeStorageFormat(db: Db): void {
  db.prepare(`INSERT OR REPLACE INTO ${quoteIdentifier(META_TABLE)} (key, value) VALUES (?, ?)`).run(
    'storage_format',
    STORAGE_FORMAT,
  );
}

export function writeMeta(db: Db, contract: Contract): void {
  const put = db.prepare(`INSERT OR REPLACE INTO ${quoteIdentifier(META_TABLE)} (key, value) VALUES (?, ?)`);
  writeStorageFormat(db);
  put.run('service_id', String(contract.serviceId));
  put.run('contract_version', String(contract.version));
  put.run('contract', JSON.stringify(contract.document));
}

/** Opening a file for another contract version is refused: migrating is the caller's explicit act. */
export function checkStoredContract(info: StoreInfo, contract: Contract): void {
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

export function applyPlan(db: Db, plan: SchemaPlan): void {
  for (const step of plan.steps) db.exec(step.sql);
}
