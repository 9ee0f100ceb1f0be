/**
 * A PostgreSQL connection pool for a server's store (`--store postgres://...`), and transactions on it.
 * One pool per store: pg's Pool reuses connections and queues queries beyond its size, so a burst of
 * registrations waits for a connection instead of opening hundreds.
 */
import type PgDriver from 'pg';
import type { Pool, PoolClient } from 'pg';
import { ByodaError } from '../../errors/index.js';

export type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';

/** Connections per store: a directory is I/O-bound on small transactions, so a few are enough. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * The driver, loaded by the first store that opens a pool: every server imports this module, and most
 * never use PostgreSQL.
 */
async function loadDriver(): Promise<typeof PgDriver> {
  const { default: pg } = await import('pg');
  // BIGINT (int8) columns hold serials and counts that fit in a double; read them as numbers, not strings.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  return pg;
}

/**
 * Opens a pool on `url` and checks that the server answers, so that a wrong URL fails at start with a
 * message naming it (without its password) rather than at the first request.
 */
export async function openPool(url: string, what: string, max = DEFAULT_POOL_SIZE): Promise<Pool> {
  const pg = await loadDriver();
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'byoda' });
  // An idle connection that the server drops (a restart) must not crash the process: the pool replaces it.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `cannot open ${what} at ${redactUrl(url)}: ${(cause as Error).message}`,
      { cause },
    );
  }
  return pool;
}

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'a malformed URL';
  }
}
