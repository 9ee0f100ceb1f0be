/**
 * Records from other pods, checked against this pod's contract before they are merged (spec §8):
 * another pod is not trusted to send what the contract says, and a record that breaks it (an unknown
 * field, a value of the wrong type) must not reach the owner's client or a cache as if it were valid.
 *
 * The rules differ from storage's checks of a write in one way: any field may be missing or null,
 * required ones too, because the remote pod answers null for a field this pod may not read (spec §6).
 * Nulls are dropped, so a record looks like one read from storage (absent = no value), and scalars are
 * turned into their canonical forms (lower-case UUIDs, UTC date-times), as storage keeps them.
 */
import type { Field, FieldType, ScalarFieldType } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { canonicalScalar } from '../storage/index.js';
import type { JsonObject, JsonValue } from '../storage/index.js';

const invalid = (path: string, problem: string): ByodaError =>
  new ByodaError('BYODA_ERR_VALUE', `${path}: ${problem}`);

/** Fields served over GraphQL: not obsolete, and objects with at least one such field (spec §5). */
export function servedFields(fields: readonly Field[]): readonly Field[] {
  return fields.filter((field) => !field.obsolete && isServable(field.type));
}

function isServable(type: FieldType): boolean {
  if (type.kind === 'object') return servedFields(type.fields).length > 0;
  if (type.kind === 'array') return isServable(type.items);
  return true;
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `value` as a record of `fields`, nulls dropped and scalars canonical; throws BYODA_ERR_VALUE naming
 * the first field at fault (`path` is where the record sits, e.g. the type name).
 */
export function checkRemoteRecord(fields: readonly Field[], value: unknown, path: string): JsonObject {
  if (!isPlainObject(value)) throw invalid(path, 'expected an object');
  const known = new Map(servedFields(fields).map((field) => [field.name, field]));
  const out: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = known.get(key);
    if (!field) throw invalid(`${path}.${key}`, 'no such field in the contract');
    if (item === null || item === undefined) continue;
    out[key] = checkValue(field.type, item, `${path}.${key}`);
  }
  return out;
}

function checkValue(type: FieldType, value: unknown, path: string): JsonValue {
  switch (type.kind) {
    case 'scalar':
      return checkScalar(type, value, path);
    case 'object':
      return checkRemoteRecord(type.fields, value, path);
    case 'array':
      if (!Array.isArray(value)) throw invalid(path, 'expected an array');
      return value.map((item: unknown, index) => {
        // Storage refuses null items, so no pod can hold one: a null item is not contract data.
        if (item === null || item === undefined) throw invalid(`${path}[${index}]`, 'null item in an array');
        return checkValue(type.items, item, `${path}[${index}]`);
      });
  }
}

function checkScalar(type: ScalarFieldType, value: unknown, path: string): JsonValue {
  const canonical = canonicalScalar(type.scalar, value);
  if (canonical === undefined) throw invalid(path, `expected a value of type ${type.scalar}`);
  if (type.enum && !type.enum.includes(canonical as string | number)) {
    throw invalid(path, 'not one of the values the contract allows');
  }
  return canonical;
}
