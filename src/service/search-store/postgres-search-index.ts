/**
 * The search index on PostgreSQL (`byoda service start --store postgres://...`), in tables of its own
 * (`byoda_search_members`, `byoda_search_values`) keyed by service id, so that several services, and the
 * directory of `byoda up --store`, can share one database without seeing each other's rows.
 *
 * It behaves as the SQLite index does (search-store.test.ts runs one suite on both):
 * - texts are compared as code points: every text column is `COLLATE "C"`, as SQLite compares UTF-8
 *   bytes, so equality, prefixes and the member id order are the same as SQLite's;
 * - the folded form is made in JavaScript (search-values.ts `foldText`) for both, never by the database.
 *
 * A B-tree key holds at most about 2.7 kB, and an indexed value may be 1,024 characters of up to 4 bytes,
 * so the indexes cover the first KEY_LENGTH characters (a query value is at most that long, see
 * search-values.ts) and the full value is compared on the rows they find.
 */
import { ByodaError } from '../../errors/index.js';
import { migrate, openPool, withTransaction } from '../../storage/index.js';
import type { Migration, Pool, PoolClient, QueryResult, QueryResultRow } from '../../storage/index.js';
import { MAX_QUERY_VALUE_LENGTH, foldText } from '../search-values.js';
import type { SearchIndex, SearchQuery, SearchRow } from './search-index.js';

/** Characters of a value in its index key: as many as a query may give. */
const KEY_LENGTH = MAX_QUERY_VALUE_LENGTH;

/** The migration scope in `byoda_migrations` (storage/postgres/migrations.ts). */
export const SEARCH_MIGRATION_SCOPE = 'service-search';

export const SEARCH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'search index: members and their searchable values, per service',
    sql: `
      CREATE TABLE byoda_search_members (
        service_id       BIGINT      NOT NULL,
        member_id        TEXT        COLLATE "C" NOT NULL,
        contract_version BIGINT      NOT NULL,
        collected_at     TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (service_id, member_id)
      );
      CREATE TABLE byoda_search_values (
        service_id BIGINT NOT NULL,
        member_id  TEXT   COLLATE "C" NOT NULL,
        class_name TEXT   COLLATE "C" NOT NULL,
        field      TEXT   COLLATE "C" NOT NULL,
        value      TEXT   COLLATE "C" NOT NULL,
        folded     TEXT   COLLATE "C" NOT NULL,
        FOREIGN KEY (service_id, member_id)
          REFERENCES byoda_search_members (service_id, member_id) ON DELETE CASCADE
      );
      CREATE INDEX byoda_search_values_exact
        ON byoda_search_values (service_id, class_name, field, left(value, ${KEY_LENGTH}));
      CREATE INDEX byoda_search_values_folded
        ON byoda_search_values (service_id, class_name, field, left(folded, ${KEY_LENGTH}));
      CREATE INDEX byoda_search_values_member ON byoda_search_values (service_id, member_id);
    `,
  },
];

/** Rows per INSERT: a member may have 50,000 values, sent as arrays rather than one statement each. */
const INSERT_CHUNK = 5000;

export class PostgresSearchIndex implements SearchIndex {
  readonly kind = 'postgres';
  private readonly pool: Pool;
  private readonly serviceId: number;

  private constructor(pool: Pool, serviceId: number) {
    this.pool = pool;
    this.serviceId = serviceId;
  }

