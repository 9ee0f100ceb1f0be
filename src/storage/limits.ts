/**
 * Limits of the storage layer. They bound the work one request can make a pod do (spec §7 paging, the
 * regex and glob filters) and are shared by every backend so that pods answer alike.
 */

/** Records per page when a query gives no `first`. */
export const DEFAULT_PAGE_SIZE = 20;

/** Greatest `first` a query may ask for; more is refused rather than silently cut. */
export const MAX_PAGE_SIZE = 100;

/**
 * Longest `regex` or `glob` pattern accepted in a filter. Both matchers take time linear in the value
 * for a given pattern (regexes run on RE2JS, the glob matcher is O(n·m)); the cap bounds the pattern's
 * own cost (RE2 compiles it to an automaton) and what one query can make a pod cache.
 */
export const MAX_PATTERN_LENGTH = 256;

/** Most values in one `in` / `nin` list (SQLite binds each as a parameter). */
export const MAX_FILTER_LIST_LENGTH = 1000;

/**
 * Longest signature (a compact JWS) stored with a record. A record's JWS carries a header, the payload
 * and the signature, each base64url; 8192 characters is far above what an ES256/RS256 JWS over a
 * record needs while bounding what a remote pod can make us keep.
 */
export const MAX_SIGNATURE_LENGTH = 8192;

/** Longest key of a membership's state value (`DataStore.getState`). */
export const MAX_STATE_KEY_LENGTH = 256;
/** Longest state value: a few cursors' worth, not a second data store. */
export const MAX_STATE_VALUE_LENGTH = 4096;
