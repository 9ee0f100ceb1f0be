/**
 * The directory on PostgreSQL (`--store postgres://...`): the rows in `byoda_*` tables and the zone in
 * PowerDNS's own `domains` and `records` tables, so that a `pdns_server` with `launch=gpgsql` on the same
 * database serves the network's names. A registration's row, its records and the SOA serial change in
 * one transaction: PowerDNS never sees a member without its address or a new address under an old serial.
 */
import { fromPdnsRow, nextSerial, soaContent, soaSerialOf, toPdnsRow } from '../../dns/index.js';
import type { PdnsRow, SoaData, StoredRecord, StoredZone, ZoneChange } from '../../dns/index.js';
import { ByodaError } from '../../errors/index.js';
import type { PkiIdentity, Revocation } from '../../pki/index.js';
import { migrate, openPool, withTransaction } from '../../storage/index.js';
import type { Pool, PoolClient } from '../../storage/index.js';
import type {
  AccountRow,
  DirectoryStore,
  MemberRow,
  RegisterResult,
  Registration,
  ServiceRow,
  ZoneWrite,
} from './directory-store.js';
import { DIRECTORY_MIGRATIONS } from './postgres-schema.js';
import { ACCOUNT_SERVICE_ID, revocationKey, toRevocation } from './revocation-rows.js';
import type { RevocationRecord } from './revocation-rows.js';

/** The zone's apex records, written once when the domain is created. */
export interface ZoneApex {
  readonly domain: string;
  readonly soa: SoaData;
  readonly nameServer: string;
  /** TTL of the SOA and NS records. */
  readonly ttl: number;
}

interface ServiceRecord {
  service_id: number;
  name: string | null;
  version: number | null;
  address: string | null;
  port: number | null;
}

export class PostgresDirectoryStore implements DirectoryStore {
  readonly kind = 'postgres';
  private readonly pool: Pool;
  private readonly domainId: number;
  private readonly domain: string;

  private constructor(pool: Pool, domainId: number, domain: string) {
    this.pool = pool;
    this.domainId = domainId;
    this.domain = domain;
  }

