/**
 * Numbered migrations for a PostgreSQL store. Each store (`scope`: the directory, a service's search
 * index) has its own list; `byoda_migrations` records which versions ran, so several stores may share
 * one database. An advisory lock makes two processes starting at once apply each version exactly once.
 */
import type { Pool } from 'pg';
import { ByodaError } from '../../errors/index.js';
import { withTransaction } from './pool.js';

export interface Migration {
  /** 1, 2, 3...: applied in order, each once. */
  readonly version: number;
  /** What it does, kept in `byoda_migrations` for whoever inspects the database. */
  readonly name: string;
  readonly sql: string;
}

/** Applies the migrations of `scope` that have not run yet; returns how many ran. */
export async function migrate(pool: Pool, scope: string, migrations: readonly Migration[]): Promise<number> {
  checkNumbering(scope, migrations);
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`byoda_migrations:${scope}`]);
    await client.query(`CREATE TABLE IF NOT EXISTS byoda_migrations (
        scope      TEXT        NOT NULL,
        version    INTEGER     NOT NULL,
        name       TEXT        NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, version)
      )`);
    const done = await client.query<{ version: number }>(
      'SELECT COALESCE(MAX(version), 0) AS version FROM byoda_migrations WHERE scope = $1',
      [scope],
    );
    const current = done.rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new ByodaError(
        'BYODA_ERR_CONFIG',
        `the ${scope} database is at version ${current}, newer than this program knows (${migrations.length})`,
      );
    }
    const pending = migrations.filter((migration) => migration.version > current);
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO byoda_migrations (scope, version, name) VALUES ($1, $2, $3)', [
        scope,
        migration.version,
        migration.name,
      ]);
    }
    return pending.length;
  });
}

function checkNumbering(scope: string, migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new ByodaError(
        'BYODA_ERR_CONFIG',
        `migration ${index + 1} of ${scope} is numbered ${migration.version}`,
      );
    }
  });
}
