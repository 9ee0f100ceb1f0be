/**
 * Owner JWTs (spec §10): ES256, issued by the pod for its own account, audience the pod itself, at most
 * one hour. Verification pins the algorithm (no `none`, no HS256 key confusion), the issuer and the
 * audience, so a token of another pod never authorizes anything here.
 */
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { KeyObject } from 'node:crypto';
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
}

export interface OwnerClaims {
  readonly accountId: string;
  readonly expiresAt: Date;
}

export class OwnerTokens {
  readonly #options: OwnerTokenOptions;
  readonly #lifetime: number;

  constructor(options: OwnerTokenOptions) {
    this.#options = options;
    this.#lifetime = Math.min(
      options.lifetimeSeconds ?? MAX_TOKEN_LIFETIME_SECONDS,
      MAX_TOKEN_LIFETIME_SECONDS,
    );
  }

  async issue(): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: OWNER_TOKEN_ALGORITHM, typ: 'JWT' })
      .setIssuer(this.#options.podFqdn)
      .setAudience(this.#options.podFqdn)
      .setSubject(this.#options.accountId)
      .setIssuedAt(now)
      .setExpirationTime(now + this.#lifetime)
      .sign(this.#options.privateKey);
    return { token, expiresAt: new Date((now + this.#lifetime) * 1000) };
  }

  /** The claims of a valid owner token; throws BYODA_ERR_UNAUTHORIZED (401) saying why otherwise. */
  async verify(token: string): Promise<OwnerClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#options.publicKey, {
        algorithms: [OWNER_TOKEN_ALGORITHM],
        issuer: this.#options.podFqdn,
        audience: this.#options.podFqdn,
        subject: this.#options.accountId,
        maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS + 60,
        requiredClaims: ['exp', 'iat'],
      });
      return { accountId: this.#options.accountId, expiresAt: new Date((payload.exp ?? 0) * 1000) };
    } catch (err) {
      throw new ByodaError('BYODA_ERR_UNAUTHORIZED', `invalid owner token: ${reason(err)}`, { status: 401 });
    }
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

/** The bearer token of an `Authorization` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header.trim());
  return match?.[1] ?? null;
}
