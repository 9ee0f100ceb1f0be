/**
 * `account.db`: the pod's own bookkeeping, apart from membership data (which lives in one namespace
 * file per membership). Holds the one account of the pod (spec §1: one pod = one account) with the
 * owner's password hash (spec §10), and the memberships it has joined. SQLite in WAL mode so that
 * `byoda pod status` can read it while the pod runs; numbered migrations keyed on `user_version`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ByodaError } from '../../errors/index.js';
import { openMigratedDatabase } from '../../storage/index.js';
import type { LoginAccountState, LoginClientState, LoginLedger } from '../auth/login-limiter.js';
import type { TotpLedger, TotpRecord, TotpSlot } from '../auth/second-factor.js';
import type { SessionLedger, SessionRecord } from '../auth/owner-sessions.js';
import type { ScopedTokenLedger } from '../auth/scoped-tokens.js';
import { SCOPED_TOKENS_MIGRATION, SqliteScopedTokenLedger } from './scoped-token-ledger.js';
import { LINK_LABELS_MIGRATION, LinkLabels } from './link-label-ledger.js';

export interface AccountRecord {
  readonly accountId: string;
  readonly username: string;
  /** `scrypt$...` (src/pod/auth/password.ts). */
  readonly passwordHash: string;
  readonly createdAt: string;
}

export interface MembershipRecord {
  readonly serviceId: number;
  readonly memberId: string;
  /** The contract version the namespace follows. */
  readonly contractVersion: number;
  readonly joinedAt: string;
}

interface Migration {
  readonly name: string;
  readonly sql: string;
}

/** Applied in order; `user_version` is the number applied so far. Never edit one that has shipped. */
const MIGRATIONS: readonly Migration[] = [
  {
    name: '001 create account',
    sql: `CREATE TABLE account (
      account_id TEXT PRIMARY KEY,
      username TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`,
  },
  {
    name: '002 create memberships',
    sql: `CREATE TABLE memberships (
      service_id INTEGER PRIMARY KEY,
      member_id TEXT NOT NULL UNIQUE,
      contract_version INTEGER NOT NULL,
      joined_at TEXT NOT NULL
    )`,
  },
  {
    // The owner-login limiter's state (src/pod/auth/login-limiter.ts), so that a restart keeps it.
    name: '003 create login limits',
    sql: `CREATE TABLE login_clients (
      client TEXT PRIMARY KEY,
      failures INTEGER NOT NULL,
      last_failure_ms INTEGER NOT NULL,
      blocked_until_ms INTEGER NOT NULL,
      last_success_ms INTEGER
    );
    CREATE TABLE login_account (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      failures INTEGER NOT NULL,
      last_failure_ms INTEGER NOT NULL,
      next_attempt_ms INTEGER NOT NULL
    )`,
  },
  {
    // The owner's second factor (src/pod/auth/second-factor.ts): at most one enrolled and one pending
    // TOTP secret (sealed with the passphrase), the last step accepted, the recovery codes' hashes.
    name: '004 create owner totp',
    sql: `CREATE TABLE owner_totp (
      slot TEXT PRIMARY KEY CHECK (slot IN ('pending', 'enrolled')),
      secret_sealed TEXT NOT NULL,
      last_step INTEGER NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE owner_recovery_codes (
      slot TEXT NOT NULL CHECK (slot IN ('pending', 'enrolled')),
      code_hash TEXT NOT NULL,
      used_at TEXT,
      PRIMARY KEY (slot, code_hash)
    )`,
  },
  {
    // The owner's sessions (src/pod/auth/owner-sessions.ts): one row per login, revoked at logout.
    name: '005 create owner sessions',
    sql: `CREATE TABLE owner_sessions (
      session_id TEXT PRIMARY KEY,
      created_at_ms INTEGER NOT NULL,
      renewed_at_ms INTEGER NOT NULL,
      expires_at_ms INTEGER NOT NULL,
      client TEXT NOT NULL,
      user_agent TEXT NOT NULL,
      revoked_at_ms INTEGER
    )`,
  },
  // The owner's scoped tokens for third-party front ends (src/pod/auth/scoped-tokens.ts).
  SCOPED_TOKENS_MIGRATION,
  // The owner's own labels for members (link-label-ledger.ts).
  LINK_LABELS_MIGRATION,
];

interface AccountRow {
  account_id: string;
  username: string;
  password_hash: string;
  created_at: string;
}

interface MembershipRow {
  service_id: number;
  member_id: string;
  contract_version: number;
  joined_at: string;
}

interface LoginClientRow {
  failures: number;
  last_failure_ms: number;
  blocked_until_ms: number;
  last_success_ms: number | null;
}

