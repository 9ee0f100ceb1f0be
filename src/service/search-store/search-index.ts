/**
 * The service's search index behind one async interface with two backends (`--store URL`): per member,
 * the values of the fields its pod exposes with `search` (spec §4, §6), as given and folded for
 * case-insensitive matching. It is a copy that the collector (search-collector.ts) rebuilds from the
 * pods, never the source of anything: an empty index (a new store, a deleted `search.db`) fills again
 * at the next collection. A member's rows are replaced in one transaction on both backends, so a search
 * sees a member's old values or its new ones, never a mix.
 */
import type { SearchMatch } from '../../contract/index.js';

/** One indexed value of a member. */
export interface SearchRow {
  readonly className: string;
  readonly field: string;
  readonly value: string;
}

export interface SearchQuery {
  readonly className: string;
  readonly field: string;
  readonly value: string;
  readonly match: SearchMatch;
  readonly caseSensitive: boolean;
  /** Most member ids returned. */
  readonly limit: number;
}

export interface SearchIndex {
  /** `sqlite` or `postgres`: which backend, for logs and the service's ready line. */
  readonly kind: 'sqlite' | 'postgres';
  /** Replaces everything indexed for `memberId` with `rows` (one transaction). */
  replaceMember(memberId: string, contractVersion: number, rows: readonly SearchRow[]): Promise<void>;
  /** When `memberId`'s values were last collected (ISO 8601), or undefined if it is not indexed. */
  collectedAt(memberId: string): Promise<string | undefined>;
  /** Forgets `memberId` (its pod no longer has the membership); true when it was indexed. */
  removeMember(memberId: string): Promise<boolean>;
  /**
   * Member ids with a value of `className.field` matching `value` under the grant's rules
   * (search-values.ts `matchesValue`), in member id order (code point order on both backends).
   */
  find(query: SearchQuery): Promise<string[]>;
  /** How many values are indexed for `memberId`. */
  valueCount(memberId: string): Promise<number>;
  close(): Promise<void>;
}
