/**
 * The owner's sessions (docs/protocol.md "Owner sessions"): every login starts a session, and every
 * owner token carries its session's id (`sid`). A session lives as long as its tokens are renewed
 * before they expire, up to MAX_SESSION_AGE_MS after its login; logging out, or the owner ending it
 * from another session, revokes it, and from that moment no token of it is accepted (OwnerTokens asks
 * `isActive` on every request, after its verified-token cache too). Kept in account.db (SessionLedger)
 * so that a restart neither forgets a revocation nor logs anyone out; the active ones are also held in
 * memory, as the check runs on every owner request.
 */
import { randomUUID } from 'node:crypto';

/** A session may be renewed for at most a week after its login; then the owner logs in again. */
export const MAX_SESSION_AGE_MS = 7 * 24 * 3600 * 1000;

/** At most this many active sessions; a login beyond it ends the least recently renewed one. */
export const MAX_ACTIVE_SESSIONS = 50;

export interface SessionRecord {
  readonly sessionId: string;
  readonly createdAtMs: number;
  readonly renewedAtMs: number;
  /** When its last token expires: the session ends then unless renewed. */
  readonly expiresAtMs: number;
  /** The client address of the login. */
  readonly client: string;
  /** The login's User-Agent (cut to 200 characters), so the owner can tell sessions apart. */
  readonly userAgent: string;
}

/** Where sessions are kept (AccountStore: account.db). */
export interface SessionLedger {
  /** Sessions neither revoked nor expired at `nowMs`. */
  activeSessions(nowMs: number): SessionRecord[];
  putSession(session: SessionRecord): void;
  /** Marks it revoked; false when there is no such unrevoked session. */
  revokeSession(sessionId: string, revokedAtMs: number): boolean;
  /** Deletes sessions that ended (expired or revoked) before `beforeMs`. */
  forgetSessions(beforeMs: number): void;
}

export interface SessionStart {
  readonly client: string;
  readonly userAgent: string | undefined;
}

export class OwnerSessions {
  readonly #ledger: SessionLedger;
  readonly #now: () => number;
  readonly #active = new Map<string, SessionRecord>();

  constructor(ledger: SessionLedger, now: () => number = Date.now) {
    this.#ledger = ledger;
    this.#now = now;
    const nowMs = now();
    // A day's grace: the list of ended sessions is only bookkeeping, no check depends on it.
    ledger.forgetSessions(nowMs - 24 * 3600 * 1000);
    for (const session of ledger.activeSessions(nowMs)) this.#active.set(session.sessionId, session);
  }

  /** A new session whose first token expires at `expiresAtMs`. */
  start(start: SessionStart, expiresAtMs: number): SessionRecord {
    const nowMs = this.#now();
    const session: SessionRecord = {
      sessionId: randomUUID(),
      createdAtMs: nowMs,
      renewedAtMs: nowMs,
      expiresAtMs,
      client: start.client,
      userAgent: (start.userAgent ?? '').slice(0, 200),
    };
    this.#ledger.putSession(session);
    this.#active.set(session.sessionId, session);
    this.#enforceLimit();
    return session;
  }

  /**
   * Records that the session got a new token expiring at `expiresAtMs`, which is capped at the end of
   * the session's life; undefined when the session is not active or has no life left to renew.
   */
  renew(sessionId: string, expiresAtMs: number): SessionRecord | undefined {
    const nowMs = this.#now();
    const session = this.active(sessionId);
    if (!session) return undefined;
    const end = Math.min(expiresAtMs, session.createdAtMs + MAX_SESSION_AGE_MS);
    if (end <= nowMs) return undefined;
    const renewed = { ...session, renewedAtMs: nowMs, expiresAtMs: end };
    this.#ledger.putSession(renewed);
    this.#active.set(sessionId, renewed);
    return renewed;
  }

  /** The session when it is neither revoked nor expired now. */
  active(sessionId: string): SessionRecord | undefined {
    const session = this.#active.get(sessionId);
    if (!session) return undefined;
    if (session.expiresAtMs <= this.#now()) {
      this.#active.delete(sessionId);
      return undefined;
    }
    return session;
  }

  isActive(sessionId: string): boolean {
    return this.active(sessionId) !== undefined;
  }

  /** Active sessions, the most recently renewed first. */
  list(): SessionRecord[] {
    return [...this.#active.keys()]
      .map((id) => this.active(id))
      .filter((session): session is SessionRecord => session !== undefined)
      .sort((a, b) => b.renewedAtMs - a.renewedAtMs);
  }

  /** Ends a session at once; false when there is no active one with that id. */
  revoke(sessionId: string): boolean {
    const known = this.#active.delete(sessionId);
    return this.#ledger.revokeSession(sessionId, this.#now()) || known;
  }

  #enforceLimit(): void {
    const sessions = this.list();
    for (const session of sessions.slice(MAX_ACTIVE_SESSIONS)) this.revoke(session.sessionId);
  }
}
