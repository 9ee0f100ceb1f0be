/**
 * SQL text of the store's statements (pure). Identifiers come from the contract and are quoted; every
 * value is a `?` parameter. The texts repeat per class and filter shape, so they cache well as prepared
 * statements. Every statement that reads or changes existing rows sees only live ones (LIVE): an
 * expired row is gone for callers from its expiry on, whenever the sweeper gets to it.
 */
import type { DataClass, Field } from '../../contract/index.js';
import { quoteIdentifier, type SqlCondition } from '../filter.js';

const WRITE_META = [
  '"_created_at"',
  '"_updated_at"',
  '"_origin"',
  '"_expires_at"',
  '"_signature"',
  '"_appender"',
];

/** Rows not expired. Parameter: the store's now (canonical text, so text order is time order). */
const LIVE = '("_expires_at" IS NULL OR "_expires_at" > ?)';

function fieldColumns(cls: DataClass): string[] {
  return cls.fields.map((f) => quoteIdentifier(f.name));
}

const marks = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

/** Parameters: created, updated, origin, expires, signature, appender, then every field in class order. */
export function appendSql(cls: DataClass): string {
  const columns = [...WRITE_META, ...fieldColumns(cls)];
  return `INSERT INTO ${quoteIdentifier(cls.name)} (${columns.join(', ')}) VALUES (${marks(columns.length)}) RETURNING *`;
}

/**
 * Create or replace the one record of an object class (`_id` 1). Parameters as `appendSql`. Replace, not
 * merge: every field column is set, so fields left out of the new value become empty; `_created_at`
 * keeps the first write's time.
 */
export function putObjectSql(cls: DataClass): string {
  const columns = [...WRITE_META, ...fieldColumns(cls)];
  const replaced = columns.filter((c) => c !== '"_created_at"').map((c) => `${c} = excluded.${c}`);
  return (
    `INSERT INTO ${quoteIdentifier(cls.name)} ("_id", ${columns.join(', ')}) VALUES (1, ${marks(columns.length)}) ` +
    `ON CONFLICT ("_id") DO UPDATE SET ${replaced.join(', ')} RETURNING *`
  );
}

/** Parameter: now. */
export function getObjectSql(cls: DataClass): string {
  return `SELECT * FROM ${quoteIdentifier(cls.name)} WHERE "_id" = 1 AND ${LIVE}`;
}

/** Parameter: now. */
export function deleteObjectSql(cls: DataClass): string {
  return `DELETE FROM ${quoteIdentifier(cls.name)} WHERE "_id" = 1 AND ${LIVE}`;
}

/** Keyset paging: parameters are now, the filter's, then the last `_id` seen, then the limit. */
export function pageSql(cls: DataClass, where: SqlCondition): string {
  return `SELECT * FROM ${quoteIdentifier(cls.name)} WHERE ${LIVE} AND (${where.sql}) AND "_id" > ? ORDER BY "_id" LIMIT ?`;
}

/** Parameters: now, then the filter's. */
export function countSql(cls: DataClass, where: SqlCondition): string {
  return `SELECT count(*) AS n FROM ${quoteIdentifier(cls.name)} WHERE ${LIVE} AND (${where.sql})`;
}

/**
 * Parameters: updated, then each of `fields`, then now, then the filter's. `_signature` and
 * `_appender` are left alone on purpose (types.ts RecordMeta): a patch changes neither who signed
 * nor who appended the record.
 */
export function updateSql(cls: DataClass, fields: readonly Field[], where: SqlCondition): string {
  const sets = ['"_updated_at" = ?', ...fields.map((f) => `${quoteIdentifier(f.name)} = ?`)];
  return `UPDATE ${quoteIdentifier(cls.name)} SET ${sets.join(', ')} WHERE ${LIVE} AND (${where.sql})`;
}

/** Parameters: now, then the filter's. */
export function deleteSql(cls: DataClass, where: SqlCondition): string {
  return `DELETE FROM ${quoteIdentifier(cls.name)} WHERE ${LIVE} AND (${where.sql})`;
}

/** Parameter: the cutoff time (canonical text, so text order is time order). */
export function deleteExpiredSql(cls: DataClass): string {
  return `DELETE FROM ${quoteIdentifier(cls.name)} WHERE "_expires_at" IS NOT NULL AND "_expires_at" <= ?`;
}

/**
 * The earliest expiry in the class, expired or not. The condition is that of the partial `exp:` index,
 * so SQLite answers from the index.
 */
export function nextExpirySql(cls: DataClass): string {
  return `SELECT min("_expires_at") AS t FROM ${quoteIdentifier(cls.name)} WHERE "_expires_at" IS NOT NULL`;
}
