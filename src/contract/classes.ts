/**
 * Data classes (spec §5): the top-level `properties` of a contract's `jsonschema`. An object class
 * defines its fields inline; an array class holds records of a `$defs` type named by `items.$ref`.
 */
import type { AccessRules, DataClass, Field } from './model.js';
import { parseAccessControl } from './access-control.js';
import { describeValue, invalidAt, pointer } from './contract-error.js';
import { ANNOTATIONS, parseDefType, parseObjectFields } from './fields.js';
import type { TypeContext } from './fields.js';
import { checkKeys, optional, readBoolean, readObject, readText } from './json-readers.js';
import type { JsonObject } from './json-readers.js';
import { checkGraphqlName } from './names.js';
import { parseClassProperties } from './properties.js';

const COMMON_KEYS = ['type', '#accesscontrol', '#properties', '#obsolete', ...ANNOTATIONS];
const OBJECT_CLASS_KEYS = [...COMMON_KEYS, 'properties', 'required'];
const ARRAY_CLASS_KEYS = [...COMMON_KEYS, 'items'];
const CLASS_ITEMS_KEYS = ['$ref', ...ANNOTATIONS];

const OBJECT_CLASS_HINTS = { items: '"items" applies only to an array class ("type": "array")' };
const ARRAY_CLASS_HINTS = {
  properties: 'an array class takes its fields from the $defs type in "items"; define "properties" there',
  required: 'an array class takes its fields from the $defs type in "items"; put "required" there',
};

interface ClassShape {
  readonly typeName: string;
  readonly fields: readonly Field[];
  readonly description?: string | undefined;
}

export function parseDataClass(name: string, value: unknown, path: string, ctx: TypeContext): DataClass {
  checkGraphqlName(name, path, 'class');
  const schema = readObject(value, path, 'a JSON object describing the data class');
  const kind = readClassKind(schema, path);
  if (kind === 'object') checkKeys(schema, path, OBJECT_CLASS_KEYS, OBJECT_CLASS_HINTS);
  else checkKeys(schema, path, ARRAY_CLASS_KEYS, ARRAY_CLASS_HINTS);
  // spec §5: no rule = denied, so a class without #accesscontrol grants nothing to anyone.
  const rules = optional(schema, '#accesscontrol', path, parseAccessControl) ?? {};
  const shape =
    kind === 'object'
      ? { typeName: name, fields: parseObjectFields(schema, path, name, rules, ctx) }
      : arrayShape(schema, path, rules, ctx);
  const description = optional(schema, 'description', path, readText) ?? shape.description;
  return {
    name,
    kind,
    typeName: shape.typeName,
    fields: shape.fields,
    ...(description !== undefined ? { description } : {}),
    rules,
    properties: optional(schema, '#properties', path, parseClassProperties) ?? {},
    obsolete: optional(schema, '#obsolete', path, readBoolean) ?? false,
    path,
  };
}

function readClassKind(schema: JsonObject, path: string): 'object' | 'array' {
  const type = schema.type;
  if (type === 'object' || type === 'array') return type;
  const found = 'type' in schema ? `not ${describeValue(type)}` : 'it has no "type"';
  throw invalidAt(
    pointer(path, 'type'),
    `a data class must be "type": "object" or "type": "array"; ${found}`,
  );
}

function arrayShape(schema: JsonObject, path: string, rules: AccessRules, ctx: TypeContext): ClassShape {
  const itemsPath = pointer(path, 'items');
  if (!('items' in schema))
    throw invalidAt(path, 'an array class needs "items": {"$ref": "#/schemas/<name>"}');
  const items = readObject(schema.items, itemsPath, 'an object {"$ref": "#/schemas/<name>"}');
  if (!('$ref' in items)) {
    // Items are named types so that the GraphQL item type has a stable, meaningful name (spec §7).
    throw invalidAt(
      itemsPath,
      'the items of an array class must be {"$ref": "#/schemas/<name>"} naming a $defs type',
    );
  }
  checkKeys(items, itemsPath, CLASS_ITEMS_KEYS);
  const type = parseDefType(items.$ref, pointer(itemsPath, '$ref'), rules, ctx);
  const def = ctx.defs[type.typeName] as JsonObject;
  return {
    typeName: type.typeName,
    fields: type.fields,
    description: typeof def.description === 'string' ? def.description : undefined,
  };
}