  /** Connects and applies pending migrations; a wrong URL or a refused login fails here, named. */
  static async open(url: string, serviceId: number): Promise<PostgresSearchIndex> {
    const pool = await openPool(url, 'the search index database');
    try {
      await migrate(pool, SEARCH_MIGRATION_SCOPE, SEARCH_MIGRATIONS);
      return new PostgresSearchIndex(pool, serviceId);
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  async replaceMember(memberId: string, contractVersion: number, rows: readonly SearchRow[]): Promise<void> {
    await this.guard(() => this.replace(memberId, contractVersion, rows));
  }

  private async replace(
    memberId: string,
    contractVersion: number,
    rows: readonly SearchRow[],
  ): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      // The member's row first: its lock makes two replacements of one member take turns, so their
      // deletes and inserts cannot interleave into a mix of both.
      await client.query(
        `INSERT INTO byoda_search_members (service_id, member_id, contract_version, collected_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (service_id, member_id) DO UPDATE SET
           contract_version = excluded.contract_version, collected_at = excluded.collected_at`,
        [this.serviceId, memberId, contractVersion, new Date()],
      );
      await client.query('DELETE FROM byoda_search_values WHERE service_id = $1 AND member_id = $2', [
        this.serviceId,
        memberId,
      ]);
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        await this.insertValues(client, memberId, rows.slice(start, start + INSERT_CHUNK));
      }
    });
  }

  private async insertValues(
    client: PoolClient,
    memberId: string,
    rows: readonly SearchRow[],
  ): Promise<void> {
    await client.query(
      `INSERT INTO byoda_search_values (service_id, member_id, class_name, field, value, folded)
       SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])`,
      [
        this.serviceId,
        memberId,
        rows.map((row) => row.className),
        rows.map((row) => row.field),
        rows.map((row) => row.value),
        rows.map((row) => foldText(row.value)),
      ],
    );
  }

  async collectedAt(memberId: string): Promise<string | undefined> {
    const { rows } = await this.query<{ collected_at: Date }>(
      'SELECT collected_at FROM byoda_search_members WHERE service_id = $1 AND member_id = $2',
      [this.serviceId, memberId],
    );
    return rows[0]?.collected_at.toISOString();
  }

  async removeMember(memberId: string): Promise<boolean> {
    // The values go with the member's row (ON DELETE CASCADE), in the statement's transaction.
    const result = await this.query(
      'DELETE FROM byoda_search_members WHERE service_id = $1 AND member_id = $2',
      [this.serviceId, memberId],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async find(query: SearchQuery): Promise<string[]> {
    const column = query.caseSensitive ? 'value' : 'folded';
    const value = query.caseSensitive ? query.value : foldText(query.value);
    // PostgreSQL's text holds no NUL character, so nothing indexed has one (search-collector.ts).
    if (value.includes('\u0000')) return [];
    const key = `left(${column}, ${KEY_LENGTH})`;
    let condition: string;
    if (query.match === 'exact') condition = `${key} = left($4, ${KEY_LENGTH}) AND ${column} = $4`;
    else if (query.match === 'prefix') {
      // A value that starts with $4 has a key that starts with $4's key; `^@` on a "C" column is a range
      // of the index (PostgreSQL 15+: from the prefix to the next one), not a scan of all after it.
      condition = `${key} ^@ left($4, ${KEY_LENGTH}) AND left(${column}, length($4)) = $4`;
    } else throw new ByodaError('BYODA_ERR_INTERNAL', `no search for match '${String(query.match)}'`);
    const { rows } = await this.query<{ member_id: string }>(
      `SELECT DISTINCT member_id FROM byoda_search_values
       WHERE service_id = $1 AND class_name = $2 AND field = $3 AND ${condition}
       ORDER BY member_id LIMIT $5`,
      [this.serviceId, query.className, query.field, value, query.limit],
    );
    return rows.map((row) => row.member_id);
  }

  async valueCount(memberId: string): Promise<number> {
    const { rows } = await this.query<{ count: number }>(
      'SELECT count(*) AS count FROM byoda_search_values WHERE service_id = $1 AND member_id = $2',
      [this.serviceId, memberId],
    );
    return rows[0]?.count ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private query<R extends QueryResultRow>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    return this.guard(() => this.pool.query<R>(sql, [...params]));
  }

  /**
   * A failure of the database (down, restarting, a table dropped by hand) as 503 BYODA_ERR_STORAGE:
   * the search is unavailable for now, and its SQL and PostgreSQL's words stay in the log (`cause`).
   */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (cause) {
      if (cause instanceof ByodaError) throw cause;
      throw new ByodaError('BYODA_ERR_STORAGE', 'the search index database is unavailable', {
        status: 503,
        cause,
      });
    }
  }
}
