/**
 * The claims an app issued (`app.db`), so that its confirmation URL can tell a reader whether a claim
 * is one it made and still stands by. Only the claim's id, who asked and when are kept: the claim itself
 * lives with the record it is about, in the member's pod.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { openMigratedDatabase } from '../storage/index.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE claims (
     claim_id     TEXT PRIMARY KEY,
     requester_id TEXT NOT NULL,
     object_type  TEXT NOT NULL,
     keyfield_id  TEXT NOT NULL,
     verdict      TEXT NOT NULL,
     issued_at    TEXT NOT NULL
   );`,
];

export interface IssuedClaim {
  readonly claimId: string;
  readonly requesterId: string;
  readonly objectType: string;
  readonly keyfieldId: string;
  readonly verdict: string;
  readonly issuedAt: string;
}

interface Row {
  claim_id: string;
  requester_id: string;
  object_type: string;
  keyfield_id: string;
  verdict: string;
  issued_at: string;
}

export class ClaimStore {
  readonly #db: SqliteDatabase;
  readonly #insert: Statement<[string, string, string, string, string, string]>;
  readonly #select: Statement<[string], Row>;

  constructor(file: string) {
    this.#db = openMigratedDatabase(file, { what: 'the app database', migrations: MIGRATIONS, mode: 0o600 });
    this.#insert = this.#db.prepare(
      'INSERT INTO claims (claim_id, requester_id, object_type, keyfield_id, verdict, issued_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#select = this.#db.prepare('SELECT * FROM claims WHERE claim_id = ?');
  }

  add(claim: IssuedClaim): void {
    this.#insert.run(
      claim.claimId,
      claim.requesterId,
      claim.objectType,
      claim.keyfieldId,
      claim.verdict,
      claim.issuedAt,
    );
  }

  get(claimId: string): IssuedClaim | undefined {
    const row = this.#select.get(claimId);
    if (!row) return undefined;
    return {
      claimId: row.claim_id,
      requesterId: row.requester_id,
      objectType: row.object_type,
      keyfieldId: row.keyfield_id,
      verdict: row.verdict,
      issuedAt: row.issued_at,
    };
  }

  close(): void {
    this.#db.close();
  }
}
