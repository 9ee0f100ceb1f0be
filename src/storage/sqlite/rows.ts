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

function metaOf(row: Row): RecordMeta {
  const origin = row._origin as string | null;
  const expiresAt = row._expires_at as string | null;
  const signature = row._signature as string | null;
  const appender = row._appender as string | null;
  return {
    id: row._id as number,
    createdAt: row._created_at as string,
    updatedAt: row._updated_at as string,
    ...(origin === null ? {} : { origin }),
    ...(expiresAt === null ? {} : { expiresAt }),
    ...(signature === null ? {} : { signature }),
    ...(appender === null ? {} : { appender }),
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
