/**
 * Records as GraphQL sources, and the one resolver every field of every generated object type uses.
 *
 * A `$defs` type is one GraphQL type however many classes use it, but its access rules are per use
 * (spec §5: a field inherits from the class or field that encloses it). So a source carries the model
 * fields of the place it was read from, and the resolver checks the rules of that field, for the
 * requester, before it hands out the value (spec §6: a denied field is an error on that field only).
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { Field, FieldType } from '../contract/index.js';
import { assertAllowed, fieldDecision } from '../firewall/index.js';
import type { JsonObject, JsonValue } from '../storage/index.js';
import type { MembershipContext } from './context.js';
import { guardedSync } from './errors.js';

/** A record (or a nested object of one) with the model fields that govern it where it was read. */
export interface NodeSource {
  readonly data: JsonObject;
  readonly fields: ReadonlyMap<string, Field>;
}

// Field lists are immutable parts of the contract model: index each list once, not once per record.
const fieldIndexes = new WeakMap<readonly Field[], ReadonlyMap<string, Field>>();

function indexFields(fields: readonly Field[]): ReadonlyMap<string, Field> {
  let index = fieldIndexes.get(fields);
  if (!index) {
    index = new Map(fields.map((f) => [f.name, f]));
    fieldIndexes.set(fields, index);
  }
  return index;
}

export function nodeSource(fields: readonly Field[], data: JsonObject): NodeSource {
  return { data, fields: indexFields(fields) };
}

function isJsonObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What GraphQL gets for a stored value: objects become sources governed by their own fields. A value
 * of the wrong shape (possible in remote data) reads as null rather than breaking the whole record.
 */
function outputValue(type: FieldType, value: JsonValue | undefined): unknown {
  if (value === undefined || value === null) return null;
  switch (type.kind) {
    case 'scalar':
      return value;
    case 'object':
      return isJsonObject(value) ? nodeSource(type.fields, value) : null;
    case 'array':
      return Array.isArray(value) ? value.map((item: JsonValue) => outputValue(type.items, item)) : null;
  }
}

function resolveField(
  source: NodeSource,
  _args: unknown,
  context: MembershipContext,
  info: GraphQLResolveInfo,
): unknown {
  const field = source.fields.get(info.fieldName);
  if (!field) return null;
  assertAllowed(fieldDecision(field, 'read', context.requester), `${info.parentType.name}.${field.name}`);
  return outputValue(
    field.type,
    Object.hasOwn(source.data, field.name) ? source.data[field.name] : undefined,
  );
}

/** The resolver of every field of every contract object type. */
export const resolveNodeField = guardedSync(resolveField);
