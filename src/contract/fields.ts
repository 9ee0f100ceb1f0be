/**
 * Fields and their types: the `properties` of an object class, of a `$defs` type or of a nested
 * object. Rules are inherited top-down while reading (spec §5: a field without its own
 * `#accesscontrol` has its parent's; a field with its own rules replaces the parent's permissions of
 * the entities it names and keeps those of the others, see `mergeRules`), so one `$defs` type used by
 * two classes yields two field lists with the same shape and each class's rules.
 */
import type {
  AccessRules,
  Field,
  FieldProperties,
  FieldType,
  ObjectFieldType,
  ScalarFieldType,
} from './model.js';
import { parseAccessControl } from './access-control.js';
import { describeValue, invalidAt, oneOf, pointer } from './contract-error.js';
import {
  checkKeys,
  optional,
  readArray,
  readBoolean,
  readObject,
  readString,
  readStringList,
  readText,
} from './json-readers.js';
import type { JsonObject } from './json-readers.js';
import { checkGraphqlName } from './names.js';
import type { TypeDefinition } from './names.js';
import { NO_FIELD_PROPERTIES, parseFieldProperties } from './properties.js';
import { resolveRef } from './refs.js';

/** Annotations that carry no meaning for the data model and are accepted wherever a schema is. */
export const ANNOTATIONS = ['description', 'title', '$comment'] as const;

/** Keywords that say what a value is; a `$ref` says it instead, so the two do not mix. */
const TYPE_KEYWORDS = ['type', 'format', 'enum', 'items', 'properties', 'required'] as const;

/** `access` is a legacy annotation of the original's test contracts ("private"); it grants nothing. */
const FIELD_KEYS = [
  ...TYPE_KEYWORDS,
  '$ref',
  ...ANNOTATIONS,
  'access',
  '#accesscontrol',
  '#properties',
  '#obsolete',
];
const ITEM_KEYS = [...TYPE_KEYWORDS, '$ref', ...ANNOTATIONS];
const DEF_KEYS = ['$id', '$schema', 'type', 'properties', 'required', ...ANNOTATIONS];

const ITEM_HINTS = {
  '#accesscontrol': 'put "#accesscontrol" on the array field, not on its items',
  '#properties': 'put "#properties" on the array field, not on its items',
  '#obsolete': 'put "#obsolete" on the array field, not on its items',
};
const DEF_HINTS = {
  '#accesscontrol':
    'a $defs type may not have "#accesscontrol": put it on the class or field that uses the type',
  '#properties': 'a $defs type may not have "#properties": put them on its fields or on the class',
  '#obsolete': 'a $defs type may not be "#obsolete": mark the class or field that uses it',
};

/** Which keywords apply to which JSON type. */
const KEYWORD_TYPES: Readonly<Record<string, readonly string[]>> = {
  format: ['string'],
  enum: ['string', 'integer', 'number'],
  items: ['array'],
  properties: ['object'],
  required: ['object'],
};

const JSON_TYPES = ['string', 'integer', 'number', 'boolean', 'object', 'array'] as const;

/** State shared while reading one contract's types. */
/**
 * Limits that keep a hostile contract from exhausting a pod: objects nest at most this deep, and a
 * contract expands (each use of a `$defs` type counting again) to at most this many fields. The real
 * contracts nest four levels and expand to fewer than 600 fields.
 */
export const MAX_OBJECT_NESTING = 16;
export const MAX_EXPANDED_FIELDS = 50_000;

/** State shared while reading one contract's types. */
export interface TypeContext {
  readonly defs: JsonObject;
  readonly defsPath: string;
  /** `$defs` names being expanded, outermost first; meeting one again means a type contains itself. */
  readonly expanding: readonly string[];
  /** How many objects enclose the one being read (a class is at 0). */
  readonly nesting: number;
  /** Fields that may still be read before the contract counts as too large. */
  readonly budget: { fieldsLeft: number };
  /** Every object type met so far, by name, to refuse two different types with the same name. */
  readonly types: Map<string, TypeDefinition>;
  /** `$defs` names referenced at least once. */
  readonly usedDefs: Set<string>;
}

