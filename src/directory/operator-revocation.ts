/**
 * The operator's revocation (docs/operations.md, "Revocation"): whoever holds the directory's data
 * folder (and, on PostgreSQL, its `--store` URL) adds an account or a membership to the revocation
 * list, without the API and without the certificate of the one revoked. The row goes into the
 * directory's store, which a running directory reads per request, so it takes effect at once at the
 * directory and at the pods' next fetch of the list.
 */
import { access } from 'node:fs/promises';
import { ByodaError } from '../errors/index.js';
import { isUuidV4, readRootCaCert } from '../pki/index.js';
import type { Revocation } from '../pki/index.js';
import { parseStoreUrl } from '../storage/index.js';
import type { StoreLocation } from '../storage/index.js';
import { directoryPaths } from './data-dir.js';
import { openDirectoryStore } from './store/open-directory-store.js';

export type RevocationTarget =
  | { readonly kind: 'account'; readonly accountId: string }
  | { readonly kind: 'member'; readonly memberId: string; readonly serviceId: number };

/**
 * Adds the revocation; resolves with the entry and whether it is new (false: it was revoked already).
 * `store`: the directory's `--store` URL; default its SQLite file in `dataDir`.
 */
export async function revokeAsOperator(
  dataDir: string,
  target: RevocationTarget,
  store?: string,
): Promise<{ revocation: Revocation; added: boolean }> {
  const paths = directoryPaths(dataDir);
  const id = target.kind === 'account' ? target.accountId : target.memberId;
  if (!isUuidV4(id)) throw new ByodaError('BYODA_ERR_BAD_REQUEST', `'${id}' is not a UUID v4`);
  const location: StoreLocation =
    store === undefined ? { kind: 'sqlite', path: paths.database } : parseStoreUrl(store);
  if (location.kind === 'sqlite') {
    // Never create a database: a mistyped folder is an error, not an empty network.
    await access(location.path).catch((cause: unknown) => {
      throw new ByodaError('BYODA_ERR_CONFIG', `no directory database at ${location.path}`, { cause });
    });
  }
  const { network } = await readRootCaCert(paths.pkiDir);
  const revokedAt = new Date().toISOString();
  const revocation: Revocation =
    target.kind === 'account'
      ? { kind: 'account', account_id: id.toLowerCase(), revoked_at: revokedAt, by: 'operator' }
      : {
          kind: 'member',
          member_id: id.toLowerCase(),
          service_id: target.serviceId,
          revoked_at: revokedAt,
          by: 'operator',
        };
  // The zone is not loaded: a revocation writes no DNS record.
  const opened = await openDirectoryStore(network, location, ':memory:', false);
  try {
    return { revocation, added: await opened.store.revoke(revocation) };
  } finally {
    await opened.store.close();
  }
}
