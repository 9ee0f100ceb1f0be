/**
 * What the directory remembers (`<data>/directory.db`, SQLite in WAL mode): which accounts and services
 * exist, and where each account, service and membership was last registered. An account or service
 * that exists may only be re-registered by its own certificate holder, so this table is what makes
 * "first come, first served" hold across restarts. DNS records live in the zone's own store.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { PkiIdentity, Revocation, RevokedBy } from '../pki/index.js';
import { openMigratedDatabase } from '../storage/index.js';

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
  // Revoked identities (src/pki revocation.ts): service_id is -1 for an account.
  `CREATE TABLE revocations (
     kind       TEXT    NOT NULL CHECK (kind IN ('account', 'member')),
     id         TEXT    NOT NULL,
     service_id INTEGER NOT NULL,
     revoked_at TEXT    NOT NULL,
     revoked_by TEXT    NOT NULL,
     PRIMARY KEY (kind, id, service_id)
   );`,
];

export interface AccountRow {
  readonly accountId: string;
  readonly address: string;
  readonly port: number | undefined;
}

export interface ServiceRow {
  readonly serviceId: number;
  readonly name: string | undefined;
  readonly version: number | undefined;
  readonly address: string | undefined;
  readonly port: number | undefined;
}

export interface MemberRow {
  readonly memberId: string;
  readonly serviceId: number;
  readonly address: string;
  readonly port: number;
}

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

export class DirectoryStore {
  private readonly db: SqliteDatabase;

  private constructor(db: SqliteDatabase) {
    this.db = db;
  }

  /** Opens (creating and migrating if needed) the database at `file`; `:memory:` for tests. */
  static open(file: string): DirectoryStore {
    return new DirectoryStore(
      openMigratedDatabase(file, {
        what: 'the directory database',
        migrations: MIGRATIONS,
        pragmas: ['synchronous = NORMAL', 'foreign_keys = ON'],
        // Who holds which account and member names: readable by the directory's user only.
        mode: 0o600,
      }),
    );
  }

  getAccount(accountId: string): AccountRow | undefined {
    const row = this.db
      .prepare<[string], AccountRecord>('SELECT account_id, address, port FROM accounts WHERE account_id = ?')
      .get(accountId);
    return row ? { accountId: row.account_id, address: row.address, port: row.port ?? undefined } : undefined;
  }

  /** Creates the account or updates its address and port. */
  saveAccount(account: AccountRow): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO accounts (account_id, address, port, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET address = excluded.address, port = excluded.port,
           updated_at = excluded.updated_at`,
      )
      .run(account.accountId, account.address, account.port ?? null, now, now);
  }

  getService(serviceId: number): ServiceRow | undefined {
    const row = this.db
      .prepare<[number], ServiceRecord>(
        'SELECT service_id, name, version, address, port FROM services WHERE service_id = ?',
      )
      .get(serviceId);
    return row ? toServiceRow(row) : undefined;
  }

  /** Records that a service id is taken (its CA was signed); a name given later replaces this one. */
  createService(serviceId: number, name: string | undefined): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO services (service_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (service_id) DO UPDATE SET name = COALESCE(excluded.name, services.name),
           updated_at = excluded.updated_at`,
      )
      .run(serviceId, name ?? null, now, now);
  }

  /** The service's published name, contract version and address. */
  updateService(row: ServiceRow): void {
    this.db
      .prepare(
        `UPDATE services SET name = ?, version = ?, address = ?, port = ?, updated_at = ? WHERE service_id = ?`,
      )
      .run(
        row.name ?? null,
        row.version ?? null,
        row.address ?? null,
        row.port ?? null,
        new Date().toISOString(),
        row.serviceId,
      );
  }

  /**
   * Remember the newest contract version the network countersigned. An older version signed again (a
   * service re-publishing its history) does not make the listing go back.
   */
  recordContractVersion(serviceId: number, version: number): void {
    this.db
      .prepare(
        `UPDATE services SET version = MAX(COALESCE(version, -1), ?), updated_at = ? WHERE service_id = ?`,
      )
      .run(version, new Date().toISOString(), serviceId);
  }

  listServices(): ServiceRow[] {
    return this.db
      .prepare<[], ServiceRecord>(
        'SELECT service_id, name, version, address, port FROM services ORDER BY service_id',
      )
      .all()
      .map(toServiceRow);
  }

  saveMember(member: MemberRow): void {
    this.db
      .prepare(
        `INSERT INTO members (member_id, service_id, address, port, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (member_id, service_id) DO UPDATE SET address = excluded.address, port = excluded.port,
           updated_at = excluded.updated_at`,
      )
      .run(member.memberId, member.serviceId, member.address, member.port, new Date().toISOString());
  }

  getMember(memberId: string, serviceId: number): MemberRow | undefined {
    const row = this.db
      .prepare<[string, number], { address: string; port: number }>(
        'SELECT address, port FROM members WHERE member_id = ? AND service_id = ?',
      )
      .get(memberId, serviceId);
    return row ? { memberId, serviceId, address: row.address, port: row.port } : undefined;
  }

  /** Adds the revocation; revoking again keeps the first one (and says so: false). */
  revoke(entry: Revocation): boolean {
    const [id, serviceId] =
      entry.kind === 'account' ? [entry.account_id, -1] : [entry.member_id, entry.service_id];
    const result = this.db
      .prepare(
        `INSERT INTO revocations (kind, id, service_id, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, id, service_id) DO NOTHING`,
      )
      .run(entry.kind, id, serviceId, entry.revoked_at, entry.by);
    return result.changes > 0;
  }

  listRevocations(): Revocation[] {
    return this.db
      .prepare<[], RevocationRecord>(
        'SELECT kind, id, service_id, revoked_at, revoked_by FROM revocations ORDER BY revoked_at, id',
      )
      .all()
      .map(toRevocation);
  }

  isRevoked(identity: PkiIdentity): boolean {
    const check = this.db.prepare<[string, string, number], { n: number }>(
      'SELECT COUNT(*) AS n FROM revocations WHERE kind = ? AND id = ? AND service_id = ?',
    );
    if (identity.accountId !== undefined && (check.get('account', identity.accountId, -1)?.n ?? 0) > 0) {
      return true;
    }
    if (identity.memberId === undefined || identity.serviceId === undefined) return false;
    return (check.get('member', identity.memberId, identity.serviceId)?.n ?? 0) > 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface RevocationRecord {
  kind: 'account' | 'member';
  id: string;
  service_id: number;
  revoked_at: string;
  revoked_by: RevokedBy;
}

function toRevocation(row: RevocationRecord): Revocation {
  return row.kind === 'account'
    ? { kind: 'account', account_id: row.id, revoked_at: row.revoked_at, by: row.revoked_by }
    : {
        kind: 'member',
        member_id: row.id,
        service_id: row.service_id,
        revoked_at: row.revoked_at,
        by: row.revoked_by,
      };
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
