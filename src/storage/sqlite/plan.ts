/**
 * Bringing a SQLite file's schema to what a contract calls for, by comparing the file (introspected)
 * with the table specs. Only additions: tables, columns, indexes; the one removal is of indexes this
 * module manages that the contract no longer declares. The same plan serves a new file, a reopened one
 * and a migration, so that a schema is always a function of its contract.
 */
import type Database from 'better-sqlite3';
import { ByodaError } from '../../errors/index.js';
import {
  MANAGED_INDEX_PREFIXES,
  META_COLUMNS,
  addColumnSql,
  createIndexSql,
  createTableSql,
  dropIndexSql,
  type TableSpec,
} from './schema.js';

/** One numbered, named DDL step, e.g. `003 add column "person"."nickname"`. */
export interface SchemaStep {
  readonly name: string;
  readonly sql: string;
}

export interface SchemaPlan {
  readonly steps: readonly SchemaStep[];
  readonly addedClasses: readonly string[];
  /** `class.field` of columns added to tables that already existed. */
  readonly addedFields: readonly string[];
}

interface ColumnInfo {
  readonly name: string;
  readonly type: string;
}

function existingTables(db: Database.Database): Set<string> {
  const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
  return new Set(rows.map((r) => r.name.toLowerCase()));
}

function existingColumns(db: Database.Database, table: string): Map<string, string> {
  const rows = db.prepare('SELECT name, type FROM pragma_table_info(?)').all(table) as ColumnInfo[];
  return new Map(rows.map((r) => [r.name.toLowerCase(), r.type.toUpperCase()]));
}

function existingManagedIndexes(db: Database.Database): Set<string> {
  const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index'`).all() as { name: string }[];
  return new Set(rows.map((r) => r.name).filter((n) => MANAGED_INDEX_PREFIXES.some((p) => n.startsWith(p))));
}

/** The steps that take the file to `tables`; throws BYODA_ERR_STORAGE if a column has another type. */
export function planSchema(db: Database.Database, tables: readonly TableSpec[]): SchemaPlan {
  const steps: SchemaStep[] = [];
  const addedClasses: string[] = [];
  const addedFields: string[] = [];
  const add = (name: string, sql: string): void => {
    steps.push({ name: `${String(steps.length + 1).padStart(3, '0')} ${name}`, sql });
  };
  const tablesOnDisk = existingTables(db);
  const indexesOnDisk = existingManagedIndexes(db);
  const wanted = new Set(tables.flatMap((t) => t.indexes.map((i) => i.name)));

  for (const table of tables) {
    if (!tablesOnDisk.has(table.name.toLowerCase())) {
      add(`create table "${table.name}"`, createTableSql(table));
      addedClasses.push(table.name);
      continue;
    }
    const columns = existingColumns(db, table.name);
    for (const column of [...META_COLUMNS, ...table.columns]) {
      const onDisk = columns.get(column.name.toLowerCase());
      if (onDisk === undefined) {
        add(`add column "${table.name}"."${column.name}"`, addColumnSql(table.name, column));
        // A meta column added to an older file's table is the storage's business, not a contract field.
        if (!META_COLUMNS.includes(column)) addedFields.push(`${table.name}.${column.name}`);
      } else if (onDisk !== column.sqlType) {
        throw new ByodaError(
          'BYODA_ERR_STORAGE',
          `column ${table.name}.${column.name} is ${onDisk} on disk, the contract wants ${column.sqlType}`,
        );
      }
    }
  }
  for (const name of [...indexesOnDisk].filter((n) => !wanted.has(n)).sort()) {
    add(`drop index "${name}"`, dropIndexSql(name));
  }
  for (const index of tables.flatMap((t) => t.indexes)) {
    if (!indexesOnDisk.has(index.name)) add(`create index "${index.name}"`, createIndexSql(index));
  }
  return { steps, addedClasses, addedFields };
}
