/**
 * `#properties` (spec §5). On a field: a list of flags, `counter`, `index`, `primary_key`. On a class:
 * retention of remote data, `cache_only` and `cache`, each with a duration, written either as a pair
 * `["cache_only", "3d"]` or as one string `"cache_only:3d"` (both forms occur in the real contracts).
 */
import type { ClassProperties, FieldProperties } from './model.js';
import { describeValue, invalidAt, oneOf, pointer } from './contract-error.js';
import { DURATION_HELP, tryParseDuration } from './duration.js';
import { readArray, refuseDuplicates } from './json-readers.js';

export const FIELD_PROPERTIES = ['counter', 'index', 'primary_key'] as const;
export const CLASS_PROPERTIES = ['cache_only', 'cache'] as const;
type ClassProperty = (typeof CLASS_PROPERTIES)[number];

export const NO_FIELD_PROPERTIES: FieldProperties = { counter: false, index: false, primaryKey: false };

export function parseFieldProperties(value: unknown, path: string): FieldProperties {
  const items = readArray(value, path, `a list of ${oneOf(FIELD_PROPERTIES)}`);
  const flags = items.map((item, i) => readFieldFlag(item, pointer(path, i)));
  refuseDuplicates(flags, path);
  return {
    counter: flags.includes('counter'),
    index: flags.includes('index'),
    primaryKey: flags.includes('primary_key'),
  };
}

function readFieldFlag(item: unknown, path: string): string {
  if (typeof item === 'string' && (FIELD_PROPERTIES as readonly string[]).includes(item)) return item;
  const name = classPropertyName(item);
  const hint = name ? ` ("${name}" belongs on a class)` : '';
  throw invalidAt(
    path,
    `unknown field property ${describeValue(item)}${hint}; allowed: ${oneOf(FIELD_PROPERTIES)}`,
  );
}

export function parseClassProperties(value: unknown, path: string): ClassProperties {
  const items = readArray(value, path, 'a list of ["cache_only", "<duration>"] or "cache:<duration>" items');
  const seconds = new Map<ClassProperty, number>();
  items.forEach((item, i) => {
    const itemPath = pointer(path, i);
    const [name, duration] = readClassProperty(item, itemPath);
    if (seconds.has(name)) throw invalidAt(itemPath, `"${name}" is given twice`);
    seconds.set(name, duration);
  });
  return {
    ...(seconds.has('cache_only') ? { cacheOnlySeconds: seconds.get('cache_only') } : {}),
    ...(seconds.has('cache') ? { cacheSeconds: seconds.get('cache') } : {}),
  };
}

/** One class property item in either accepted spelling, as [name, seconds]. */
function readClassProperty(item: unknown, path: string): [ClassProperty, number] {
  const parts = splitClassProperty(item);
  if (!parts) {
    throw invalidAt(
      path,
      `must be ["cache_only", "3d"], "cache_only:3d", ["cache", "1h"] or "cache:1h", not ${describeValue(item)}`,
    );
  }
  const [name, duration] = parts;
  if (!(CLASS_PROPERTIES as readonly string[]).includes(name)) {
    const hint = (FIELD_PROPERTIES as readonly string[]).includes(name) ? ' (it belongs on a field)' : '';
    throw invalidAt(path, `unknown class property "${name}"${hint}; allowed: ${oneOf(CLASS_PROPERTIES)}`);
  }
  if (duration === undefined) {
    throw invalidAt(path, `"${name}" needs a duration: ["${name}", "3d"] or "${name}:3d"`);
  }
  const seconds = tryParseDuration(duration);
  if (seconds === undefined) {
    throw invalidAt(path, `${JSON.stringify(duration)} is not a duration for "${name}": ${DURATION_HELP}`);
  }
  return [name as ClassProperty, seconds];
}

/** `"name:duration"` or `["name", "duration"]` -> [name, duration?]; anything else -> undefined. */
function splitClassProperty(item: unknown): [string, string | undefined] | undefined {
  if (typeof item === 'string') {
    const colon = item.indexOf(':');
    return colon < 0 ? [item, undefined] : [item.slice(0, colon), item.slice(colon + 1)];
  }
  if (Array.isArray(item) && item.length === 2 && item.every((part) => typeof part === 'string')) {
    return [item[0] as string, item[1] as string];
  }
  return undefined;
}

function classPropertyName(item: unknown): string | undefined {
  const parts = splitClassProperty(item);
  return parts && (CLASS_PROPERTIES as readonly string[]).includes(parts[0]) ? parts[0] : undefined;
}
