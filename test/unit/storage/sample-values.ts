/**
 * A valid value for every field of a class, generated from the contract model, so that round-trip tests
 * cover every field of the real contracts without listing them. `seed` varies the values (two records
 * of one class must not share a primary key). Values are already canonical, so they come back equal.
 */
import type { DataClass, Field, FieldType, ScalarFieldType } from '../../../src/contract/index.js';
import type { JsonObject, JsonValue } from '../../../src/storage/index.js';

function uuidFrom(seed: number): string {
  return `00000000-0000-4000-8000-${seed.toString(16).padStart(12, '0')}`;
}

function scalarValue(type: ScalarFieldType, seed: number, name: string): JsonValue {
  if (type.enum && type.enum.length > 0) return type.enum[seed % type.enum.length] ?? null;
  switch (type.scalar) {
    case 'string':
      return `${name} #${seed} 'quoted' "double" ünïcödé 😀`;
    case 'integer':
      return 1000 + seed;
    case 'number':
      return seed + 0.25;
    case 'boolean':
      return seed % 2 === 0;
    case 'uuid':
      return uuidFrom(seed);
    case 'date-time':
      return new Date(Date.UTC(2024, 0, 1) + seed * 1000).toISOString();
  }
}

export function sampleValue(type: FieldType, seed: number, name: string): JsonValue {
  switch (type.kind) {
    case 'scalar':
      return scalarValue(type, seed, name);
    case 'object':
      return sampleObject(type.fields, seed);
    case 'array':
      return [sampleValue(type.items, seed, name), sampleValue(type.items, seed + 1, name)];
  }
}

function sampleObject(fields: readonly Field[], seed: number): JsonObject {
  return Object.fromEntries(fields.map((f) => [f.name, sampleValue(f.type, seed, f.name)]));
}

/** A record with every field of `cls` set. */
export function sampleRecord(cls: DataClass, seed: number): JsonObject {
  return sampleObject(cls.fields, seed);
}
