/**
 * What the service's search (spec §4, §6) may index and how it matches, as pure functions over the
 * contract: a field is searchable when its effective rules grant `search` to the service (never
 * `read`: reference.md, "the email has search"), and the grant's `match` (`exact`, or our `prefix`) and
 * `casesensitive` decide how a query value meets a stored one. The pod applies the same rule when it
 * answers the service (src/pod/search/search-data.ts); the service checks again, so that it never indexes a
 * field the contract it publishes does not make searchable.
 */
import type { Contract, DataClass, Field, SearchMatch } from '../contract/index.js';
import { fieldDecision } from '../firewall/index.js';

/** Where pods serve a membership's search data (our choice, docs/protocol.md "Search"). */
export const searchDataPath = (serviceId: number): string => `/api/v1/pod/search-data/service-${serviceId}`;

/** Longest value a query may give (spec §4 leaves it open; 256 covers an email address, RFC 5321). */
export const MAX_QUERY_VALUE_LENGTH = 256;

/** Longest value indexed; a longer one is skipped (nobody searches for a whole text). */
export const MAX_INDEXED_VALUE_LENGTH = 1024;

/** A searchable field with the grant's matching rules (defaults filled in by the contract parser). */
export interface SearchableField {
  readonly field: Field;
  readonly match: SearchMatch;
  readonly caseSensitive: boolean;
}

/**
 * The grant of `search` to the service on a top-level scalar field of `cls`, or undefined. Only
 * scalars: an object or array value has no single text to compare. An obsolete class or field is not
 * served, so it is not searchable either.
 */
export function searchGrant(cls: DataClass, field: Field, serviceId: number): SearchableField | undefined {
  if (cls.obsolete || field.type.kind !== 'scalar') return undefined;
  const decision = fieldDecision(field, 'search', { kind: 'service', serviceId });
  if (!decision.allowed || !decision.grant) return undefined;
  const { match, caseSensitive } = decision.grant.permission;
  return { field, match: match ?? 'exact', caseSensitive: caseSensitive ?? false };
}

/** Every searchable field of `cls`, in contract order. */
export function searchableFields(cls: DataClass, serviceId: number): readonly SearchableField[] {
  return cls.fields.flatMap((field) => searchGrant(cls, field, serviceId) ?? []);
}

/** The classes of `contract` with at least one searchable field, each with those fields. */
export function searchableClasses(contract: Contract): ReadonlyMap<string, readonly SearchableField[]> {
  const classes = new Map<string, readonly SearchableField[]>();
  for (const cls of contract.classes) {
    const fields = searchableFields(cls, contract.serviceId);
    if (fields.length > 0) classes.set(cls.name, fields);
  }
  return classes;
}

/**
 * The text a scalar value is indexed and compared as: strings as given, finite numbers in JavaScript's
 * shortest decimal form, booleans as `true`/`false`; anything else (null, objects) has none.
 */
export function searchText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return undefined;
}

/**
 * The case-insensitive form of a text: Unicode NFC (so that a precomposed and a combining `é` are one)
 * then lower case. Case-sensitive matching compares the texts as given.
 */
export function foldText(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/** Whether a stored text matches a query value under a grant's rules (the SQL does the same). */
export function matchesValue(
  stored: string,
  query: string,
  rules: Pick<SearchableField, 'match' | 'caseSensitive'>,
): boolean {
  const [have, want] = rules.caseSensitive ? [stored, query] : [foldText(stored), foldText(query)];
  return rules.match === 'prefix' ? have.startsWith(want) : have === want;
}
