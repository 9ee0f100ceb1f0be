/**
 * The rate limit's pure parts: the key a request is counted under, the limit read from the
 * environment, and the check of a limit given in code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByodaError } from '../../../src/errors/index.js';
import {
  checkRateLimit,
  DEFAULT_RATE_LIMIT_WINDOW_MS,
  limitOfKey,
  OWNER_RATE_FACTOR,
  RATE_LIMIT_ENV,
  rateLimitFromEnv,
  rateLimitKey,
} from '../../../src/http/index.js';
import type { PkiIdentity } from '../../../src/pki/index.js';

const ACCOUNT = '0a4e4c1d-4f55-4a3b-9d47-9c6a7b1e2f30';
const MEMBER = '6f1d3c2b-8a9e-4b7c-a1d2-e3f4a5b6c7d8';

describe('rate limit key', () => {
  it('is the verified certificate identity when there is one', async () => {
    const account: PkiIdentity = { type: 'account', network: 'byoda.test', accountId: ACCOUNT };
    assert.equal(
      await rateLimitKey('127.0.0.1', Promise.resolve(account)),
      `cert:${ACCOUNT}.accounts.byoda.test`,
    );
    const member: PkiIdentity = {
      type: 'member',
      network: 'byoda.test',
      memberId: MEMBER,
      serviceId: 4294929430,
    };
    assert.equal(
      await rateLimitKey('127.0.0.1', Promise.resolve(member)),
      `cert:${MEMBER}.members-4294929430.byoda.test`,
    );
  });

  it('is the address without a certificate, or with one that did not verify', async () => {
    assert.equal(await rateLimitKey('192.0.2.7', undefined), 'ip:192.0.2.7');
    assert.equal(await rateLimitKey('192.0.2.7', Promise.resolve(undefined)), 'ip:192.0.2.7');
    assert.equal(await rateLimitKey('192.0.2.7', Promise.resolve(null)), 'ip:192.0.2.7');
    const refused = Promise.reject(new ByodaError('BYODA_ERR_UNAUTHORIZED', 'client certificate refused'));
    assert.equal(await rateLimitKey('192.0.2.7', refused), 'ip:192.0.2.7');
  });

  it('keeps two certificates from one address apart', async () => {
    const one: PkiIdentity = { type: 'account', network: 'byoda.test', accountId: ACCOUNT };
    const two: PkiIdentity = { ...one, accountId: MEMBER };
    assert.notEqual(
      await rateLimitKey('127.0.0.1', Promise.resolve(one)),
      await rateLimitKey('127.0.0.1', Promise.resolve(two)),
    );
  });

  it('is the owner for a verified owner token, before any certificate or address', async () => {
    const account: PkiIdentity = { type: 'account', network: 'byoda.test', accountId: ACCOUNT };
    assert.equal(
      await rateLimitKey('127.0.0.1', Promise.resolve(account), Promise.resolve(ACCOUNT)),
      `owner:${ACCOUNT}`,
    );
    assert.equal(await rateLimitKey('192.0.2.7', undefined, Promise.resolve(undefined)), 'ip:192.0.2.7');
    const broken = Promise.reject(new Error('verifier failed'));
    assert.equal(await rateLimitKey('192.0.2.7', undefined, broken), 'ip:192.0.2.7');
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as IPv4', async () => {
    const a = await rateLimitKey('2001:db8:1:2::1', undefined);
    const b = await rateLimitKey('2001:db8:1:2:ffff::9', undefined);
    const other = await rateLimitKey('2001:db8:1:3::1', undefined);
    assert.equal(a, b);
    assert.notEqual(a, other);
    assert.equal(await rateLimitKey('::ffff:192.0.2.7', undefined), 'ip:192.0.2.7');
  });
});

describe('rate limit from the environment', () => {
  it('is unset without the variable, or with an empty one', () => {
    assert.equal(rateLimitFromEnv({}), undefined);
    assert.equal(rateLimitFromEnv({ [RATE_LIMIT_ENV]: ' ' }), undefined);
  });

  it('is that many requests a minute, or none for 0', () => {
    assert.deepEqual(rateLimitFromEnv({ [RATE_LIMIT_ENV]: '300' }), {
      max: 300,
      windowMs: DEFAULT_RATE_LIMIT_WINDOW_MS,
    });
    assert.deepEqual(rateLimitFromEnv({ [RATE_LIMIT_ENV]: ' 7 ' }), { max: 7, windowMs: 60_000 });
    assert.equal(rateLimitFromEnv({ [RATE_LIMIT_ENV]: '0' }), false);
  });

  for (const bad of ['-1', '1.5', 'lots', '1e3', '1000001', '12abc']) {
    it(`refuses ${JSON.stringify(bad)}, naming the variable`, () => {
      assert.throws(() => rateLimitFromEnv({ [RATE_LIMIT_ENV]: bad }), {
        code: 'BYODA_ERR_CONFIG',
        message: /^BYODA_RATE_LIMIT_PER_MINUTE must be a whole number of requests a minute/,
      });
    });
  }
});

describe('rate limit given in code', () => {
  it('takes a minute as the default window', () => {
    assert.deepEqual(checkRateLimit({ max: 10 }), { max: 10, windowMs: 60_000, ownerMax: 500 });
    assert.deepEqual(checkRateLimit({ max: 1, windowMs: 1000 }), { max: 1, windowMs: 1000, ownerMax: 50 });
  });

  it("gives the owner OWNER_RATE_FACTOR times a client's limit unless told otherwise", () => {
    assert.equal(checkRateLimit({ max: 7 }).ownerMax, 7 * OWNER_RATE_FACTOR);
    assert.equal(checkRateLimit({ max: 7, ownerMax: 9 }).ownerMax, 9);
    const limit = checkRateLimit({ max: 7 });
    assert.equal(limitOfKey(limit, `owner:${ACCOUNT}`), 7 * OWNER_RATE_FACTOR);
    assert.equal(limitOfKey(limit, 'ip:192.0.2.7'), 7);
    assert.equal(limitOfKey(limit, `cert:${ACCOUNT}.accounts.byoda.test`), 7);
    assert.throws(() => checkRateLimit({ max: 7, ownerMax: 0 }), { message: /rateLimit\.ownerMax/ });
  });

  it('refuses a max that is not a whole number of at least 1, naming rateLimit.max', () => {
    for (const max of [0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => checkRateLimit({ max }), { code: 'BYODA_ERR_CONFIG', message: /rateLimit\.max/ });
    }
  });

  it('refuses a window out of range, naming rateLimit.windowMs', () => {
    for (const windowMs of [0, -1, 0.5, 86_400_001]) {
      assert.throws(() => checkRateLimit({ max: 5, windowMs }), {
        code: 'BYODA_ERR_CONFIG',
        message: /rateLimit\.windowMs/,
      });
    }
  });
});
