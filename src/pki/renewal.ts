/**
 * Certificate renewal (docs/operations.md, "Renewal"): when a leaf is due, how long test leaves live,
 * and how a renewed certificate takes the place of the old one.
 *
 * A renewal keeps the key by default. Other pods cache a member's data cert chain and verify its
 * signatures with the key in it; with the same key, a record or query signed before the renewal still
 * verifies against the new chain and a signature made after it against the cached old one, so nobody
 * has to refetch at the moment of renewal. `byoda pod rotate-keys` is the way to a new key.
 *
 * The renewed certificate is written into the same `Credential` object the running server already
 * holds (`adoptRenewal`): every client, pool and signer that reads the credential when it opens a
 * connection or signs presents the new chain from then on, without being told. TLS servers, which
 * parse their certificate once into a context, are reloaded by whoever runs the renewal.
 */
import { ByodaError } from '../errors/index.js';
import { parseCertificatePem } from './pem.js';
import type { Validity } from './ca.js';
import type { Credential } from './credential.js';

/** Renew when less than this part of a leaf's lifetime is left (default: the last third). */
export const DEFAULT_RENEW_FRACTION = 1 / 3;
/** How often a running server looks at its certificates (default: hourly; also at every start). */
export const DEFAULT_RENEW_CHECK_MS = 60 * 60 * 1000;

/** Environment of the renewal settings (docs/operations.md). */
export const RENEWAL_ENV = {
  fraction: 'BYODA_RENEW_FRACTION',
  checkMs: 'BYODA_RENEW_CHECK_MS',
  /** Read by the directory and the service only: leaves they sign live this many seconds (tests). */
  leafLifetime: 'BYODA_TEST_LEAF_LIFETIME_S',
} as const;

export interface RenewalSettings {
  /** Part of the lifetime left at which a leaf is renewed, in (0, 1). */
  readonly fraction: number;
  /** Milliseconds between two checks. */
  readonly checkMs: number;
}

export const DEFAULT_RENEWAL: RenewalSettings = {
  fraction: DEFAULT_RENEW_FRACTION,
  checkMs: DEFAULT_RENEW_CHECK_MS,
};

/** The settings from the environment, over the defaults; a malformed value stops the start. */
export function renewalSettingsFromEnv(env: NodeJS.ProcessEnv): RenewalSettings {
  const fraction = numberFrom(env, RENEWAL_ENV.fraction, DEFAULT_RENEW_FRACTION);
  const checkMs = numberFrom(env, RENEWAL_ENV.checkMs, DEFAULT_RENEW_CHECK_MS);
  if (!(fraction > 0 && fraction < 1)) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${RENEWAL_ENV.fraction} must be a number between 0 and 1`);
  }
  if (!Number.isSafeInteger(checkMs) || checkMs < 100) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `${RENEWAL_ENV.checkMs} must be whole milliseconds, at least 100`,
    );
  }
  return { fraction, checkMs };
}

/**
 * The lifetime of the leaves a CA of this process signs, from `BYODA_TEST_LEAF_LIFETIME_S`, in
 * milliseconds; undefined (the types' defaults, a year for leaves) when unset. For tests that watch
 * several renewals in minutes: never set it on a real network.
 */
export function leafLifetimeFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[RENEWAL_ENV.leafLifetime];
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isSafeInteger(seconds) || seconds < 10) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `${RENEWAL_ENV.leafLifetime} must be whole seconds, at least 10`,
    );
  }
  return seconds * 1000;
}

/**
 * The validity of a leaf that lives `lifetimeMs` from now. Its start lies in the past by a tenth of
 * its lifetime at most (the CAs' usual clock-skew margin is minutes, longer than a test leaf lives).
 */
export function leafValidity(lifetimeMs: number, now = Date.now()): Validity {
  const skew = Math.min(5 * 60 * 1000, Math.floor(lifetimeMs / 10));
  return { notBefore: new Date(now - skew), notAfter: new Date(now + lifetimeMs) };
}

/** Whether the certificate has less than `fraction` of its lifetime left at `now` (or has expired). */
export function renewalDue(certPem: string, fraction: number, now = Date.now()): boolean {
  const cert = parseCertificatePem(certPem, 'certificate to renew');
  const start = cert.notBefore.getTime();
  const end = cert.notAfter.getTime();
  return end - now < (end - start) * fraction;
}

/** When the certificate becomes due (for logs and the renewal schedule). */
export function renewalTime(certPem: string, fraction: number): Date {
  const cert = parseCertificatePem(certPem, 'certificate to renew');
  const start = cert.notBefore.getTime();
  const end = cert.notAfter.getTime();
  return new Date(end - (end - start) * fraction);
}

/**
 * Puts `renewed` (same identity; the same key, or a new one from a rotation) in the place of
 * `credential`, in the same object, so that every holder of it uses the new certificate from its
 * next connection or signature on.
 */
export function adoptRenewal(credential: Credential, renewed: Credential): void {
  if (renewed.commonName !== credential.commonName) {
    throw new ByodaError(
      'BYODA_ERR_PKI',
      `a renewal of '${credential.commonName}' returned '${renewed.commonName}'`,
    );
  }
  credential.certPem = renewed.certPem;
  credential.chainPem = renewed.chainPem;
  credential.identity = renewed.identity;
  credential.keys = renewed.keys;
}

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ByodaError('BYODA_ERR_CONFIG', `${name} must be a number`);
  return value;
}
