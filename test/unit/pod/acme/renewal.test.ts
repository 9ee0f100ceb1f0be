/** Custom-domain renewal timing (src/pod/acme/renewal.ts): when a certificate is due, retry backoff. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acmeTimingsFromEnv,
  DEFAULT_ACME_TIMINGS,
  renewalDue,
  renewalTime,
  retryDelayMs,
} from '../../../../src/pod/acme/index.js';

const DAY = 86_400_000;
const issued = Date.UTC(2026, 0, 1);
const ninetyDays = { notBefore: new Date(issued), notAfter: new Date(issued + 90 * DAY) };

describe('custom domain renewal', () => {
  it('is due at two thirds of the lifetime, not before', () => {
    assert.equal(renewalTime(ninetyDays), issued + 60 * DAY);
    assert.equal(renewalDue(ninetyDays, issued + 60 * DAY - 1), false);
    assert.equal(renewalDue(ninetyDays, issued + 60 * DAY), true);
    assert.equal(renewalDue(ninetyDays, issued + 100 * DAY), true);
  });

  it('backs off exponentially from the minimum to the maximum', () => {
    const timings = { checkEveryMs: 1000, retryMinMs: 100, retryMaxMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 50].map((n) => retryDelayMs(n, timings)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it('reads its timings from the environment and refuses values that are not positive integers', () => {
    assert.deepEqual(acmeTimingsFromEnv({}), DEFAULT_ACME_TIMINGS);
    assert.deepEqual(acmeTimingsFromEnv({ BYODA_ACME_CHECK_MS: '500', BYODA_ACME_RETRY_MIN_MS: '250' }), {
      ...DEFAULT_ACME_TIMINGS,
      checkEveryMs: 500,
      retryMinMs: 250,
    });
    for (const bad of ['0', '-1', '1.5', 'soon']) {
      assert.throws(
        () => acmeTimingsFromEnv({ BYODA_ACME_RETRY_MAX_MS: bad }),
        (err: Error & { code?: string }) =>
          err.code === 'BYODA_ERR_CONFIG' && /BYODA_ACME_RETRY_MAX_MS/.test(err.message),
      );
    }
  });
});
