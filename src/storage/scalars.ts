/**
 * Canonical forms of the contract's scalar types. Values are stored and compared in these forms, so that
 * equality and ordering mean the same in SQL, in memory (`evaluateFilter`) and across pods.
 */
import type { ScalarType } from '../contract/index.js';

/** A scalar in canonical form. */
export type ScalarValue = string | number | boolean;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lower-case UUID, or undefined when `value` is not a UUID string. */
export function canonicalUuid(value: unknown): string | undefined {
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : undefined;
}

// RFC 3339 date-time: seconds required, any fraction (cut to milliseconds), `Z` or a numeric offset.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/i;
// The canonical form is fixed-width, so that comparing the text orders by time (years 0000-9999 only).
const CANONICAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC), or undefined when `value` is not a valid date-time string or Date.
 * Checked field by field because `Date.parse` silently rolls over impossible dates (Feb 30 -> Mar 1).
 */
export function canonicalDateTime(value: unknown): string | undefined {
  if (value instanceof Date) return canonicalFromMillis(value.getTime());
  if (typeof value !== 'string') return undefined;
  // Stored values come back canonical (every date-time on a page is re-checked on output): when the
  // text is already canonical, it is valid exactly if it survives a round trip, since Date.parse rolls
  // impossible dates (Feb 30) and 24:00 over to other text.
  if (CANONICAL_DATE_TIME.test(value)) {
    const millis = Date.parse(value);
    return Number.isFinite(millis) && new Date(millis).toISOString() === value ? value : undefined;
  }
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHours = Number(m[9] ?? 0);
  const offsetMinutes = Number(m[10] ?? 0);
  const inRange =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!inRange) return undefined;
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const sign = m[8] === '-' ? -1 : 1;
  return canonicalFromMillis(date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
}

function canonicalFromMillis(millis: number): string | undefined {
  if (!Number.isFinite(millis)) return undefined;
  const text = new Date(millis).toISOString();
  return CANONICAL_DATE_TIME.test(text) ? text : undefined;
}

// A lone surrogate cannot be encoded as UTF-8: SQLite would store U+FFFD instead, losing the value.
const LONE_SURROGATE = /\p{Surrogate}/u;

export function isWellFormedString(value: unknown): value is string {
  return typeof value === 'string' && !LONE_SURROGATE.test(value);
}

/**
 * The canonical form of `value` as a `scalar`, or undefined if it is not one. `-0` becomes `0` because
 * neither JSON nor SQLite keeps the sign of zero.
 */
export function canonicalScalar(scalar: ScalarType, value: unknown): ScalarValue | undefined {
  switch (scalar) {
    case 'string':
      return isWellFormedString(value) ? value : undefined;
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? value + 0 : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value + 0 : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'uuid':
      return canonicalUuid(value);
    case 'date-time':
      return canonicalDateTime(value);
  }
}

/** Words for error messages: "expected <article + type>". */
export function describeScalar(scalar: ScalarType): string {
  switch (scalar) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a finite number';
    case 'boolean':
      return 'a boolean';
    case 'uuid':
      return 'a UUID';
    case 'date-time':
      return 'an ISO 8601 date-time with a time zone';
  }
}
