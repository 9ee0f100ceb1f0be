/**
 * The search index in SQLite (`<data>/search.db`, the default): a file of its own beside `service.db`,
 * because deleting it loses nothing a refresh does not bring back. better-sqlite3 is synchronous; the
 * methods are async only to meet the interface the PostgreSQL index shares.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { ByodaError } from '../../errors/index.js';
import { openMigratedDatabase } from '../../storage/index.js';
import { foldText } from '../search-values.js';
import type { SearchIndex, SearchQuery, SearchRow } from './search-index.js';

/** Schema versions, applied in order; `PRAGMA user_version` records how many have run. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE search_values (
     member_id  TEXT NOT NULL,
     class_name TEXT NOT NULL,
     field      TEXT NOT NULL,
     value      TEXT NOT NULL,
     folded     TEXT NOT NULL
   );
   CREATE INDEX search_values_exact ON search_values (class_name, field, value);
   CREATE INDEX search_values_folded ON search_values (class_name, field, folded);
   CREATE INDEX search_values_member ON search_values (member_id);
   CREATE TABLE search_members (
     member_id        TEXT PRIMARY KEY,
     contract_version INTEGER NOT NULL,
     collected_at     TEXT NOT NULL
   );`,
];

interface QueryParams {
  readonly className: string;
  readonly field: string;
  readonly value: string;
  readonly limit: number;
}

export class SqliteSearchIndex implements SearchIndex {
  readonly kind = 'sqlite';
  private readonly db: SqliteDatabase;
  private readonly deleteValues: Statement<[string]>;
  private readonly deleteMember: Statement<[string]>;
  private readonly insertValue: Statement<[string, string, string, string, string]>;
  private readonly upsertMember: Statement<[string, number, string]>;
  private readonly finders: Readonly<Record<string, Statement<[QueryParams], { member_id: string }>>>;
  private readonly countValues: Statement<[string], { count: number }>;
  private readonly selectCollectedAt: Statement<[string], { collected_at: string }>;

  /**
   * Opens (creating if needed) the index at `file`; `:memory:` works for tests. Owner-only: it holds
   * who is a member and what their pods expose for search (emails, names).
   */
  constructor(file: string) {
    this.db = openMigratedDatabase(file, { what: 'the search index', migrations: MIGRATIONS, mode: 0o600 });
    this.deleteValues = this.db.prepare('DELETE FROM search_values WHERE member_id = ?');
    this.deleteMember = this.db.prepare('DELETE FROM search_members WHERE member_id = ?');
    this.insertValue = this.db.prepare(
      'INSERT INTO search_values (member_id, class_name, field, value, folded) VALUES (?, ?, ?, ?, ?)',
    );
    this.upsertMember = this.db.prepare(
      `INSERT INTO search_members (member_id, contract_version, collected_at) VALUES (?, ?, ?)
       ON CONFLICT (member_id) DO UPDATE SET
         contract_version = excluded.contract_version, collected_at = excluded.collected_at`,
    );
    // The `>=` lets SQLite start in the index; `substr` over the same column decides a prefix match.
    const finder = (column: 'value' | 'folded', prefix: boolean) =>
      this.db.prepare<[QueryParams], { member_id: string }>(
        `SELECT DISTINCT member_id FROM search_values
         WHERE class_name = @className AND field = @field AND ${
           prefix
             ? `${column} >= @value AND substr(${column}, 1, length(@value)) = @value`
             : `${column} = @value`
         }
         ORDER BY member_id LIMIT @limit`,
      );
    this.finders = {
      'exact-value': finder('value', false),
      'prefix-value': finder('value', true),
      'exact-folded': finder('folded', false),
      'prefix-folded': finder('folded', true),
    };
    this.countValues = this.db.prepare('SELECT count(*) AS count FROM search_values WHERE member_id = ?');
    this.selectCollectedAt = this.db.prepare('SELECT collected_at FROM search_members WHERE member_id = ?');
  }

  async replaceMember(memberId: string, contractVersion: number, rows: readonly SearchRow[]): Promise<void> {
    this.db
      .transaction(() => {
        this.deleteValues.run(memberId);
        for (const row of rows) {
          this.insertValue.run(memberId, row.className, row.field, row.value, foldText(row.value));
        }
        this.upsertMember.run(memberId, contractVersion, new Date().toISOString());
      })
      .immediate();
  }

  async collectedAt(memberId: string): Promise<string | undefined> {
    return this.selectCollectedAt.get(memberId)?.collected_at;
  }

  async removeMember(memberId: string): Promise<boolean> {
    return this.db
      .transaction(() => {
        this.deleteValues.run(memberId);
        return this.deleteMember.run(memberId).changes > 0;
      })
      .immediate();
  }

  async find(query: SearchQuery): Promise<string[]> {
    const column = query.caseSensitive ? 'value' : 'folded';
    const value = query.caseSensitive ? query.value : foldText(query.value);
    const statement = this.finders[`${query.match}-${column}`];
    if (!statement) throw new ByodaError('BYODA_ERR_INTERNAL', `no search for match '${query.match}'`);
    const params = { className: query.className, field: query.field, value, limit: query.limit };
    return statement.all(params).map((row) => row.member_id);
  }

  async valueCount(memberId: string): Promise<number> {
    return this.countValues.get(memberId)?.count ?? 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
