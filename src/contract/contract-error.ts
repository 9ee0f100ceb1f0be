/**
 * Errors of an invalid contract. Each one carries the JSON pointer (RFC 6901) of the fault, both in
 * `path` (for programs) and in the message (for people reading a log line without the structure).
 */
import { ByodaError } from '../errors/index.js';

/** Appends keys to a JSON pointer, escaping `~` and `/` as RFC 6901 requires. */
export function pointer(base: string, ...keys: readonly (string | number)[]): string {
  return keys.reduce<string>(
    (path, key) => `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`,
    base,
  );
}

/** A `BYODA_ERR_CONTRACT_PATH` error: `what` says what is wrong and, where it helps, what is allowed. */
export function invalidAt(path: string, what: string): ByodaError {
  return new ByodaError('BYODA_ERR_CONTRACT_PATH', `invalid contract at ${path || '/'}: ${what}`, { path });
}

/** A short, safe description of a JSON value for messages: `"objet"`, `42`, `an array`, ... */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}

/** `"a", "b" or "c"`: the allowed values in a message. */
export function oneOf(values: readonly string[]): string {
  const quoted = values.map((v) => `"${v}"`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}