export function newTypeContext(defs: JsonObject, defsPath: string): TypeContext {
  return {
    defs,
    defsPath,
    expanding: [],
    nesting: 0,
    budget: { fieldsLeft: MAX_EXPANDED_FIELDS },
    types: new Map(),
    usedDefs: new Set(),
  };
}

/** The fields of an object schema at `path` whose GraphQL type is `typeName`. */
export function parseObjectFields(
  schema: JsonObject,
  path: string,
  typeName: string,
  inherited: AccessRules,
  ctx: TypeContext,
): readonly Field[] {
  registerType(ctx, typeName, path);
  if (!('properties' in schema)) throw invalidAt(path, 'needs "properties": the fields of the object');
  const propertiesPath = pointer(path, 'properties');
  const properties = readObject(schema.properties, propertiesPath);
  const names = Object.keys(properties);
  if (names.length === 0) {
    throw invalidAt(propertiesPath, 'must define at least one field (a GraphQL object type needs one)');
  }
  checkSize(ctx, path, names.length);
  const required = readRequired(schema, path, names);
  const inner: TypeContext = { ...ctx, nesting: ctx.nesting + 1 };
  const fields = names.map((name) =>
    parseField(
      name,
      properties[name],
      pointer(propertiesPath, name),
      typeName,
      required.includes(name),
      inherited,
      inner,
    ),
  );
  checkSinglePrimaryKey(fields);
  return fields;
}

/** The object type of a `$defs` entry named by `ref` (found at `refPath`). */
export function parseDefType(
  ref: unknown,
  refPath: string,
  rules: AccessRules,
  ctx: TypeContext,
): ObjectFieldType {
  const def = resolveRef(ref, refPath, ctx.defs, ctx.defsPath);
  if (ctx.expanding.includes(def.name)) {
    const cycle = [...ctx.expanding, def.name].join(' -> ');
    throw invalidAt(
      refPath,
      `type "${def.name}" contains itself (${cycle}); recursive types are not supported`,
    );
  }
  ctx.usedDefs.add(def.name);
  checkGraphqlName(def.name, def.path, '$defs type');
  checkKeys(def.schema, def.path, DEF_KEYS, DEF_HINTS);
  if (def.schema.type !== 'object') {
    const found = 'type' in def.schema ? `not ${describeValue(def.schema.type)}` : 'it has no "type"';
    throw invalidAt(pointer(def.path, 'type'), `a $defs type must be "type": "object"; ${found}`);
  }
  const inner: TypeContext = { ...ctx, expanding: [...ctx.expanding, def.name] };
  return {
    kind: 'object',
    typeName: def.name,
    fields: parseObjectFields(def.schema, def.path, def.name, rules, inner),
  };
}

function parseField(
  name: string,
  value: unknown,
  path: string,
  parentType: string,
  required: boolean,
  inherited: AccessRules,
  ctx: TypeContext,
): Field {
  checkGraphqlName(name, path, 'field');
  const schema = readObject(value, path, 'a JSON object describing the field');
  checkKeys(schema, path, FIELD_KEYS);
  const ownRules = optional(schema, '#accesscontrol', path, parseAccessControl);
  const rules = ownRules === undefined ? inherited : mergeRules(inherited, ownRules);
  const type = parseFieldType(schema, path, `${parentType}_${name}`, rules, ctx);
  const properties = optional(schema, '#properties', path, parseFieldProperties) ?? NO_FIELD_PROPERTIES;
  checkPropertiesFitType(properties, type, pointer(path, '#properties'));
  const description = optional(schema, 'description', path, readText);
  return {
    name,
    type,
    ...(description !== undefined ? { description } : {}),
    required,
    rules,
    ownRules: ownRules !== undefined,
    properties,
    obsolete: optional(schema, '#obsolete', path, readBoolean) ?? false,
    path,
  };
}

