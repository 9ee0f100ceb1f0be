/**
 * The owner's scoped tokens in account.db (table `scoped_tokens`, migration 006 of account-store.ts):
 * one row per token, its hash and never the token, revoked in place so that a restart remembers it.
 */
import type Database from 'better-sqlite3';
import type { Action } from '../../contract/index.js';
import type { ScopedTokenLedger, ScopedTokenRecord } from '../auth/scoped-tokens.js';

export const SCOPED_TOKENS_MIGRATION = {
  name: '006 create scoped tokens',
  sql: `CREATE TABLE scoped_tokens (
    token_id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    service_id INTEGER NOT NULL,
    classes TEXT NOT NULL,
    actions TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
  )`,
} as const;

interface TokenRow {
  token_id: string;
  token_hash: string;
  service_id: number;
  classes: string;
  actions: string;
  label: string;
  created_at_ms: number;
  expires_at_ms: number;
}

export class SqliteScopedTokenLedger implements ScopedTokenLedger {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  activeTokens(nowMs: number): ScopedTokenRecord[] {
    const rows = this.#db
      .prepare('SELECT * FROM scoped_tokens WHERE revoked_at_ms IS NULL AND expires_at_ms > ?')
      .all(nowMs) as TokenRow[];
    return rows.map((row) => ({
      tokenId: row.token_id,
      tokenHash: row.token_hash,
      serviceId: row.service_id,
      classes: JSON.parse(row.classes) as string[],
      actions: JSON.parse(row.actions) as Action[],
      label: row.label,
      createdAtMs: row.created_at_ms,
      expiresAtMs: row.expires_at_ms,
    }));
  }

  putToken(token: ScopedTokenRecord): void {
    this.#db
      .prepare(
        `INSERT INTO scoped_tokens
           (token_id, token_hash, service_id, classes, actions, label, created_at_ms, expires_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        token.tokenId,
        token.tokenHash,
        token.serviceId,
        JSON.stringify(token.classes),
        JSON.stringify(token.actions),
        token.label,
        token.createdAtMs,
        token.expiresAtMs,
      );
  }

  revokeToken(tokenId: string, revokedAtMs: number): boolean {
    const result = this.#db
      .prepare('UPDATE scoped_tokens SET revoked_at_ms = ? WHERE token_id = ? AND revoked_at_ms IS NULL')
      .run(revokedAtMs, tokenId);
    return result.changes === 1;
  }

  forgetTokens(beforeMs: number): void {
    this.#db
      .prepare('DELETE FROM scoped_tokens WHERE expires_at_ms < ? OR revoked_at_ms < ?')
      .run(beforeMs, beforeMs);
  }
}
