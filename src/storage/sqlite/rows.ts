/**
 * Between checked values and SQLite columns: booleans as 0/1, nested objects and arrays as JSON text,
 * other scalars as they are (already canonical, see values.ts).
 */
import type { DataClass, Field } from '../../contract/index.js';
import { encodeCursor } from '../cursor.js';
import type { SqlParam } from '../filter.js';
import type { DataRecord, JsonValue, RecordMeta, StoredRecord } from '../types.js';

/** A row as better-sqlite3 returns it. */
export type Row = Readonly<Record<string, unknown>>;

export function encodeColumn(field: Field, value: JsonValue): SqlParam {
  if (value === null) return null;
  if (field.type.kind !== 'scalar') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as string | number;
}

function decodeColumn(field: Field, value: unknown): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (field.type.kind !== 'scalar') return JSON.parse(value as string) as JsonValue;
  if (field.type.scalar === 'boolean') return value === 1;
  return value as string | number;
}

/** The bookkeeping columns, in the order `metaFrom` takes them. */
const META_COLUMNS = [
  '_id',
  '_created_at',
  '_updated_at',
  '_origin',
  '_expires_at',
  '_signature',
  '_appender',
] as const;

function metaFrom(values: readonly unknown[]): RecordMeta {
  const [id, createdAt, updatedAt, origin, expiresAt, signature, appender] = values as [
    number,
    string,
    string,
    string | null,
    string | null,
    string | null,
    string | null,
  ];
  return {
    id,
    createdAt,
    updatedAt,
    ...(origin === null ? {} : { origin }),
    ...(expiresAt === null ? {} : { expiresAt }),
    ...(signature === null ? {} : { signature }),
    ...(appender === null ? {} : { appender }),
  };
}

function metaOf(row: Row): RecordMeta {
  return metaFrom(META_COLUMNS.map((name) => row[name]));
}

/** A row in `raw` mode: the values in the statement's column order. */
export type RawRow = readonly unknown[];

export type StoredRecordDecoder = (row: RawRow) => StoredRecord;

/**
 * A decoder of raw rows for the statement whose result columns are `columns`, giving what
 * `decodeRow` gives for the same row. A page of records is read in raw mode because better-sqlite3
 * then builds one array per row instead of an object with a property per column, which for a page
 * was most of the read's cost. Columns are found by name, so tables whose fields were added by an
 * upgrade (at the end, in upgrade order) decode like any other.
 */
export function rawRowDecoder(cls: DataClass, columns: readonly string[]): StoredRecordDecoder {
  const index = new Map(columns.map((name, i) => [name, i]));
  const at = (name: string): number => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`the page statement has no column ${name}`);
    return i;
  };
  const fields = cls.fields.map((field) => ({ field, i: at(field.name) }));
  const meta = META_COLUMNS.map(at);
  return (row) => {
    const data: Record<string, JsonValue> = {};
    for (const { field, i } of fields) {
      const value = decodeColumn(field, row[i]);
      if (value !== undefined) data[field.name] = value;
    }
    const recordMeta = metaFrom(meta.map((i) => row[i]));
    return { data: data as DataRecord, meta: recordMeta, cursor: encodeCursor(recordMeta.id) };
  };
}

export function decodeRow(cls: DataClass, row: Row): StoredRecord {
  const data: Record<string, JsonValue> = {};
  for (const field of cls.fields) {
    const value = decodeColumn(field, row[field.name]);
    if (value !== undefined) data[field.name] = value;
  }
  const meta = metaOf(row);
  return { data: data as DataRecord, meta, cursor: encodeCursor(meta.id) };
}
