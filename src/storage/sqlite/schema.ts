/**
 * The SQLite schema a contract calls for (pure: contract in, table specs and DDL out). One STRICT table
 * per data class, named after it; the storage's own columns first, then one column per field. Indexes
 * this module manages have names starting with `idx:`, `uq:` or `exp:` so that they can be told apart.
 */
import type { Contract, DataClass, Field } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';
import { quoteIdentifier } from '../filter.js';

export type SqlType = 'TEXT' | 'INTEGER' | 'REAL';

export interface ColumnSpec {
  readonly name: string;
  readonly sqlType: SqlType;
  readonly notNull?: boolean;
}

export interface IndexSpec {
  readonly name: string;
  readonly table: string;
  readonly column: string;
  readonly unique: boolean;
  /** Only rows where the column is set (the expiry index: most rows never expire). */
  readonly partial: boolean;
}

export interface TableSpec {
  readonly name: string;
  readonly kind: 'object' | 'array';
  /** Field columns only; the meta columns are the same for every table (META_COLUMNS). */
  readonly columns: readonly ColumnSpec[];
  readonly indexes: readonly IndexSpec[];
}

/**
 * The storage's own columns (types.ts RecordMeta). `_id` is declared separately per kind. Columns added
 * here later must be nullable: plan.ts adds them to the tables of existing files, whose rows get null.
 */
export const META_COLUMNS: readonly ColumnSpec[] = [
  { name: '_created_at', sqlType: 'TEXT', notNull: true },
  { name: '_updated_at', sqlType: 'TEXT', notNull: true },
  { name: '_origin', sqlType: 'TEXT' },
  { name: '_expires_at', sqlType: 'TEXT' },
  /** Compact JWS of signed data (issue 6), added in storage format 2. */
  { name: '_signature', sqlType: 'TEXT' },
  /** Member id of the authenticated writer (issue 11), added in storage format 3. */
  { name: '_appender', sqlType: 'TEXT' },
];

export const META_TABLE = '_byoda_meta';

export const MANAGED_INDEX_PREFIXES = ['idx:', 'uq:', 'exp:'] as const;

// GraphQL names (spec §7 builds types from them); a leading `_` is kept for the storage's own names.
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function checkName(kind: string, name: string): void {
  if (!NAME.test(name) || name.toLowerCase().startsWith('sqlite_')) {
    throw new ByodaError(
      'BYODA_ERR_STORAGE',
      `${kind} name '${name}' cannot be stored (want [A-Za-z][A-Za-z0-9_]*)`,
    );
  }
}

/** SQLite names are case-insensitive: `Name` and `name` would be one column. */
function checkDistinct(kind: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    const folded = name.toLowerCase();
    if (seen.has(folded)) {
      throw new ByodaError('BYODA_ERR_STORAGE', `two ${kind}s named '${name}' (case-insensitively)`);
    }
    seen.add(folded);
  }
}

export function sqlTypeOf(field: Field): SqlType {
  if (field.type.kind !== 'scalar') return 'TEXT'; // nested objects and arrays as JSON text
  switch (field.type.scalar) {
    case 'integer':
    case 'boolean':
      return 'INTEGER';
    case 'number':
      return 'REAL';
    case 'string':
    case 'uuid':
    case 'date-time':
      return 'TEXT';
  }
}

function indexesOf(cls: DataClass): IndexSpec[] {
  const indexes: IndexSpec[] = [];
  for (const field of cls.fields) {
    const { primaryKey, index } = field.properties;
    if (!primaryKey && !index) continue;
    // A primary key needs only its unique index; a plain index beside it would be redundant.
    const name = `${primaryKey ? 'uq' : 'idx'}:${cls.name}:${field.name}`;
    indexes.push({ name, table: cls.name, column: field.name, unique: primaryKey, partial: false });
  }
  indexes.push({
    name: `exp:${cls.name}`,
    table: cls.name,
    column: '_expires_at',
    unique: false,
    partial: true,
  });
  return indexes;
}

export function tableSpecOf(cls: DataClass): TableSpec {
  checkName('class', cls.name);
  cls.fields.forEach((f) => checkName('field', f.name));
  checkDistinct(
    `field of '${cls.name}'`,
    cls.fields.map((f) => f.name),
  );
  return {
    name: cls.name,
    kind: cls.kind,
    columns: cls.fields.map((f) => ({ name: f.name, sqlType: sqlTypeOf(f) })),
    indexes: indexesOf(cls),
  };
}

/** The tables `contract` calls for; BYODA_ERR_STORAGE for a name SQLite cannot hold apart. */
export function schemaOf(contract: Contract): TableSpec[] {
  checkDistinct(
    'class',
    contract.classes.map((c) => c.name),
  );
  return contract.classes.map(tableSpecOf);
}

export function createTableSql(table: TableSpec): string {
  // Object classes hold one record: `_id` is pinned to 1. Array classes never reuse an `_id`
  // (AUTOINCREMENT), so cursors of deleted records keep their place.
  const id =
    table.kind === 'object'
      ? `"_id" INTEGER PRIMARY KEY CHECK ("_id" = 1)`
      : `"_id" INTEGER PRIMARY KEY AUTOINCREMENT`;
  const meta = META_COLUMNS.map(
    (c) => `${quoteIdentifier(c.name)} ${c.sqlType}${c.notNull ? ' NOT NULL' : ''}`,
  );
  // No NOT NULL on field columns: a field that becomes required in a later version is absent from the
  // rows written before, and `required` is checked on writes instead (values.ts).
  const fields = table.columns.map((c) => `${quoteIdentifier(c.name)} ${c.sqlType}`);
  return `CREATE TABLE ${quoteIdentifier(table.name)} (${[id, ...meta, ...fields].join(', ')}) STRICT`;
}

export function addColumnSql(table: string, column: ColumnSpec): string {
  return `ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${quoteIdentifier(column.name)} ${column.sqlType}`;
}

export function createIndexSql(index: IndexSpec): string {
  const unique = index.unique ? 'UNIQUE ' : '';
  const col = quoteIdentifier(index.column);
  const where = index.partial ? ` WHERE ${col} IS NOT NULL` : '';
  return `CREATE ${unique}INDEX ${quoteIdentifier(index.name)} ON ${quoteIdentifier(index.table)} (${col})${where}`;
}

export function dropIndexSql(name: string): string {
  return `DROP INDEX ${quoteIdentifier(name)}`;
}

export const CREATE_META_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(META_TABLE)} (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`;
