/**
 * Readers that narrow `unknown` JSON to the shapes the contract parser needs. Each either returns the
 * value typed or throws a path-carrying contract error, so the parser reads as a description of the
 * format rather than a series of type checks.
 */
import { describeValue, invalidAt, oneOf, pointer } from './contract-error.js';

export type JsonObject = Readonly<Record<string, unknown>>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readObject(value: unknown, path: string, what = 'a JSON object'): JsonObject {
  if (!isJsonObject(value)) throw invalidAt(path, `must be ${what}, not ${describeValue(value)}`);
  return value;
}

export function readArray(value: unknown, path: string, what = 'an array'): readonly unknown[] {
  if (!Array.isArray(value)) throw invalidAt(path, `must be ${what}, not ${describeValue(value)}`);
  return value;
}

/** A string with at least one non-blank character (empty names and labels are always mistakes). */
export function readString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalidAt(path, `must be a string, not ${describeValue(value)}`);
  if (value.trim() === '') throw invalidAt(path, 'must not be empty');
  return value;
}

export function readBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw invalidAt(path, `must be true or false, not ${describeValue(value)}`);
  return value;
}

export function readInteger(
  value: unknown,
  path: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidAt(path, `must be a whole number from ${min} to ${max}, not ${describeValue(value)}`);
  }
  return value;
}

/** A list of non-empty strings without duplicates. */
export function readStringList(value: unknown, path: string): readonly string[] {
  const items = readArray(value, path, 'an array of strings');
  const strings = items.map((item, i) => readString(item, pointer(path, i)));
  refuseDuplicates(strings, path);
  return strings;
}

export function refuseDuplicates(values: readonly string[], path: string): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) throw invalidAt(pointer(path, i), `${JSON.stringify(value)} is listed twice`);
    seen.add(value);
  });
}

/**
 * Refuses keys outside `allowed`. Unknown keys are refused rather than ignored because a misspelt
 * keyword (`#acesscontrol`) would otherwise silently grant or deny access.
 */
export function checkKeys(
  object: JsonObject,
  path: string,
  allowed: readonly string[],
  hints: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    const hint = Object.hasOwn(hints, key) ? hints[key] : undefined;
    throw invalidAt(
      pointer(path, key),
      hint ?? `unknown key ${JSON.stringify(key)}; allowed here: ${oneOf(allowed)}`,
    );
  }
}

/** Refuses an object lacking one of `keys`; `needs` says what each key is, for the message. */
export function requireKeys(object: JsonObject, path: string, needs: Readonly<Record<string, string>>): void {
  for (const [key, what] of Object.entries(needs)) {
    if (!Object.hasOwn(object, key)) throw invalidAt(path, `needs "${key}": ${what}`);
  }
}

/** Reads an optional member with `read`, or returns `undefined` when the key is absent. */
export function optional<T>(
  object: JsonObject,
  key: string,
  path: string,
  read: (value: unknown, path: string) => T,
): T | undefined {
  return Object.hasOwn(object, key) ? read(object[key], pointer(path, key)) : undefined;
}

/** Free text (descriptions, titles): any string, empty included. */
export function readText(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalidAt(path, `must be a string, not ${describeValue(value)}`);
  return value;
}
