/**
 * Owner JWTs (spec §10): ES256, issued by the pod for its own account, audience the pod itself, at most
 * one hour. Verification pins the algorithm (no `none`, no HS256 key confusion), the issuer and the
 * audience, so a token of another pod never authorizes anything here.
 *
 * Verified tokens are remembered (VerifiedTokenCache), as the ES256 check was a large share of an owner
 * read's CPU: keyed by the whole token string (header, claims and signature), so a token that differs
 * in one byte is verified afresh; valid only until the token's own expiry; bounded, least recently used
 * first out; never a failure. The cache belongs to one OwnerTokens, that is one signing key: a new key
 * means a new OwnerTokens, and no token verified under the old one is accepted by it.
 *
 * With a session gate (owner-sessions.ts) every token names its session (`sid`, and its own `jti`), and
 * a token is accepted only while its session is active: the gate is asked on every verification,
 * cached or not, so that a logout or an ended session refuses its tokens at once.
 */
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { BoundedMap } from '../../bounded/index.js';
import { ByodaError } from '../../errors/index.js';

export const OWNER_TOKEN_ALGORITHM = 'ES256';
export const MAX_TOKEN_LIFETIME_SECONDS = 3600;

export interface OwnerTokenOptions {
  /** The pod's account FQDN: issuer and audience of its tokens. */
  readonly podFqdn: string;
  readonly accountId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly lifetimeSeconds?: number;
  /** The clock for issuing, verifying and the cache's expiry (milliseconds; default Date.now). */
  readonly now?: () => number;
  /** Verified tokens remembered (default DEFAULT_TOKEN_CACHE_SIZE); 0 turns the cache off. */
  readonly cacheSize?: number;
  /** When given, tokens carry a session id and are refused once their session is not active. */
  readonly sessions?: SessionGate;
}

/** Which sessions are active (OwnerSessions). */
export interface SessionGate {
  isActive(sessionId: string): boolean;
}

/** Far more tokens than one owner has out at a time (each login makes one); a few hundred KiB at most. */
export const DEFAULT_TOKEN_CACHE_SIZE = 1000;

export interface OwnerClaims {
  readonly accountId: string;
  readonly expiresAt: Date;
  /** The token's session (`sid`); undefined without a session gate. */
  readonly sessionId: string | undefined;
}

export class OwnerTokens {
  readonly #options: OwnerTokenOptions;
  readonly #lifetime: number;
  readonly #now: () => number;
  readonly #verified: VerifiedTokenCache;

