/**
 * Where a server keeps its state, as one URL (`--store`): `sqlite:PATH` (embedded, the default) or
 * `postgres://user:password@host:port/database` (also `postgresql://`).
 */
import { ByodaError } from '../errors/index.js';

export type StoreLocation =
  { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string };

/** Parses a `--store` value; `field` names it in the error (e.g. `--store`). */
export function parseStoreUrl(value: string, field = '--store'): StoreLocation {
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length);
    if (path === '') throw badStore(field, 'sqlite: needs a path, e.g. sqlite:/var/lib/byoda/directory.db');
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw badStore(field, 'is not a valid postgres:// URL');
    }
    if (parsed.pathname === '' || parsed.pathname === '/') {
      throw badStore(
        field,
        'a postgres:// URL must name its database, e.g. postgres://byoda@localhost/byoda',
      );
    }
    return { kind: 'postgres', url: value };
  }
  throw badStore(field, 'must start with sqlite: or postgres://');
}

function badStore(field: string, message: string): ByodaError {
  return new ByodaError('BYODA_ERR_CONFIG', `${field} ${message}`, { path: field });
}
