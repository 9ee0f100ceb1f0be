/**
 * The embedded directory store (`--store sqlite:PATH`, the default): `directory.db` for the rows and
 * `dns.db` (src/dns SqliteZoneStore) for the zone, both SQLite in WAL mode. A registration writes its
 * row, then its records: two files, so two transactions; a crash between them leaves a registered name
 * unpublished until its next registration, which is how the directory behaved before PostgreSQL.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { SqliteZoneStore } from '../../dns/index.js';
import type { StoredZone } from '../../dns/index.js';
import type { PkiIdentity, Revocation } from '../../pki/index.js';
import { openMigratedDatabase } from '../../storage/index.js';
import type {
  AccountRow,
  DirectoryStore,
  MemberRow,
  RegisterResult,
  Registration,
  ServiceRow,
  ZoneWrite,
} from './directory-store.js';
import { ACCOUNT_SERVICE_ID, revocationKey, toRevocation } from './revocation-rows.js';
import type { RevocationRecord } from './revocation-rows.js';

/** Schema versions, applied in order; `PRAGMA user_version` counts how many have run. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     account_id TEXT    PRIMARY KEY,
     address    TEXT    NOT NULL,
     port       INTEGER,
     created_at TEXT    NOT NULL,
     updated_at TEXT    NOT NULL
   );
   CREATE TABLE services (
     service_id INTEGER PRIMARY KEY,
     name       TEXT,
     version    INTEGER,
     address    TEXT,
     port       INTEGER,
     created_at TEXT    NOT NULL,
     updated_at TEXT    NOT NULL
   );
   CREATE TABLE members (
     member_id  TEXT    NOT NULL,
     service_id INTEGER NOT NULL REFERENCES services (service_id),
     address    TEXT    NOT NULL,
     port       INTEGER NOT NULL,
     updated_at TEXT    NOT NULL,
     PRIMARY KEY (member_id, service_id)
   );`,
  // Revoked identities (src/pki revocation.ts); service_id is -1 for an account.
  `CREATE TABLE revocations (
     kind       TEXT    NOT NULL CHECK (kind IN ('account', 'member')),
     id         TEXT    NOT NULL,
     service_id INTEGER NOT NULL,
     revoked_at TEXT    NOT NULL,
     revoked_by TEXT    NOT NULL,
     PRIMARY KEY (kind, id, service_id)
   );`,
];

interface AccountRecord {
  account_id: string;
  address: string;
  port: number | null;
}

interface ServiceRecord {
  service_id: number;
  name: string | null;
  version: number | null;
  address: string | null;
  port: number | null;
}

export class SqliteDirectoryStore implements DirectoryStore {
  readonly kind = 'sqlite';
  private readonly db: SqliteDatabase;
  private readonly zone: SqliteZoneStore;

  private constructor(db: SqliteDatabase, zone: SqliteZoneStore) {
    this.db = db;
    this.zone = zone;
  }

  /** Opens (creating and migrating if needed) the two databases; `:memory:` for tests. */
  static open(file: string, zoneFile = ':memory:'): SqliteDirectoryStore {
    const db = openMigratedDatabase(file, {
      what: 'the directory database',
      migrations: MIGRATIONS,
      pragmas: ['synchronous = NORMAL', 'foreign_keys = ON'],
      // Who holds which account and member names: readable by the directory's user only.
      mode: 0o600,
    });
    try {
      return new SqliteDirectoryStore(db, new SqliteZoneStore(zoneFile));
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async getAccount(accountId: string): Promise<AccountRow | undefined> {
    const row = this.db
      .prepare<[string], AccountRecord>('SELECT account_id, address, port FROM accounts WHERE account_id = ?')
      .get(accountId);
    return row ? { accountId: row.account_id, address: row.address, port: row.port ?? undefined } : undefined;
  }

  async getService(serviceId: number): Promise<ServiceRow | undefined> {
    const row = this.db
      .prepare<[number], ServiceRecord>(
        'SELECT service_id, name, version, address, port FROM services WHERE service_id = ?',
      )
      .get(serviceId);
    return row ? toServiceRow(row) : undefined;
  }

  async createService(serviceId: number, name: string | undefined): Promise<void> {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO services (service_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (service_id) DO UPDATE SET name = COALESCE(excluded.name, services.name),
           updated_at = excluded.updated_at`,
      )
      .run(serviceId, name ?? null, now, now);
  }

  async recordContractVersion(serviceId: number, version: number): Promise<void> {
    this.db
      .prepare(
        `UPDATE services SET version = MAX(COALESCE(version, -1), ?), updated_at = ? WHERE service_id = ?`,
      )
      .run(version, new Date().toISOString(), serviceId);
  }

  async listServices(): Promise<ServiceRow[]> {
    return this.db
      .prepare<[], ServiceRecord>(
        'SELECT service_id, name, version, address, port FROM services ORDER BY service_id',
      )
      .all()
      .map(toServiceRow);
  }

  async getMember(memberId: string, serviceId: number): Promise<MemberRow | undefined> {
    const row = this.db
      .prepare<[string, number], { address: string; port: number }>(
        'SELECT address, port FROM members WHERE member_id = ? AND service_id = ?',
      )
      .get(memberId, serviceId);
    return row ? { memberId, serviceId, address: row.address, port: row.port } : undefined;
  }

  async register(registration: Registration, zone: ZoneWrite): Promise<RegisterResult> {
    this.saveRow(registration);
    const changed = zone.changes.filter((change) => !zone.isUnchanged(change));
    // All of a registration's names under one serial: one change of the zone, as on PostgreSQL.
    for (const change of changed) this.zone.replace(change.name, zone.recordsAfter(change), zone.soa.serial);
    return { changed, serial: zone.soa.serial };
  }

  async loadZone(): Promise<StoredZone> {
    return this.zone.load();
  }

  async revoke(entry: Revocation): Promise<boolean> {
    const { kind, id, serviceId } = revocationKey(entry);
    const result = this.db
      .prepare(
        `INSERT INTO revocations (kind, id, service_id, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, id, service_id) DO NOTHING`,
      )
      .run(kind, id, serviceId, entry.revoked_at, entry.by);
    return result.changes > 0;
  }

  async listRevocations(): Promise<Revocation[]> {
    return this.db
      .prepare<[], RevocationRecord>(
        'SELECT kind, id, service_id, revoked_at, revoked_by FROM revocations ORDER BY revoked_at, id',
      )
      .all()
      .map(toRevocation);
  }

  async isRevoked(identity: PkiIdentity): Promise<boolean> {
    const check = this.db.prepare<[string, string, number], { n: number }>(
      'SELECT COUNT(*) AS n FROM revocations WHERE kind = ? AND id = ? AND service_id = ?',
    );
    if (
      identity.accountId !== undefined &&
      (check.get('account', identity.accountId, ACCOUNT_SERVICE_ID)?.n ?? 0) > 0
    ) {
      return true;
    }
    if (identity.memberId === undefined || identity.serviceId === undefined) return false;
    return (check.get('member', identity.memberId, identity.serviceId)?.n ?? 0) > 0;
  }

  async close(): Promise<void> {
    this.zone.close();
    if (this.db.open) this.db.close();
  }

  private saveRow(registration: Registration): void {
    const now = new Date().toISOString();
    switch (registration.kind) {
      case 'account': {
        const { accountId, address, port } = registration.row;
        this.db
          .prepare(
            `INSERT INTO accounts (account_id, address, port, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (account_id) DO UPDATE SET address = excluded.address, port = excluded.port,
               updated_at = excluded.updated_at`,
          )
          .run(accountId, address, port ?? null, now, now);
        return;
      }
      case 'service': {
        const row = registration.row;
        this.db
          .prepare(
            `UPDATE services SET name = ?, version = ?, address = ?, port = ?, updated_at = ? WHERE service_id = ?`,
          )
          .run(
            row.name ?? null,
            row.version ?? null,
            row.address ?? null,
            row.port ?? null,
            now,
            row.serviceId,
          );
        return;
      }
      case 'member': {
        const { memberId, serviceId, address, port } = registration.row;
        this.db
          .prepare(
            `INSERT INTO members (member_id, service_id, address, port, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (member_id, service_id) DO UPDATE SET address = excluded.address, port = excluded.port,
               updated_at = excluded.updated_at`,
          )
          .run(memberId, serviceId, address, port, now);
        return;
      }
      case 'zone':
        return;
    }
  }
}

function toServiceRow(row: ServiceRecord): ServiceRow {
  return {
    serviceId: row.service_id,
    name: row.name ?? undefined,
    version: row.version ?? undefined,
    address: row.address ?? undefined,
    port: row.port ?? undefined,
  };
}