  constructor(options: OwnerTokenOptions) {
    this.#options = options;
    this.#lifetime = Math.min(
      options.lifetimeSeconds ?? MAX_TOKEN_LIFETIME_SECONDS,
      MAX_TOKEN_LIFETIME_SECONDS,
    );
    this.#now = options.now ?? Date.now;
    this.#verified = new VerifiedTokenCache(options.cacheSize ?? DEFAULT_TOKEN_CACHE_SIZE);
  }

  /** The expiry a token issued now would have (for a session to record before the token exists). */
  nextExpiry(): Date {
    return new Date((Math.floor(this.#now() / 1000) + this.#lifetime) * 1000);
  }

  /** A new token, of session `sessionId` (required with a session gate), expiring at most at `until`. */
  async issue(sessionId?: string, until?: Date): Promise<{ token: string; expiresAt: Date }> {
    if (this.#options.sessions && sessionId === undefined) {
      throw new ByodaError('BYODA_ERR_INTERNAL', 'an owner token needs a session here');
    }
    const now = Math.floor(this.#now() / 1000);
    const exp = Math.min(now + this.#lifetime, until ? Math.floor(until.getTime() / 1000) : Infinity);
    const claims = sessionId === undefined ? {} : { sid: sessionId };
    const token = await new SignJWT(claims)
      .setJti(randomUUID())
      .setProtectedHeader({ alg: OWNER_TOKEN_ALGORITHM, typ: 'JWT' })
      .setIssuer(this.#options.podFqdn)
      .setAudience(this.#options.podFqdn)
      .setSubject(this.#options.accountId)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.#options.privateKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid owner token; throws BYODA_ERR_UNAUTHORIZED (401) saying why otherwise. */
  async verify(token: string): Promise<OwnerClaims> {
    const now = this.#now();
    const cached = this.#verified.get(token, now);
    if (cached) return this.#inSession(cached);
    let claims: OwnerClaims;
    try {
      const { payload } = await jwtVerify(token, this.#options.publicKey, {
        algorithms: [OWNER_TOKEN_ALGORITHM],
        issuer: this.#options.podFqdn,
        audience: this.#options.podFqdn,
        subject: this.#options.accountId,
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
        requiredClaims: ['exp', 'iat'],
        currentDate: new Date(now),
      });
      claims = {
        accountId: this.#options.accountId,
        expiresAt: new Date((payload.exp ?? 0) * 1000),
        sessionId: typeof payload['sid'] === 'string' ? payload['sid'] : undefined,
      };
      this.#verified.set(token, claims, validUntilMs(payload.exp ?? 0, payload.iat ?? 0));
    } catch (err) {
      // BYODA_ERR_UNAUTHORIZED is a 401 by default (src/errors/).
      throw new ByodaError('BYODA_ERR_UNAUTHORIZED', `invalid owner token: ${reason(err)}`);
    }
    return this.#inSession(claims);
  }

  /** The claims when the token's session is still active (always, without a session gate). */
  #inSession(claims: OwnerClaims): OwnerClaims {
    const gate = this.#options.sessions;
    if (!gate) return claims;
    if (claims.sessionId === undefined || !gate.isActive(claims.sessionId)) {
      throw new ByodaError('BYODA_ERR_UNAUTHORIZED', 'invalid owner token: its session has ended');
    }
    return claims;
  }

  /** How many verified tokens are remembered now (at most the cache size). */
  get cachedTokens(): number {
    return this.#verified.size;
  }

  /** The account id of a valid owner token in an `Authorization` header, else undefined; never throws. */
  async ownerOf(authorization: string | undefined): Promise<string | undefined> {
    const token = bearerToken(authorization);
    if (token === null) return undefined;
    try {
      return (await this.verify(token)).accountId;
    } catch {
      return undefined;
    }
  }
}

/** Tokens older than this are refused whatever their `exp` says (an hour and a minute's clock skew). */
const MAX_TOKEN_AGE_SECONDS = MAX_TOKEN_LIFETIME_SECONDS + 60;

/**
 * The first millisecond at which jose would refuse a token verified now: at `exp` (it refuses once the
 * current second reaches exp), or once it is older than MAX_TOKEN_AGE_SECONDS, whichever comes first.
 */
function validUntilMs(exp: number, iat: number): number {
  return Math.min(exp, iat + MAX_TOKEN_AGE_SECONDS + 1) * 1000;
}

/** Verified tokens by their string, each until its expiry; the least recently used leaves first. */
class VerifiedTokenCache {
  readonly #entries: BoundedMap<string, { claims: OwnerClaims; validUntilMs: number }>;

  constructor(max: number) {
    this.#entries = new BoundedMap(Math.max(0, Math.floor(max)));
  }

  get size(): number {
    return this.#entries.size;
  }

  get(token: string, now: number): OwnerClaims | undefined {
    const entry = this.#entries.use(token);
    if (!entry) return undefined;
    if (now < entry.validUntilMs) return entry.claims;
    this.#entries.delete(token);
    return undefined;
  }

  set(token: string, claims: OwnerClaims, validUntilMs: number): void {
    this.#entries.set(token, { claims, validUntilMs });
  }
}

function reason(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim ${err.claim} is not valid here`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return 'malformed token';
  return 'not accepted';
}

/**
 * The bearer token of an `Authorization` header, or null. The scheme name is case-insensitive (RFC
 * 7235 §2.1), so `bearer` and `BEARER` are `Bearer`; the token is base64url parts and dots only.
 */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer +([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}
