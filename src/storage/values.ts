/**
 * Checking records against their class before anything is written: every value must have its field's
 * type, every field must exist, required fields must be there. Top-level scalars are turned into their
 * canonical form (they are columns that filters compare); nested objects and arrays are kept as given.
 */
import type { DataClass, Field, FieldType, ScalarFieldType } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { describeFormat, matchesFormat } from './formats.js';
import { canonicalScalar, describeScalar, type ScalarValue } from './scalars.js';
import type { DataRecord, JsonObject, JsonValue, RecordInput } from './types.js';

/** Checked values of one write, by field name; `null` (patches only) clears a field. */
export type CheckedValues = ReadonlyMap<string, JsonValue>;

function valueError(path: string, problem: string): ByodaError {
  return new ByodaError('BYODA_ERR_VALUE', `${path}: ${problem}`);
}

export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function fieldsByName(fields: readonly Field[]): ReadonlyMap<string, Field> {
  return new Map(fields.map((f) => [f.name, f]));
}

function checkScalar(type: ScalarFieldType, value: unknown, path: string): ScalarValue {
  const canonical = canonicalScalar(type.scalar, value);
  if (canonical === undefined) throw valueError(path, `expected ${describeScalar(type.scalar)}`);
  if (type.enum && !type.enum.includes(canonical as string | number)) {
    throw valueError(path, `not one of the allowed values ${JSON.stringify(type.enum)}`);
  }
  if (type.format !== undefined && typeof canonical === 'string' && !matchesFormat(type.format, canonical)) {
    throw valueError(path, `expected ${describeFormat(type.format)}`);
  }
  return canonical;
}

/**
 * Checks the fields of an object against `fields` (unknown keys, required keys, types). Used for whole
 * records and for nested objects, which keep their values as given (`faithful`) rather than canonical.
 */
function checkObject(
  fields: readonly Field[],
  input: unknown,
  path: string,
  faithful: boolean,
): Map<string, JsonValue> {
  if (!isPlainObject(input)) throw valueError(path, 'expected an object');
  const known = fieldsByName(fields);
  const out = new Map<string, JsonValue>();
  for (const [key, value] of Object.entries(input)) {
    const field = known.get(key);
    if (!field) throw valueError(`${path}.${key}`, 'no such field');
    if (value === undefined) continue;
    // A nested null is kept (the JSON is stored as given); a top-level null just means "no value".
    if (value === null) {
      if (faithful) out.set(key, null);
      continue;
    }
    out.set(key, checkTyped(field.type, value, `${path}.${key}`, faithful));
  }
  for (const field of fields) {
    if (field.required && (out.get(field.name) ?? null) === null) {
      throw valueError(`${path}.${field.name}`, 'required');
    }
  }
  return out;
}

function checkTyped(type: FieldType, value: unknown, path: string, faithful: boolean): JsonValue {
  switch (type.kind) {
    case 'scalar': {
      const canonical = checkScalar(type, value, path);
      // Nested scalars keep their spelling; only the sign of zero is lost (JSON cannot keep it).
      return faithful && typeof value !== 'number' ? (value as JsonValue) : canonical;
    }
    case 'object':
      return Object.fromEntries(checkObject(type.fields, value, path, true)) as JsonObject;
    case 'array':
      if (!Array.isArray(value)) throw valueError(path, 'expected an array');
      return value.map((item, i) => {
        if (item === null || item === undefined) throw valueError(`${path}[${i}]`, 'null item in array');
        return checkTyped(type.items, item, `${path}[${i}]`, true);
      });
  }
}

/** A whole record for `cls` (append, put): every field checked, required fields present. */
export function checkRecord(cls: DataClass, input: unknown): CheckedValues {
  return checkObject(cls.fields, input, cls.name, false);
}

/**
 * A patch for `cls` (update): only the fields it names, each of its type or `null` to clear it. A
 * required field cannot be cleared. An empty patch is refused: it is almost surely a caller's mistake.
 */
export function checkPatch(cls: DataClass, input: unknown): CheckedValues {
  if (!isPlainObject(input)) throw valueError(cls.name, 'expected an object');
  const known = fieldsByName(cls.fields);
  const out = new Map<string, JsonValue>();
  for (const [key, value] of Object.entries(input)) {
    const field = known.get(key);
    if (!field) throw valueError(`${cls.name}.${key}`, 'no such field');
    if (value === undefined) continue;
    if (value === null) {
      if (field.required) throw valueError(`${cls.name}.${key}`, 'required, cannot be cleared');
      out.set(key, null);
      continue;
    }
    out.set(key, checkTyped(field.type, value, `${cls.name}.${key}`, false));
  }
  if (out.size === 0) throw valueError(cls.name, 'the patch sets no field');
  return out;
}

/**
 * Exactly the data a store holds, and returns, for `value` as a record of `cls`: the same checks and
 * errors (BYODA_ERR_VALUE) as `append` and `putObject`, top-level scalars canonical, fields in class
 * order, top-level nulls left out. Data is signed in this form (signing/), so that a signature made
 * over it verifies against what a store returns.
 */
export function canonicalRecord(cls: DataClass, value: RecordInput): DataRecord {
  const values = checkRecord(cls, value);
  const data: Record<string, JsonValue> = {};
  for (const field of cls.fields) {
    const checked = values.get(field.name);
    if (checked !== undefined && checked !== null) data[field.name] = checked;
  }
  return data as DataRecord;
}
