/**
 * Which search index a service opens (`byoda service start --store URL`, src/storage store-url.ts):
 * `sqlite:PATH`, by default `<data>/search.db` as before the option existed, or `postgres://...`.
 */
import { parseStoreUrl } from '../../storage/index.js';
import type { StoreLocation } from '../../storage/index.js';
import { PostgresSearchIndex } from './postgres-search-index.js';
import type { SearchIndex } from './search-index.js';
import { SqliteSearchIndex } from './sqlite-search-index.js';

/** `store` as given (undefined: the default file `defaultFile`); a bad URL is one clear error. */
export function searchStoreLocation(store: string | undefined, defaultFile: string): StoreLocation {
  return store === undefined ? { kind: 'sqlite', path: defaultFile } : parseStoreUrl(store);
}

export async function openSearchIndex(location: StoreLocation, serviceId: number): Promise<SearchIndex> {
  return location.kind === 'sqlite'
    ? new SqliteSearchIndex(location.path)
    : PostgresSearchIndex.open(location.url, serviceId);
}
