/**
 * Opening a server's own SQLite file (the service's member database and search index, the directory's
 * database, a DNS zone): WAL mode so that a reader (a backup, `sqlite3` on the command line) never
 * blocks a writer, and numbered migrations in the atproto style. `PRAGMA user_version` records how many
 * migrations have run; each runs in its own transaction together with the version bump, so a crash
 * never leaves a half-applied schema. A membership's data store has its own contract-driven scheme
 * (sqlite-store.ts), not this one.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { ByodaError, type ErrorCode } from '../../errors/index.js';

const MEMORY = ':memory:';

export interface MigratedDatabaseOptions {
  /** The database as error messages name it, e.g. `the member database`. */
  readonly what: string;
  /** Schema versions, applied in order; never edit one that has shipped, add the next. */
  readonly migrations: readonly string[];
  /** Pragmas set after `journal_mode = WAL` and `busy_timeout = 5000`, e.g. `foreign_keys = ON`. */
  readonly pragmas?: readonly string[];
  /**
   * File mode set right after opening, for files that say who is who (SQLite gives its WAL and
   * shared-memory files the mode of the database file).
   */
  readonly mode?: number;
  /** The error code (and status) of a failure; `BYODA_ERR_STORAGE` unless the folder has its own. */
  readonly code?: ErrorCode;
  readonly status?: number;
}

/**
 * Opens (creating the file and its folder if needed) and migrates the database at `file`; `:memory:`
 * works for tests. Refuses a file written by a newer version rather than guessing at its schema.
 */
export function openMigratedDatabase(file: string, options: MigratedDatabaseOptions): SqliteDatabase {
  const fail = (message: string, cause?: unknown): ByodaError =>
    new ByodaError(options.code ?? 'BYODA_ERR_STORAGE', message, { status: options.status, cause });
  let db: SqliteDatabase | undefined;
  try {
    if (file !== MEMORY) mkdirSync(dirname(file), { recursive: true });
    db = new Database(file);
    if (file !== MEMORY && options.mode !== undefined) chmodSync(file, options.mode);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    for (const pragma of options.pragmas ?? []) db.pragma(pragma);
    migrate(db, options.migrations, () => fail(`${options.what} was written by a newer version of BYODA-TS`));
    return db;
  } catch (cause) {
    db?.close();
    if (cause instanceof ByodaError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw fail(`cannot open ${options.what}: ${reason}`, cause);
  }
}

function migrate(db: SqliteDatabase, migrations: readonly string[], newer: () => ByodaError): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > migrations.length) throw newer();
  migrations.slice(applied).forEach((sql, offset) => {
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${applied + offset + 1}`);
    })();
  });
}
