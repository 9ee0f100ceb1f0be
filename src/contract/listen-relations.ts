/**
 * `listen_relations`: a pod follows `class_name` of the pods it has one of `relations` with and copies
 * new items into `destination_class` (and `feed_class`). All named classes are array classes holding
 * the same item type, since items are copied from one to the other unchanged.
 */
import type { ContractWarning, DataClass, ListenRelation } from './model.js';
import { invalidAt, pointer } from './contract-error.js';
import { checkKeys, readArray, readObject, readString, readStringList, requireKeys } from './json-readers.js';

const NEEDS = {
  class_name: 'the array class to follow on linked pods',
  relations: 'the network link relations to follow',
  destination_class: 'the array class that receives the items',
};
const CLASS_KEYS = ['class_name', 'destination_class', 'feed_class'] as const;

export function parseListenRelations(
  value: unknown,
  path: string,
  classes: readonly DataClass[],
  warn: (warning: ContractWarning) => void,
): readonly ListenRelation[] {
  const items = readArray(value, path, 'an array of {class_name, relations, destination_class, feed_class?}');
  return items.flatMap((item, i) => {
    const relation = parseListenRelation(item, pointer(path, i), classes, warn);
    return relation ? [relation] : [];
  });
}

/** The relation, or `undefined` (with a warning) when it names classes the contract does not have. */
function parseListenRelation(
  item: unknown,
  path: string,
  classes: readonly DataClass[],
  warn: (warning: ContractWarning) => void,
): ListenRelation | undefined {
  const object = readObject(item, path);
  checkKeys(object, path, [...Object.keys(NEEDS), 'feed_class']);
  requireKeys(object, path, NEEDS);
  const names = Object.fromEntries(
    CLASS_KEYS.filter((key) => key in object).map((key) => [
      key,
      readString(object[key], pointer(path, key)),
    ]),
  ) as Partial<Record<(typeof CLASS_KEYS)[number], string>>;
  const relations = readStringList(object.relations, pointer(path, 'relations'));
  if (relations.length === 0) throw invalidAt(pointer(path, 'relations'), 'must name at least one relation');

  const missing = Object.values(names).filter((name) => !classes.some((c) => c.name === name));
  if (missing.length > 0) {
    // The original's own test contract lists classes it does not define; such a relation cannot do
    // anything, so it is dropped with a warning rather than making the contract unusable.
    warn({
      path,
      message: `listen relation ignored: no class named ${missing.map((m) => `"${m}"`).join(', ')}`,
    });
    return undefined;
  }
  checkSameItemType(path, names, classes);
  return {
    className: names.class_name as string,
    relations: [...new Set(relations.map((relation) => relation.toLowerCase()))],
    destinationClass: names.destination_class as string,
    ...(names.feed_class !== undefined ? { feedClass: names.feed_class } : {}),
  };
}

function checkSameItemType(
  path: string,
  names: Partial<Record<string, string>>,
  classes: readonly DataClass[],
): void {
  const source = classes.find((c) => c.name === names.class_name);
  for (const [key, name] of Object.entries(names)) {
    const dataClass = classes.find((c) => c.name === name);
    if (!dataClass || !source) continue;
    if (dataClass.kind !== 'array') {
      throw invalidAt(
        pointer(path, key),
        `"${name}" is an object class; listen relations need array classes`,
      );
    }
    if (dataClass.typeName !== source.typeName) {
      throw invalidAt(
        pointer(path, key),
        `"${name}" holds "${dataClass.typeName}" items but "${source.name}" holds "${source.typeName}"; ` +
          'items are copied unchanged, so the types must be the same',
      );
    }
  }
}
