/**
 * Scoped tokens (docs/protocol.md, "Scoped tokens"): the owner grants a third-party front end a token
 * for named classes and actions of one membership, until an expiry, and may list and revoke them.
 * A request with one is the requester kind `delegate` (src/firewall), which the firewall treats as
 * the owner narrowed to the scope, so it never does more than the owner could.
 *
 * The token is opaque: `st.` and 32 random bytes (base64url). The pod keeps only its SHA-256, so
 * account.db (or a backup of it) holds nothing a front end could present. A JWT would have spared
 * the lookup, but revocation needs one anyway, and an opaque token carries no claims to get wrong.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Action } from '../../contract/index.js';
import { ByodaError } from '../../errors/index.js';
import type { TokenScope } from '../../firewall/index.js';

/** What starts every scoped token; an owner JWT starts with `eyJ` (base64 of `{"`), never this. */
export const SCOPED_TOKEN_PREFIX = 'st.';
/** The longest a scoped token may live (30 days): a front end that needs longer asks again. */
export const MAX_SCOPED_TOKEN_SECONDS = 30 * 24 * 3600;
/** One day, when the owner names no lifetime. */
export const DEFAULT_SCOPED_TOKEN_SECONDS = 24 * 3600;
/** At most this many unexpired, unrevoked tokens; one more is refused (409) until some go. */
export const MAX_ACTIVE_SCOPED_TOKENS = 100;
/** The actions a token may carry: what a front end does through GraphQL (search and persist are not). */
export const SCOPED_TOKEN_ACTIONS: readonly Action[] = ['read', 'update', 'append', 'delete', 'subscribe'];

export interface ScopedTokenRecord {
  readonly tokenId: string;
  /** SHA-256 of the token, lower-case hex. */
  readonly tokenHash: string;
  readonly serviceId: number;
  readonly classes: readonly string[];
  readonly actions: readonly Action[];
  /** The owner's name for it ("photo frame"), shown in the list. */
  readonly label: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

/** Where the tokens are kept (account.db, scoped-token-ledger.ts). */
export interface ScopedTokenLedger {
  /** Tokens neither revoked nor expired at `nowMs`. */
  activeTokens(nowMs: number): ScopedTokenRecord[];
  putToken(token: ScopedTokenRecord): void;
  /** False when there is no such unrevoked token. */
  revokeToken(tokenId: string, revokedAtMs: number): boolean;
  /** Deletes tokens that ended (expired or revoked) before `beforeMs`. */
  forgetTokens(beforeMs: number): void;
}

export interface ScopedTokenGrant {
  readonly serviceId: number;
  readonly classes: readonly string[];
  readonly actions: readonly Action[];
  readonly label: string;
  readonly lifetimeSeconds: number;
}

export class ScopedTokens {
  readonly #ledger: ScopedTokenLedger;
  readonly #now: () => number;
  /** Active tokens by their hash: the check runs on every request that carries one. */
  readonly #byHash = new Map<string, ScopedTokenRecord>();

  constructor(ledger: ScopedTokenLedger, now: () => number = Date.now) {
    this.#ledger = ledger;
    this.#now = now;
    const nowMs = now();
    ledger.forgetTokens(nowMs - 24 * 3600 * 1000);
    for (const token of ledger.activeTokens(nowMs)) this.#byHash.set(token.tokenHash, token);
  }

  /** A new token and its record; the token itself is shown to the owner once and never kept. */
  issue(grant: ScopedTokenGrant): { token: string; record: ScopedTokenRecord } {
    if (this.list().length >= MAX_ACTIVE_SCOPED_TOKENS) {
      throw new ByodaError(
        'BYODA_ERR_CONFLICT',
        `at most ${MAX_ACTIVE_SCOPED_TOKENS} scoped tokens may be active: revoke one first`,
        { status: 409 },
      );
    }
    const nowMs = this.#now();
    const token = `${SCOPED_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record: ScopedTokenRecord = {
      tokenId: randomUUID(),
      tokenHash: hashOf(token),
      serviceId: grant.serviceId,
      classes: [...grant.classes],
      actions: [...grant.actions],
      label: grant.label,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + grant.lifetimeSeconds * 1000,
    };
    this.#ledger.putToken(record);
    this.#byHash.set(record.tokenHash, record);
    return { token, record };
  }

  /** The scope of a valid token; throws BYODA_ERR_UNAUTHORIZED (401) for an unknown, revoked or expired one. */
  verify(token: string): TokenScope {
    const record = this.#byHash.get(hashOf(token));
    if (!record || record.expiresAtMs <= this.#now()) {
      if (record) this.#byHash.delete(record.tokenHash);
      throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'invalid scoped token: unknown, revoked or expired', {
        status: 401,
      });
    }
    return scopeOf(record);
  }

  /** Whether a token (by id) is still active: running subscriptions ask before every event. */
  isActive(tokenId: string): boolean {
    return this.list().some((record) => record.tokenId === tokenId);
  }

  /** Active tokens, the newest first. */
  list(): ScopedTokenRecord[] {
    const nowMs = this.#now();
    for (const [hash, record] of this.#byHash) if (record.expiresAtMs <= nowMs) this.#byHash.delete(hash);
    return [...this.#byHash.values()].sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  /** Ends a token at once; false when there is no active one with that id. */
  revoke(tokenId: string): boolean {
    const record = this.list().find((candidate) => candidate.tokenId === tokenId);
    if (record) this.#byHash.delete(record.tokenHash);
    return this.#ledger.revokeToken(tokenId, this.#now()) && record !== undefined;
  }
}

export function isScopedToken(token: string): boolean {
  return token.startsWith(SCOPED_TOKEN_PREFIX);
}

function scopeOf(record: ScopedTokenRecord): TokenScope {
  return {
    tokenId: record.tokenId,
    serviceId: record.serviceId,
    classes: record.classes,
    actions: record.actions,
  };
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