/** The type of a field or of array items; `inlineTypeName` names an inline object, if it is one. */
function parseFieldType(
  schema: JsonObject,
  path: string,
  inlineTypeName: string,
  rules: AccessRules,
  ctx: TypeContext,
): FieldType {
  if ('$ref' in schema) return parseRefField(schema, path, rules, ctx);
  if (!('type' in schema)) throw invalidAt(path, `needs "type" (${oneOf(JSON_TYPES)}) or a "$ref"`);
  const type = schema.type;
  if (typeof type !== 'string' || !(JSON_TYPES as readonly string[]).includes(type)) {
    throw invalidAt(
      pointer(path, 'type'),
      `unknown type ${describeValue(type)}; types are ${oneOf(JSON_TYPES)}`,
    );
  }
  checkKeywordsFitType(schema, path, type);
  switch (type) {
    case 'string':
      return parseStringType(schema, path);
    case 'integer':
    case 'number':
    case 'boolean':
      return withEnum({ kind: 'scalar', scalar: type }, schema, path);
    case 'object':
      return {
        kind: 'object',
        typeName: inlineTypeName,
        fields: parseObjectFields(schema, path, inlineTypeName, rules, ctx),
      };
    default:
      return parseArrayType(schema, path, inlineTypeName, rules, ctx);
  }
}

function parseRefField(
  schema: JsonObject,
  path: string,
  rules: AccessRules,
  ctx: TypeContext,
): ObjectFieldType {
  for (const key of TYPE_KEYWORDS) {
    if (key in schema) {
      throw invalidAt(pointer(path, key), `"${key}" may not be combined with "$ref", which gives the type`);
    }
  }
  return parseDefType(schema.$ref, pointer(path, '$ref'), rules, ctx);
}

function checkKeywordsFitType(schema: JsonObject, path: string, type: string): void {
  for (const [keyword, types] of Object.entries(KEYWORD_TYPES)) {
    if (keyword in schema && !types.includes(type)) {
      throw invalidAt(
        pointer(path, keyword),
        `"${keyword}" applies only to type ${oneOf(types)}, not "${type}"`,
      );
    }
  }
}

/** `format: uuid` and `format: date-time` make their own scalar types; other formats are kept. */
function parseStringType(schema: JsonObject, path: string): ScalarFieldType {
  const format = optional(schema, 'format', path, readString);
  if (format === 'uuid' || format === 'date-time') {
    if ('enum' in schema)
      throw invalidAt(pointer(path, 'enum'), `"enum" does not apply to format "${format}"`);
    return { kind: 'scalar', scalar: format };
  }
  return withEnum(
    { kind: 'scalar', scalar: 'string', ...(format !== undefined ? { format } : {}) },
    schema,
    path,
  );
}

function withEnum(type: ScalarFieldType, schema: JsonObject, path: string): ScalarFieldType {
  if (!('enum' in schema)) return type;
  const enumPath = pointer(path, 'enum');
  if (type.scalar === 'boolean') throw invalidAt(enumPath, '"enum" does not apply to type "boolean"');
  const values = readArray(schema.enum, enumPath, 'a list of allowed values');
  if (values.length === 0) throw invalidAt(enumPath, 'must list at least one value');
  const checked = values.map((value, i) => readEnumValue(value, pointer(enumPath, i), type.scalar));
  if (new Set(checked).size !== checked.length) throw invalidAt(enumPath, 'lists a value twice');
  return { ...type, enum: checked };
}

function readEnumValue(value: unknown, path: string, scalar: string): string | number {
  const fits =
    scalar === 'string'
      ? typeof value === 'string'
      : typeof value === 'number' && (scalar === 'number' || Number.isInteger(value));
  if (!fits) throw invalidAt(path, `${describeValue(value)} is not a value of type "${scalar}"`);
  return value as string | number;
}

