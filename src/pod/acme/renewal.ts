/**
 * When a custom domain's certificate is renewed, and how long to wait after a failed order: pure
 * functions of the certificate's validity and the clock, so the timing is tested without a CA.
 *
 * A certificate is renewed once two thirds of its lifetime have passed (Let's Encrypt's 90-day
 * certificates: at day 60), which leaves a third of it for retries while the CA is down.
 */
import { ByodaError } from '../../errors/index.js';

export const RENEW_AFTER_FRACTION = 2 / 3;

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface AcmeTimings {
  /** How often the pod looks at its certificate (default an hour). */
  readonly checkEveryMs: number;
  /** First wait after a failed order; doubled per further failure (default a minute). */
  readonly retryMinMs: number;
  /** Longest wait between attempts (default an hour). */
  readonly retryMaxMs: number;
}

export const DEFAULT_ACME_TIMINGS: AcmeTimings = {
  checkEveryMs: 60 * 60_000,
  retryMinMs: 60_000,
  retryMaxMs: 60 * 60_000,
};

/** The moment (ms) from which the certificate is due for renewal. */
export function renewalTime(validity: Validity): number {
  const from = validity.notBefore.getTime();
  const to = validity.notAfter.getTime();
  return from + Math.floor((to - from) * RENEW_AFTER_FRACTION);
}

/** True when a certificate with this validity should be replaced now. */
export function renewalDue(validity: Validity, now: number): boolean {
  return now >= renewalTime(validity);
}

/** The wait after the `failures`-th failure in a row (1 = the first): exponential, capped. */
export function retryDelayMs(failures: number, timings: AcmeTimings): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(timings.retryMaxMs, timings.retryMinMs * 2 ** exponent);
}

/**
 * Timings from `BYODA_ACME_CHECK_MS`, `BYODA_ACME_RETRY_MIN_MS` and `BYODA_ACME_RETRY_MAX_MS` over
 * the defaults: tests with a CA that issues minute-long certificates check every second.
 */
export function acmeTimingsFromEnv(env: NodeJS.ProcessEnv): AcmeTimings {
  const read = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
      throw new ByodaError('BYODA_ERR_CONFIG', `${name} must be a positive integer (milliseconds)`);
    }
    return value;
  };
  return {
    checkEveryMs: read('BYODA_ACME_CHECK_MS', DEFAULT_ACME_TIMINGS.checkEveryMs),
    retryMinMs: read('BYODA_ACME_RETRY_MIN_MS', DEFAULT_ACME_TIMINGS.retryMinMs),
    retryMaxMs: read('BYODA_ACME_RETRY_MAX_MS', DEFAULT_ACME_TIMINGS.retryMaxMs),
  };
}
