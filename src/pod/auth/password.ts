/**
 * Owner passwords (spec §10): stored only as a slow, salted scrypt hash, in a self-describing string
 * `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>` so that the cost can be raised later without breaking
 * existing accounts. Comparison is constant-time.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ByodaError } from '../../errors/index.js';

/** scrypt cost: 2^15 with r=8 takes ~50-100 ms and 32 MiB here, the usual interactive-login setting. */
const DEFAULT_COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Longer inputs are refused so that hashing cannot be used to burn CPU. */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 8;

interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes plus a margin.
    scrypt(password, salt, KEY_LENGTH, { ...cost, maxmem: 256 * cost.N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Checks a new password's length; the message names the field. */
export function validateNewPassword(password: unknown): string {
  if (typeof password !== 'string') {
    throw new ByodaError('BYODA_ERR_BAD_REQUEST', 'password must be a string', { path: '/password' });
  }
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new ByodaError(
      'BYODA_ERR_BAD_REQUEST',
      `password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
      { path: '/password' },
    );
  }
  return password;
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  validateNewPassword(password);
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** True when `password` matches `stored`; false for any mismatch, including a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (!N || !r || !p) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}

/** A random password for generated local accounts (`byoda up`): 24 characters of base64url. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