interface TotpRow {
  secret_sealed: string;
  last_step: number;
  created_at: string;
}

interface SessionRow {
  session_id: string;
  created_at_ms: number;
  renewed_at_ms: number;
  expires_at_ms: number;
  client: string;
  user_agent: string;
}

interface LoginAccountRow {
  failures: number;
  last_failure_ms: number;
  next_attempt_ms: number;
}

export class AccountStore implements LoginLedger, TotpLedger, SessionLedger {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating and migrating if needed) the account database. */
  static open(path: string): AccountStore {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const db = openMigratedDatabase(path, {
      what: 'account.db',
      migrations: MIGRATIONS.map((migration) => migration.sql),
      // It holds the password hash: owner-only, like the keys.
      mode: 0o600,
      code: 'BYODA_ERR_CONFIG',
    });
    return new AccountStore(db);
  }

  /** Opens an existing database read-only (for `byoda pod status` next to a running pod). */
  static openReadOnly(path: string): AccountStore {
    try {
      return new AccountStore(new Database(path, { readonly: true, fileMustExist: true }));
    } catch (cause) {
      throw new ByodaError('BYODA_ERR_CONFIG', 'the pod has no account database (run `byoda pod init`)', {
        cause,
      });
    }
  }

  getAccount(): AccountRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM account LIMIT 1').get() as AccountRow | undefined;
    return row && toAccount(row);
  }

  createAccount(account: AccountRecord): void {
    this.#db
      .prepare('INSERT INTO account (account_id, username, password_hash, created_at) VALUES (?, ?, ?, ?)')
      .run(account.accountId, account.username, account.passwordHash, account.createdAt);
  }

  listMemberships(): MembershipRecord[] {
    const rows = this.#db.prepare('SELECT * FROM memberships ORDER BY joined_at, service_id').all();
    return (rows as MembershipRow[]).map(toMembership);
  }

  getMembership(serviceId: number): MembershipRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM memberships WHERE service_id = ?').get(serviceId);
    return row === undefined ? undefined : toMembership(row as MembershipRow);
  }

  addMembership(membership: MembershipRecord): void {
    this.#db
      .prepare(
        'INSERT INTO memberships (service_id, member_id, contract_version, joined_at) VALUES (?, ?, ?, ?)',
      )
      .run(membership.serviceId, membership.memberId, membership.contractVersion, membership.joinedAt);
  }

  setContractVersion(serviceId: number, version: number): void {
    this.#db
      .prepare('UPDATE memberships SET contract_version = ? WHERE service_id = ?')
      .run(version, serviceId);
  }

  loginClient(client: string): LoginClientState | undefined {
    const row = this.#db.prepare('SELECT * FROM login_clients WHERE client = ?').get(client) as
      LoginClientRow | undefined;
    return (
      row && {
        failures: row.failures,
        lastFailureMs: row.last_failure_ms,
        blockedUntilMs: row.blocked_until_ms,
        lastSuccessMs: row.last_success_ms,
      }
    );
  }

  putLoginClient(client: string, state: LoginClientState): void {
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO login_clients
           (client, failures, last_failure_ms, blocked_until_ms, last_success_ms) VALUES (?, ?, ?, ?, ?)`,
      )
      .run(client, state.failures, state.lastFailureMs, state.blockedUntilMs, state.lastSuccessMs);
  }

  loginAccount(): LoginAccountState | undefined {
    const row = this.#db.prepare('SELECT * FROM login_account WHERE id = 1').get() as
      LoginAccountRow | undefined;
    return (
      row && {
        failures: row.failures,
        lastFailureMs: row.last_failure_ms,
        nextAttemptMs: row.next_attempt_ms,
      }
    );
  }

  putLoginAccount(state: LoginAccountState): void {
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO login_account (id, failures, last_failure_ms, next_attempt_ms)
         VALUES (1, ?, ?, ?)`,
      )
      .run(state.failures, state.lastFailureMs, state.nextAttemptMs);
  }

  forgetLoginClients(failedSince: number, succeededSince: number): void {
    this.#db
      .prepare(
        `DELETE FROM login_clients WHERE last_failure_ms < ? AND blocked_until_ms < ?
           AND (last_success_ms IS NULL OR last_success_ms < ?)`,
      )
      .run(failedSince, failedSince, succeededSince);
  }

  totp(slot: TotpSlot): TotpRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM owner_totp WHERE slot = ?').get(slot) as TotpRow | undefined;
    if (!row) return undefined;
    const left = this.#db
      .prepare('SELECT count(*) AS n FROM owner_recovery_codes WHERE slot = ? AND used_at IS NULL')
      .get(slot) as { n: number };
    return {
      secretSealed: row.secret_sealed,
      lastStep: row.last_step,
      createdAt: row.created_at,
      recoveryCodesLeft: left.n,
    };
  }

  putPendingTotp(secretSealed: string, recoveryHashes: readonly string[], createdAt: string): void {
    this.atomically(() => {
      this.#db.prepare("DELETE FROM owner_recovery_codes WHERE slot = 'pending'").run();
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO owner_totp (slot, secret_sealed, last_step, created_at)
           VALUES ('pending', ?, -1, ?)`,
        )
        .run(secretSealed, createdAt);
      const insert = this.#db.prepare(
        "INSERT INTO owner_recovery_codes (slot, code_hash, used_at) VALUES ('pending', ?, NULL)",
      );
      for (const hash of recoveryHashes) insert.run(hash);
    });
  }

  promotePendingTotp(acceptedStep: number): boolean {
    return this.atomically(() => {
      const pending = this.#db.prepare("SELECT 1 FROM owner_totp WHERE slot = 'pending'").get();
      if (pending === undefined) return false;
      this.#db.prepare("DELETE FROM owner_totp WHERE slot = 'enrolled'").run();
      this.#db.prepare("DELETE FROM owner_recovery_codes WHERE slot = 'enrolled'").run();
      this.#db
        .prepare("UPDATE owner_totp SET slot = 'enrolled', last_step = ? WHERE slot = 'pending'")
        .run(acceptedStep);
      this.#db.prepare("UPDATE owner_recovery_codes SET slot = 'enrolled' WHERE slot = 'pending'").run();
      return true;
    });
  }

  acceptTotpStep(slot: TotpSlot, step: number): boolean {
    const result = this.#db
      .prepare('UPDATE owner_totp SET last_step = ? WHERE slot = ? AND last_step < ?')
      .run(step, slot, step);
    return result.changes === 1;
  }

  useRecoveryCode(codeHash: string, usedAt: string): boolean {
    const result = this.#db
      .prepare(
        `UPDATE owner_recovery_codes SET used_at = ?
         WHERE slot = 'enrolled' AND code_hash = ? AND used_at IS NULL`,
      )
      .run(usedAt, codeHash);
    return result.changes === 1;
  }

  clearTotp(): void {
    this.atomically(() => {
      this.#db.prepare('DELETE FROM owner_totp').run();
      this.#db.prepare('DELETE FROM owner_recovery_codes').run();
    });
  }

  activeSessions(nowMs: number): SessionRecord[] {
    const rows = this.#db
      .prepare('SELECT * FROM owner_sessions WHERE revoked_at_ms IS NULL AND expires_at_ms > ?')
      .all(nowMs) as SessionRow[];
    return rows.map((row) => ({
      sessionId: row.session_id,
      createdAtMs: row.created_at_ms,
      renewedAtMs: row.renewed_at_ms,
      expiresAtMs: row.expires_at_ms,
      client: row.client,
      userAgent: row.user_agent,
    }));
  }

  putSession(session: SessionRecord): void {
    this.#db
      .prepare(
        `INSERT OR REPLACE INTO owner_sessions
           (session_id, created_at_ms, renewed_at_ms, expires_at_ms, client, user_agent, revoked_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, NULL)`,
      )
      .run(
        session.sessionId,
        session.createdAtMs,
        session.renewedAtMs,
        session.expiresAtMs,
        session.client,
        session.userAgent,
      );
  }

  revokeSession(sessionId: string, revokedAtMs: number): boolean {
    const result = this.#db
      .prepare('UPDATE owner_sessions SET revoked_at_ms = ? WHERE session_id = ? AND revoked_at_ms IS NULL')
      .run(revokedAtMs, sessionId);
    return result.changes === 1;
  }

  forgetSessions(beforeMs: number): void {
    this.#db
      .prepare('DELETE FROM owner_sessions WHERE expires_at_ms < ? OR revoked_at_ms < ?')
      .run(beforeMs, beforeMs);
  }

  /** The scoped tokens' table, in this same file (scoped-token-ledger.ts). */
  /** The owner's labels for members, on the same database. */
  linkLabels(): LinkLabels {
    return new LinkLabels(this.#db);
  }

  scopedTokenLedger(): ScopedTokenLedger {
    return new SqliteScopedTokenLedger(this.#db);
  }

  atomically<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  close(): void {
    this.#db.close();
  }
}

function toAccount(row: AccountRow): AccountRecord {
  return {
    accountId: row.account_id,
    username: row.username,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

function toMembership(row: MembershipRow): MembershipRecord {
  return {
    serviceId: row.service_id,
    memberId: row.member_id,
    contractVersion: row.contract_version,
    joinedAt: row.joined_at,
  };
}
