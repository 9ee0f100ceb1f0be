import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEADLINE_ENV, HOP_TIMEOUT_ENV, federationTimingsFromEnv } from '../../../src/pod/index.js';

describe('pod: federation timings from the environment (spec §8)', () => {
  it('keeps the defaults when nothing is set', () => {
    assert.deepEqual(federationTimingsFromEnv({}), {});
    assert.deepEqual(federationTimingsFromEnv({ [HOP_TIMEOUT_ENV]: ' ' }), {});
  });

  it('reads whole milliseconds', () => {
    assert.deepEqual(federationTimingsFromEnv({ [HOP_TIMEOUT_ENV]: '5000', [DEADLINE_ENV]: '20000' }), {
      hopTimeoutMs: 5000,
      deadlineMs: 20000,
    });
  });

  it('refuses anything else at start-up rather than running with a surprise', () => {
    for (const text of ['0', '-1', '1.5', '3s', '600001']) {
      assert.throws(() => federationTimingsFromEnv({ [DEADLINE_ENV]: text }), {
        code: 'BYODA_ERR_CONFIG',
        message: new RegExp(DEADLINE_ENV),
      });
    }
  });
});