function parseArrayType(
  schema: JsonObject,
  path: string,
  inlineTypeName: string,
  rules: AccessRules,
  ctx: TypeContext,
): FieldType {
  if (!('items' in schema))
    throw invalidAt(path, 'an array needs "items": a type or {"$ref": "#/schemas/<name>"}');
  const itemsPath = pointer(path, 'items');
  const items = readObject(schema.items, itemsPath);
  checkKeys(items, itemsPath, ITEM_KEYS, ITEM_HINTS);
  const itemType = parseFieldType(items, itemsPath, inlineTypeName, rules, ctx);
  if (itemType.kind === 'array') {
    throw invalidAt(
      pointer(itemsPath, 'type'),
      'arrays of arrays are not supported; put the inner array in an object',
    );
  }
  return { kind: 'array', items: itemType };
}

function readRequired(schema: JsonObject, path: string, names: readonly string[]): readonly string[] {
  const required = optional(schema, 'required', path, readStringList) ?? [];
  required.forEach((name, i) => {
    if (!names.includes(name)) {
      throw invalidAt(
        pointer(path, 'required', i),
        `"${name}" is not a field here; fields: ${names.join(', ')}`,
      );
    }
  });
  return required;
}

/** Counters, indexes and keys are kept per value, so they apply to scalar fields only. */
function checkPropertiesFitType(properties: FieldProperties, type: FieldType, path: string): void {
  if (type.kind === 'scalar') return;
  const flags = Object.entries({
    counter: properties.counter,
    index: properties.index,
    primary_key: properties.primaryKey,
  });
  const set = flags.filter(([, on]) => on).map(([flag]) => flag);
  if (set.length > 0) {
    throw invalidAt(
      path,
      `${oneOf(set)} applies only to a scalar field, not to ${type.kind === 'array' ? 'an array' : 'an object'}`,
    );
  }
}

/** A record has one identity: more than one `primary_key` in an object type is refused. */
function checkSinglePrimaryKey(fields: readonly Field[]): void {
  const keys = fields.filter((field) => field.properties.primaryKey);
  const second = keys[1];
  if (second) {
    throw invalidAt(
      pointer(second.path, '#properties'),
      `"${second.name}" is a second primary_key; "${keys[0]?.name}" is already the primary key of this type`,
    );
  }
}

function checkSize(ctx: TypeContext, path: string, fieldCount: number): void {
  if (ctx.nesting > MAX_OBJECT_NESTING) {
    throw invalidAt(
      path,
      `objects are nested more than ${MAX_OBJECT_NESTING} deep here; flatten the structure`,
    );
  }
  ctx.budget.fieldsLeft -= fieldCount;
  if (ctx.budget.fieldsLeft < 0) {
    throw invalidAt(
      path,
      `the contract expands to more than ${MAX_EXPANDED_FIELDS} fields (each use of a $defs type counts); ` +
        'it is too large',
    );
  }
}

/** Refuses a second, different definition of an object type name already in use. */
function registerType(ctx: TypeContext, name: string, path: string): void {
  const known = ctx.types.get(name);
  if (known && known.path !== path) {
    throw invalidAt(path, `type name "${name}" is already used by the type defined at ${known.path}`);
  }
  ctx.types.set(name, { name, path });
}

/**
 * A field's own `#accesscontrol` replaces the inherited permissions of each entity it names (an empty
 * list takes them all away); entities it does not name keep the inherited ones. Every field-level rule in the real contracts is written
 * this way: `person.email` adds the service's `search` (and so narrows the service's class-level
 * `read` to `search` for that field) without taking the owner's own `read`/`update` away.
 */
export function mergeRules(inherited: AccessRules, own: AccessRules): AccessRules {
  return { ...inherited, ...own };
}
