/**
 * Opening a membership's store: a new file gets the contract's schema, an existing one is checked
 * against the contract and brought up to the current storage format (plan.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Contract } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';
import type { DataStore, StoreInfo, StoreOptions } from '../types.js';
import {
  applyPlan,
  checkStoredContract,
  configure,
  readMeta,
  toByodaError,
  writeMeta,
  writeStorageFormat,
  type Db,
} from './file.js';
import { planSchema } from './plan.js';
import { CREATE_META_TABLE_SQL, schemaOf } from './schema.js';
import { SqliteStore } from './sqlite-store.js';

const MEMORY = ':memory:';

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
