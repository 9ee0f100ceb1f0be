/**
 * Which account holds which member id (`<data>/service.db`). A member id is claimed by the first
 * account that asks for a certificate with it; after that only the same account may get certificates
 * for it (a renewal, or the data cert next to the TLS cert), so one pod cannot take over another's
 * membership by guessing its id.
 *
 * An account holds at most a quota of member ids (`claim`'s `quota`): each member id is a name the
 * service publishes in the directory's DNS, so without it one account could fill the zone.
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { openMigratedDatabase } from '../storage/index.js';

/** Schema versions, applied in order; `PRAGMA user_version` records how many have run. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE members (
     member_id  TEXT PRIMARY KEY,
     account_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX members_account ON members (account_id);`,
];

/**
 * The outcome of a claim: a new member, a member of the same account, one held by another, or a new
 * member refused because its account holds its quota already.
 */
export type MemberClaim = 'new' | 'same-account' | 'other-account' | 'over-quota';

export class MemberStore {
  private readonly db: SqliteDatabase;
  private readonly selectOwner: Statement<[string], { account_id: string }>;
  private readonly insertMember: Statement<[string, string, string, string]>;
  private readonly touchMember: Statement<[string, string]>;
  private readonly countMembers: Statement<[], { count: number }>;
  private readonly countAccountMembers: Statement<[string], { count: number }>;
  private readonly selectMemberIds: Statement<[], { member_id: string }>;

  /**
   * Opens (creating if needed) the database at `file`; `:memory:` works for tests. Owner-only: it says
   * which account holds which membership.
   */
  constructor(file: string) {
    this.db = openMigratedDatabase(file, {
      what: 'the member database',
      migrations: MIGRATIONS,
      mode: 0o600,
    });
    this.selectOwner = this.db.prepare('SELECT account_id FROM members WHERE member_id = ?');
    this.insertMember = this.db.prepare(
      'INSERT INTO members (member_id, account_id, created_at, updated_at) VALUES (?, ?, ?, ?)',
    );
    this.touchMember = this.db.prepare('UPDATE members SET updated_at = ? WHERE member_id = ?');
    this.countMembers = this.db.prepare('SELECT count(*) AS count FROM members');
    this.countAccountMembers = this.db.prepare('SELECT count(*) AS count FROM members WHERE account_id = ?');
    this.selectMemberIds = this.db.prepare('SELECT member_id FROM members ORDER BY member_id');
  }

  /** The account that holds `memberId`, if any. */
  ownerOf(memberId: string): string | undefined {
    return this.selectOwner.get(memberId)?.account_id;
  }

  /** How many member ids `accountId` holds. */
  countOf(accountId: string): number {
    return this.countAccountMembers.get(accountId)?.count ?? 0;
  }

  /**
   * What `claim` would answer, without changing anything. `quota`: the most member ids one account
   * may hold (a member id it holds already is never over quota); no quota when absent.
   */
  check(memberId: string, accountId: string, quota?: number): MemberClaim {
    const owner = this.ownerOf(memberId);
    if (owner === undefined) {
      return quota !== undefined && this.countOf(accountId) >= quota ? 'over-quota' : 'new';
    }
    return owner === accountId ? 'same-account' : 'other-account';
  }

  /**
   * Record that `accountId` holds `memberId`, unless another account already does or the account
   * holds its `quota` (one transaction, so that concurrent claims cannot pass the quota together).
   */
  claim(memberId: string, accountId: string, quota?: number): MemberClaim {
    return this.db
      .transaction((): MemberClaim => {
        const now = new Date().toISOString();
        const outcome = this.check(memberId, accountId, quota);
        if (outcome === 'new') this.insertMember.run(memberId, accountId, now, now);
        if (outcome === 'same-account') this.touchMember.run(now, memberId);
        return outcome;
      })
      .immediate();
  }

  /** Every member id held by an account (the members the search collector visits). */
  memberIds(): string[] {
    return this.selectMemberIds.all().map((row) => row.member_id);
  }

  count(): number {
    return this.countMembers.get()?.count ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
