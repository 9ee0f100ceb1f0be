/**
 * The contract's `jsonschema` member: its `properties` are the data classes, its `$defs` the named
 * object types the classes and fields refer to.
 */
import type { ContractWarning, DataClass } from './model.js';
import { describeValue, invalidAt, pointer } from './contract-error.js';
import { parseDataClass } from './classes.js';
import { ANNOTATIONS, newTypeContext } from './fields.js';
import { checkKeys, isJsonObject, optional, readObject, readText, requireKeys } from './json-readers.js';
import type { JsonObject } from './json-readers.js';
import { checkRootFieldCollisions, checkTypeNameCollisions } from './names.js';

const JSONSCHEMA_KEYS = ['$id', '$schema', 'type', 'properties', '$defs', ...ANNOTATIONS];

export function parseJsonSchema(
  value: unknown,
  path: string,
  warn: (warning: ContractWarning) => void,
): readonly DataClass[] {
  const schema = readObject(value, path);
  checkKeys(schema, path, JSONSCHEMA_KEYS);
  optional(schema, '$id', path, readText);
  optional(schema, '$schema', path, readText);
  if ('type' in schema && schema.type !== 'object') {
    throw invalidAt(
      pointer(path, 'type'),
      `must be "object" (the membership's data), not ${describeValue(schema.type)}`,
    );
  }
  requireKeys(schema, path, { properties: 'the data classes, by name' });
  const classesPath = pointer(path, 'properties');
  const properties = readObject(schema.properties, classesPath);
  if (Object.keys(properties).length === 0)
    throw invalidAt(classesPath, 'must define at least one data class');

  const defsPath = pointer(path, '$defs');
  const defs = optional(schema, '$defs', path, readObject) ?? {};
  const ctx = newTypeContext(defs, defsPath);
  const classes = Object.entries(properties).map(([name, classSchema]) =>
    parseDataClass(name, classSchema, pointer(classesPath, name), ctx),
  );
  checkRootFieldCollisions(classes);
  checkTypeNameCollisions([...ctx.types.values()]);
  reportUnusedDefs(defs, ctx.usedDefs, defsPath, warn);
  return classes;
}

/**
 * `$defs` entries that no class uses are not part of the data model, so they are not validated as
 * types (the real addressbook contract carries three such leftovers, one of them not even an object
 * type); each is reported so that a service owner notices a missing `$ref`.
 */
function reportUnusedDefs(
  defs: JsonObject,
  used: ReadonlySet<string>,
  defsPath: string,
  warn: (warning: ContractWarning) => void,
): void {
  for (const [name, def] of Object.entries(defs)) {
    const path = pointer(defsPath, name);
    if (!isJsonObject(def))
      throw invalidAt(path, `must be a JSON object (a type), not ${describeValue(def)}`);
    if (!used.has(name))
      warn({ path, message: `$defs type "${name}" is not used by any class; it is ignored` });
  }
}
