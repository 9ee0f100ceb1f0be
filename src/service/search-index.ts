/**
 * The service's search index (`<data>/search.db`, SQLite): per member, the values of the fields its
 * pod exposes with `search` (spec §4, §6), as given and folded for case-insensitive matching. It is a
 * copy that the collector (search-collector.ts) rebuilds from the pods, never the source of anything,
 * which is why it has a file of its own beside `service.db`: deleting it loses nothing a refresh does
 * not bring back. A member's rows are replaced in one transaction, so a search sees a member's old
 * values or its new ones, never a mix.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { SearchMatch } from '../contract/index.js';
import { ByodaError } from '../errors/index.js';
import { openMigratedDatabase } from '../storage/index.js';
import { foldText } from './search-values.js';

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

/** One indexed value of a member. */
export interface SearchRow {
  readonly className: string;
  readonly field: string;
  readonly value: string;
}

export interface SearchQuery {
  readonly className: string;
  readonly field: string;
  readonly value: string;
  readonly match: SearchMatch;
  readonly caseSensitive: boolean;
  /** Most member ids returned. */
  readonly limit: number;
}

interface QueryParams {
  readonly className: string;
  readonly field: string;
  readonly value: string;
  readonly limit: number;
}

export class SearchIndex {
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

  /** Replaces everything indexed for `memberId` with `rows` (one transaction). */
  replaceMember(memberId: string, contractVersion: number, rows: readonly SearchRow[]): void {
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

  /** When `memberId`'s values were last collected (ISO 8601), or undefined if it is not indexed. */
  collectedAt(memberId: string): string | undefined {
    return this.selectCollectedAt.get(memberId)?.collected_at;
  }

  /** Forgets `memberId` (its pod no longer has the membership); true when it was indexed. */
  removeMember(memberId: string): boolean {
    return this.db
      .transaction(() => {
        this.deleteValues.run(memberId);
        return this.deleteMember.run(memberId).changes > 0;
      })
      .immediate();
  }

  /** Member ids with a value of `className.field` matching `value`, in member id order. */
  find(query: SearchQuery): string[] {
    const column = query.caseSensitive ? 'value' : 'folded';
    const value = query.caseSensitive ? query.value : foldText(query.value);
    const statement = this.finders[`${query.match}-${column}`];
    if (!statement) throw new ByodaError('BYODA_ERR_INTERNAL', `no search for match '${query.match}'`);
    const params = { className: query.className, field: query.field, value, limit: query.limit };
    return statement.all(params).map((row) => row.member_id);
  }

  /** How many values are indexed for `memberId`. */
  valueCount(memberId: string): number {
    return this.countValues.get(memberId)?.count ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
