/**
 * Opening the directory's store from `--store` (src/storage store-url.ts) and the zone that answers
 * from it: on SQLite the zone file is the store's, on PostgreSQL the zone in memory is a snapshot of
 * PowerDNS's `records` rows, loaded at start only when the built-in DNS server runs.
 */
import { DEFAULT_INFRASTRUCTURE_TTL, Zone } from '../../dns/index.js';
import type { StoredRecord, StoredZone, ZoneStore } from '../../dns/index.js';
import { ByodaError } from '../../errors/index.js';
import type { StoreLocation } from '../../storage/index.js';
import type { DirectoryStore } from './directory-store.js';
import { PostgresDirectoryStore } from './postgres-directory-store.js';
import { SqliteDirectoryStore } from './sqlite-directory-store.js';

export interface OpenedDirectoryStore {
  readonly store: DirectoryStore;
  readonly zone: Zone;
}

/**
 * `location` is where the rows go; `dnsDatabase` is the SQLite zone file (`dns.db` next to the
 * directory database); `loadZone`: whether the zone in memory must hold every record (built-in DNS).
 */
export async function openDirectoryStore(
  network: string,
  location: StoreLocation,
  dnsDatabase: string,
  loadZone: boolean,
): Promise<OpenedDirectoryStore> {
  if (location.kind === 'sqlite') {
    const store = SqliteDirectoryStore.open(location.path, dnsDatabase);
    try {
      // The zone reads the same file the store writes; it never writes itself (the registrar does).
      const zone = new Zone({ domain: network, store: new SnapshotZoneStore(await store.loadZone()) });
      return { store, zone };
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  const template = new Zone({ domain: network });
  const store = await PostgresDirectoryStore.open(location.url, {
    domain: template.domain,
    soa: template.soa().data,
    nameServer: template.nameServer,
    ttl: DEFAULT_INFRASTRUCTURE_TTL,
  });
  try {
    const snapshot = loadZone ? await store.loadZone() : { records: [], serial: undefined };
    return { store, zone: new Zone({ domain: network, store: new SnapshotZoneStore(snapshot) }) };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** What the zone loads at start; its writes go through the directory store instead (registrar.ts). */
class SnapshotZoneStore implements ZoneStore {
  private readonly snapshot: StoredZone;

  constructor(snapshot: StoredZone) {
    this.snapshot = snapshot;
  }

  load(): StoredZone {
    return this.snapshot;
  }

  replace(name: string, _records: readonly StoredRecord[], _serial: number): void {
    throw new ByodaError('BYODA_ERR_DNS', `${name} must be published through the directory store`, {
      status: 500,
    });
  }

  close(): void {
    // The directory store owns the database.
  }
}
