/**
 * The owner's one-time code (spec §12): TOTP per RFC 6238 with SHA-1, 6 digits and 30 s steps (what
 * authenticator apps do by default), through otplib, and the single-use recovery codes that stand in
 * for a lost authenticator. Pure functions over an injected clock; the state (secret, last accepted
 * step, recovery-code hashes) lives in account.db and is handled by second-factor.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { generate, generateSecret, generateURI, verify } from 'otplib';
import { ByodaError } from '../../errors/index.js';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Codes of the step before and after the current one pass too: phone clocks drift. */
export const TOTP_SKEW_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;
/** Characters of a recovery code, 5 bits each: 80 bits of randomness. */
const RECOVERY_CODE_LENGTH = 16;
/** Base32 without the look-alikes 0/o and 1/l, so that a code copied from paper reads back. */
const RECOVERY_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const TOTP_PATTERN = /^\d{6}$/;

/** A new random TOTP secret, base32 (20 bytes, the RFC 4226 recommendation for SHA-1). */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The `otpauth://totp/...` URI an authenticator app scans (as a QR code) or takes typed in. */
export function otpauthUri(secret: string, account: string): string {
  return generateURI({
    issuer: 'BYODA',
    label: account,
    secret,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/** The time step (RFC 6238 `T`) at `nowMs`. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code of `secret` at `nowMs` (what the owner's authenticator shows; tests and the CLI use it). */
export function totpCode(secret: string | Uint8Array, nowMs: number): Promise<string> {
  return generate({
    secret,
    epoch: Math.floor(nowMs / 1000),
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/**
 * The step whose code `code` is, within ±TOTP_SKEW_STEPS of `nowMs` and after `afterStep` (the last
 * step accepted: a code is accepted once); undefined when it is none of them. `code` must be 6 digits.
 */
export async function matchTotp(
  secret: string,
  code: string,
  nowMs: number,
  afterStep: number,
): Promise<number | undefined> {
  const current = totpStep(nowMs);
  for (let step = current - TOTP_SKEW_STEPS; step <= current + TOTP_SKEW_STEPS; step += 1) {
    if (step <= afterStep) continue;
    // verify() at the step's own start checks exactly that step (no tolerance) in constant time.
    const result = await verify({
      secret,
      token: code,
      epoch: step * TOTP_PERIOD_SECONDS,
      algorithm: 'sha1',
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_SECONDS,
    });
    if (result.valid) return step;
  }
  return undefined;
}

/** The owner's recovery codes, shown once: `xxxx-xxxx-xxxx-xxxx` of RECOVERY_ALPHABET. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    // 256 is a multiple of 32, so `byte & 31` is uniform.
    const chars = [...randomBytes(RECOVERY_CODE_LENGTH)].map((byte) => RECOVERY_ALPHABET[byte & 31]);
    return chars.join('').replace(/(.{4})(?=.)/g, '$1-');
  });
}

/**
 * How a recovery code is stored: SHA-256 of its normalised form. A fast hash is enough, unlike for
 * passwords: the code has 80 random bits, so no dictionary helps and 2^80 guesses are out of reach even
 * offline; a slow hash would only make every login try cost ten scrypt runs.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256')
    .update(normaliseRecoveryCode(code) ?? '')
    .digest('base64url');
}

/** A recovery code as typed (any case, dashes or spaces) in its canonical form; undefined if it is none. */
export function normaliseRecoveryCode(code: string): string | undefined {
  const compact = code.toLowerCase().replace(/[\s-]/g, '');
  if (compact.length !== RECOVERY_CODE_LENGTH) return undefined;
  return [...compact].every((char) => RECOVERY_ALPHABET.includes(char)) ? compact : undefined;
}

/** A second-factor code as given: a TOTP code or a recovery code. */
export type SecondFactorCode =
  { readonly kind: 'totp'; readonly code: string } | { readonly kind: 'recovery'; readonly code: string };

/**
 * Reads the `field` of a request as a second-factor code: 6 digits, or (when `recovery`) a recovery
 * code. Anything else is a 400 naming the field.
 */
export function parseSecondFactorCode(value: unknown, field: string, recovery: boolean): SecondFactorCode {
  const what = recovery ? 'a 6-digit code or a recovery code' : 'a 6-digit code';
  if (value === undefined || value === null) {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${field} is required: ${what}`, { path: `/${field}` });
  }
  if (typeof value !== 'string') {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${field} must be a string: ${what}`, {
      path: `/${field}`,
    });
  }
  const trimmed = value.trim();
  if (TOTP_PATTERN.test(trimmed)) return { kind: 'totp', code: trimmed };
  const normalised = recovery ? normaliseRecoveryCode(trimmed) : undefined;
  if (normalised !== undefined) return { kind: 'recovery', code: normalised };
  throw new ByodaError('BYODA_ERR_BAD_REQUEST', `${field} must be ${what}`, { path: `/${field}` });
}
