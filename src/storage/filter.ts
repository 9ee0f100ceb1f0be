/**
 * Filters of spec §7: per field an object of operator -> value, several operators and several fields
 * combining with AND. A filter is checked against its class once (`parseFilter`), then either compiled
 * to a parameterised SQL condition (`compileFilter`) or evaluated in memory (`evaluateFilter`, used by
 * the tests and by federation to filter merged results). Both give the same answer for every record.
 *
 * Absent values: `eq`, `in`, ordering, `glob` and `regex` never match a record without a value for the
 * field; `ne` and `nin` do (a missing value is not equal to anything).
 */
import { RE2JS } from 're2js';
import type { DataClass, ScalarType } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { globMatch } from './glob.js';
import { MAX_FILTER_LIST_LENGTH, MAX_PATTERN_LENGTH } from './limits.js';
import { canonicalScalar, describeScalar, type ScalarValue } from './scalars.js';
import { isPlainObject } from './values.js';
import type { DataRecord } from './types.js';

export const FILTER_OPERATORS = [
  'eq',
  'ne',
  'in',
  'nin',
  'glob',
  'regex',
  'lt',
  'gt',
  'le',
  'ge',
  'at',
  'after',
  'before',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** Operators allowed per scalar type (spec §7; booleans, which the spec leaves out, get `eq ne`). */
export const OPERATORS_BY_SCALAR: Readonly<Record<ScalarType, readonly FilterOperator[]>> = {
  string: ['eq', 'ne', 'in', 'nin', 'glob', 'regex'],
  integer: ['eq', 'ne', 'lt', 'gt', 'le', 'ge'],
  number: ['eq', 'ne', 'lt', 'gt', 'le', 'ge'],
  'date-time': ['at', 'after', 'before'],
  uuid: ['eq', 'ne', 'in'],
  boolean: ['eq', 'ne'],
};

/** A filter as a caller gives it: `{ field: { operator: value } }`. Null values are ignored. */
export type FilterInput = Readonly<Record<string, Readonly<Partial<Record<FilterOperator, unknown>>> | null>>;

type ListOperator = 'in' | 'nin';
type SingleOperator = Exclude<FilterOperator, ListOperator>;

interface ListCondition {
  readonly field: string;
  readonly scalar: ScalarType;
  readonly op: ListOperator;
  readonly values: readonly ScalarValue[];
}

interface SingleCondition {
  readonly field: string;
  readonly scalar: ScalarType;
  readonly op: SingleOperator;
  readonly value: ScalarValue;
}

/** One checked condition, its value(s) in canonical form (see scalars.ts). */
export type Condition = ListCondition | SingleCondition;

function isListCondition(c: Condition): c is ListCondition {
  return c.op === 'in' || c.op === 'nin';
}

/** A filter checked against one class: the AND of its conditions (none = every record). */
export interface ValidFilter {
  readonly className: string;
  readonly conditions: readonly Condition[];
}

function filterError(message: string): ByodaError {
  return new ByodaError('BYODA_ERR_FILTER', message);
}

/** A compiled `regex` filter pattern. */
export interface RegexMatcher {
  /** Whether the pattern matches some part of `value` (as `RegExp.test` without flags). */
  test(value: string): boolean;
}

const regexCache = new Map<string, RegexMatcher>();
const REGEX_CACHE_SIZE = 64;

/**
 * Compiles a regex filter pattern, the same way for SQL and in memory. The syntax is RE2's (no
 * backreferences, no lookaround), matched by RE2JS in time linear in the value's length: a pattern
 * comes from whoever sends a query, possibly another pod, and a backtracking engine (JavaScript's
 * RegExp) can be made to spin for hours on a short one. Compiled patterns are cached because SQLite
 * calls the function once per row.
 */
export function compileRegex(pattern: string): RegexMatcher {
  let regex = regexCache.get(pattern);
  if (!regex) {
    regex = RE2JS.compile(pattern);
    if (regexCache.size >= REGEX_CACHE_SIZE) regexCache.clear();
    regexCache.set(pattern, regex);
  }
  return regex;
}

function checkPattern(where: string, op: 'glob' | 'regex', pattern: ScalarValue): void {
  const text = pattern as string;
  if (text.length > MAX_PATTERN_LENGTH) {
    throw filterError(`${where}: pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  if (op === 'glob' && text.includes('\0')) throw filterError(`${where}: NUL character in pattern`);
  if (op === 'regex') {
    try {
      compileRegex(text);
    } catch {
      throw filterError(`${where}: not a valid regular expression (RE2 syntax)`);
    }
  }
}

function checkValue(where: string, scalar: ScalarType, value: unknown): ScalarValue {
  const canonical = canonicalScalar(scalar, value);
  if (canonical === undefined) throw filterError(`${where}: expected ${describeScalar(scalar)}`);
  return canonical;
}

function checkCondition(field: string, scalar: ScalarType, op: FilterOperator, raw: unknown): Condition {
  const where = `filter on '${field}', operator '${op}'`;
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(raw)) throw filterError(`${where}: expected a list`);
    if (raw.length > MAX_FILTER_LIST_LENGTH) {
      throw filterError(`${where}: more than ${MAX_FILTER_LIST_LENGTH} values`);
    }
    return { field, scalar, op, values: raw.map((v: unknown) => checkValue(where, scalar, v)) };
  }
  const value = checkValue(where, scalar, raw);
  if (op === 'glob' || op === 'regex') checkPattern(where, op, value);
  return { field, scalar, op, value };
}

function isOperator(name: string): name is FilterOperator {
  return (FILTER_OPERATORS as readonly string[]).includes(name);
}

/**
 * Checks `input` against `cls`: known, scalar fields only; operators allowed for the field's type;
 * values of the field's type. Throws BYODA_ERR_FILTER naming the field and operator at fault.
 */
export function parseFilter(cls: DataClass, input: unknown): ValidFilter {
  if (input === undefined || input === null) return { className: cls.name, conditions: [] };
  if (!isPlainObject(input)) throw filterError(`filter for '${cls.name}' must be an object`);
  const conditions: Condition[] = [];
  for (const [fieldName, ops] of Object.entries(input)) {
    const field = cls.fields.find((f) => f.name === fieldName);
    if (!field) throw filterError(`filter on unknown field '${fieldName}' of '${cls.name}'`);
    if (field.type.kind !== 'scalar') {
      throw filterError(`filter on '${fieldName}': ${field.type.kind} fields cannot be filtered`);
    }
    if (ops === undefined || ops === null) continue;
    if (!isPlainObject(ops)) throw filterError(`filter on '${fieldName}' must be an object of operators`);
    const scalar = field.type.scalar;
    for (const [op, raw] of Object.entries(ops)) {
      if (!isOperator(op) || !OPERATORS_BY_SCALAR[scalar].includes(op)) {
        throw filterError(`filter on '${fieldName}': operator '${op}' is not allowed on a ${scalar} field`);
      }
      // GraphQL passes an explicit null for an input field the client set to null: "no condition".
      if (raw === undefined || raw === null) continue;
      conditions.push(checkCondition(fieldName, scalar, op, raw));
    }
  }
  return { className: cls.name, conditions };
}

// ---------------------------------------------------------------------------------------------------
// SQL

/** A value SQLite can bind. */
export type SqlParam = string | number | null;

/** A WHERE condition (without the keyword) and its parameters, in order. */
export interface SqlCondition {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** `"name"`: identifiers come only from the contract, and are quoted so that any name is inert. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function toSqlParam(value: ScalarValue): SqlParam {
  return typeof value === 'boolean' ? Number(value) : value;
}

const COMPARISONS: Readonly<Partial<Record<SingleOperator, string>>> = {
  eq: '=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
  at: '=',
  after: '>',
  before: '<',
  // date-times are canonical fixed-width text (scalars.ts), so text order is time order
};

function compileCondition(c: Condition): SqlCondition {
  const col = quoteIdentifier(c.field);
  if (isListCondition(c)) {
    const marks = c.values.map(() => '?').join(', ');
    const params = c.values.map(toSqlParam);
    if (c.op === 'in')
      return c.values.length === 0 ? { sql: '0', params: [] } : { sql: `${col} IN (${marks})`, params };
    return c.values.length === 0
      ? { sql: '1', params: [] }
      : { sql: `(${col} IS NULL OR ${col} NOT IN (${marks}))`, params };
  }
  const param = toSqlParam(c.value);
  switch (c.op) {
    case 'ne':
      return { sql: `${col} IS NOT ?`, params: [param] };
    case 'glob':
      return { sql: `${col} GLOB ?`, params: [param] };
    case 'regex':
      return { sql: `${col} REGEXP ?`, params: [param] };
    default:
      return { sql: `${col} ${COMPARISONS[c.op] ?? '='} ?`, params: [param] };
  }
}

/**
 * The filter as `cond AND cond ...` with `?` parameters; `1` when it has no conditions. `REGEXP` needs
 * the backend to register a `regexp(pattern, value)` function that uses `compileRegex`.
 */
export function compileFilter(filter: ValidFilter): SqlCondition {
  if (filter.conditions.length === 0) return { sql: '1', params: [] };
  const parts = filter.conditions.map(compileCondition);
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}

// ---------------------------------------------------------------------------------------------------
// In memory

function holds(c: Condition, value: ScalarValue | undefined): boolean {
  if (isListCondition(c)) {
    const listed = value !== undefined && c.values.includes(value);
    return c.op === 'in' ? listed : !listed;
  }
  if (c.op === 'ne') return value !== c.value;
  if (value === undefined) return false;
  switch (c.op) {
    case 'eq':
    case 'at':
      return value === c.value;
    case 'lt':
    case 'before':
      return value < c.value;
    case 'gt':
    case 'after':
      return value > c.value;
    case 'le':
      return value <= c.value;
    case 'ge':
      return value >= c.value;
    case 'glob':
      return globMatch(c.value as string, value as string);
    case 'regex':
      return compileRegex(c.value as string).test(value as string);
  }
}

/**
 * True when `record` satisfies every condition. Record values are brought to canonical form first, so
 * records from other pods (upper-case uuids, date-times with offsets) compare as stored ones do; a value
 * that is not of the field's type counts as absent.
 */
export function evaluateFilter(filter: ValidFilter, record: DataRecord): boolean {
  return filter.conditions.every((c) => {
    const raw = Object.hasOwn(record, c.field) ? record[c.field] : undefined;
    return holds(c, raw === undefined || raw === null ? undefined : canonicalScalar(c.scalar, raw));
  });
}