  /** Connects, applies pending migrations and creates the zone's domain and apex when missing. */
  static async open(url: string, apex: ZoneApex): Promise<PostgresDirectoryStore> {
    const pool = await openPool(url, 'the directory database');
    try {
      await migrate(pool, 'directory', DIRECTORY_MIGRATIONS);
      return new PostgresDirectoryStore(pool, await ensureDomain(pool, apex), apex.domain);
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  async getAccount(accountId: string): Promise<AccountRow | undefined> {
    const { rows } = await this.pool.query<{ address: string; port: number | null }>(
      'SELECT address, port FROM byoda_accounts WHERE account_id = $1',
      [accountId],
    );
    const row = rows[0];
    return row ? { accountId, address: row.address, port: row.port ?? undefined } : undefined;
  }

  async getService(serviceId: number): Promise<ServiceRow | undefined> {
    const { rows } = await this.pool.query<ServiceRecord>(
      'SELECT service_id, name, version, address, port FROM byoda_services WHERE service_id = $1',
      [serviceId],
    );
    return rows[0] ? toServiceRow(rows[0]) : undefined;
  }

  async listServices(): Promise<ServiceRow[]> {
    const { rows } = await this.pool.query<ServiceRecord>(
      'SELECT service_id, name, version, address, port FROM byoda_services ORDER BY service_id',
    );
    return rows.map(toServiceRow);
  }

  async getMember(memberId: string, serviceId: number): Promise<MemberRow | undefined> {
    const { rows } = await this.pool.query<{ address: string; port: number }>(
      'SELECT address, port FROM byoda_members WHERE member_id = $1 AND service_id = $2',
      [memberId, serviceId],
    );
    const row = rows[0];
    return row ? { memberId, serviceId, address: row.address, port: row.port } : undefined;
  }

  async createService(serviceId: number, name: string | undefined): Promise<void> {
    await this.pool.query(
      `INSERT INTO byoda_services (service_id, name) VALUES ($1, $2)
       ON CONFLICT (service_id) DO UPDATE SET name = COALESCE(excluded.name, byoda_services.name),
         updated_at = now()`,
      [serviceId, name ?? null],
    );
  }

  async recordContractVersion(serviceId: number, version: number): Promise<void> {
    await this.pool.query(
      `UPDATE byoda_services SET version = GREATEST(COALESCE(version, -1), $1), updated_at = now()
       WHERE service_id = $2`,
      [version, serviceId],
    );
  }

  async register(registration: Registration, zone: ZoneWrite): Promise<RegisterResult> {
    return withTransaction(this.pool, async (client) => {
      // The SOA row first: it serialises zone writes, so two registrations of one name cannot interleave
      // their delete and insert, and serials follow commit order.
      // By the SOA's name (indexed): the domain's rows are millions at scale, its SOA is one.
      const soaRow = await client.query<{ id: number; content: string }>(
        "SELECT id, content FROM records WHERE name = $1 AND domain_id = $2 AND type = 'SOA' FOR UPDATE",
        [this.domain, this.domainId],
      );
      const soa = soaRow.rows[0];
      if (!soa) throw new ByodaError('BYODA_ERR_DNS', 'the zone has no SOA record', { status: 500 });
      await saveRow(client, registration);
      const changed: ZoneChange[] = [];
      for (const change of zone.changes) {
        if (await this.writeChange(client, change)) changed.push(change);
      }
      let serial = soaSerialOf(soa.content) ?? 0;
      if (changed.length > 0) {
        serial = nextSerial(serial);
        await client.query('UPDATE records SET content = $1 WHERE id = $2', [
          soaContent({ ...zone.soa, serial }),
          soa.id,
        ]);
      }
      return { changed, serial };
    });
  }

  async loadZone(): Promise<StoredZone> {
    const { rows } = await this.pool.query<PdnsRow & { type: string }>(
      `SELECT name, type, content, ttl, prio FROM records
       WHERE domain_id = $1 AND type IN ('A', 'AAAA', 'SRV', 'SOA') AND NOT disabled`,
      [this.domainId],
    );
    const records: StoredRecord[] = [];
    let serial: number | undefined;
    for (const row of rows) {
      if (row.type === 'SOA') serial = soaSerialOf(row.content);
      else records.push(...optional(fromPdnsRow(row)));
    }
    return { records, serial };
  }

  async revoke(entry: Revocation): Promise<boolean> {
    const { kind, id, serviceId } = revocationKey(entry);
    const result = await this.pool.query(
      `INSERT INTO byoda_revocations (kind, id, service_id, revoked_at, revoked_by)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, id, service_id) DO NOTHING`,
      [kind, id, serviceId, entry.revoked_at, entry.by],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async listRevocations(): Promise<Revocation[]> {
    const { rows } = await this.pool.query<RevocationRecord>(
      `SELECT kind, id, service_id::int AS service_id, revoked_at, revoked_by FROM byoda_revocations
       ORDER BY revoked_at, id`,
    );
    return rows.map(toRevocation);
  }

  async isRevoked(identity: PkiIdentity): Promise<boolean> {
    // One query for both keys: an account cert is looked up by account, a member cert by membership.
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM byoda_revocations
       WHERE (kind = 'account' AND id = $1 AND service_id = $4)
          OR (kind = 'member' AND id = $2 AND service_id = $3)`,
      [identity.accountId ?? null, identity.memberId ?? null, identity.serviceId ?? null, ACCOUNT_SERVICE_ID],
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Replaces the rows of the change's types at its name, unless they already are what it says. */
  private async writeChange(client: PoolClient, change: ZoneChange): Promise<boolean> {
    const types = [...change.types];
    const { rows } = await client.query<PdnsRow>(
      `SELECT name, type, content, ttl, prio FROM records
       WHERE domain_id = $1 AND name = $2 AND type = ANY($3) AND NOT disabled`,
      [this.domainId, change.name, types],
    );
    const wanted = change.records.map(toPdnsRow);
    if (sameRows(rows, wanted)) return false;
    await client.query('DELETE FROM records WHERE domain_id = $1 AND name = $2 AND type = ANY($3)', [
      this.domainId,
      change.name,
      types,
    ]);
    for (const row of wanted) {
      await client.query(
        'INSERT INTO records (domain_id, name, type, content, ttl, prio) VALUES ($1, $2, $3, $4, $5, $6)',
        [this.domainId, row.name, row.type, row.content, row.ttl, row.prio],
      );
    }
    return true;
  }
}

/** The domain's id; a new database gets the domain (NATIVE: PowerDNS serves it from this database). */
async function ensureDomain(pool: Pool, apex: ZoneApex): Promise<number> {
  return withTransaction(pool, async (client) => {
    await client.query(
      "INSERT INTO domains (name, type) VALUES ($1, 'NATIVE') ON CONFLICT (name) DO NOTHING",
      [apex.domain],
    );
    const { rows } = await client.query<{ id: number }>('SELECT id FROM domains WHERE name = $1', [
      apex.domain,
    ]);
    const id = rows[0]?.id;
    if (id === undefined) throw new ByodaError('BYODA_ERR_DNS', 'cannot create the zone', { status: 500 });
    const apexRow = (type: string, content: string): Promise<unknown> =>
      client.query(
        `INSERT INTO records (domain_id, name, type, content, ttl)
         SELECT $1::int, $2::varchar, $3::varchar, $4::varchar, $5::int WHERE NOT EXISTS
           (SELECT 1 FROM records WHERE domain_id = $1 AND name = $2 AND type = $3)`,
        [id, apex.domain, type, content, apex.ttl],
      );
    await apexRow('SOA', soaContent(apex.soa));
    await apexRow('NS', apex.nameServer);
    return id;
  });
}

async function saveRow(client: PoolClient, registration: Registration): Promise<void> {
  switch (registration.kind) {
    case 'account': {
      const { accountId, address, port } = registration.row;
      await client.query(
        `INSERT INTO byoda_accounts (account_id, address, port) VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO UPDATE SET address = excluded.address, port = excluded.port,
           updated_at = now()`,
        [accountId, address, port ?? null],
      );
      return;
    }
    case 'service': {
      const row = registration.row;
      await client.query(
        `UPDATE byoda_services SET name = $1, version = $2, address = $3, port = $4, updated_at = now()
         WHERE service_id = $5`,
        [row.name ?? null, row.version ?? null, row.address ?? null, row.port ?? null, row.serviceId],
      );
      return;
    }
    case 'member': {
      const { memberId, serviceId, address, port } = registration.row;
      await client.query(
        `INSERT INTO byoda_members (member_id, service_id, address, port) VALUES ($1, $2, $3, $4)
         ON CONFLICT (member_id, service_id) DO UPDATE SET address = excluded.address, port = excluded.port,
           updated_at = now()`,
        [memberId, serviceId, address, port],
      );
      return;
    }
    case 'zone':
      return;
  }
}

function sameRows(stored: readonly PdnsRow[], wanted: readonly PdnsRow[]): boolean {
  const key = (rows: readonly PdnsRow[]): string =>
    rows
      .map((row) => `${row.type} ${row.content} ${row.ttl} ${row.prio ?? ''}`)
      .sort()
      .join(',');
  return key(stored) === key(wanted);
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
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
