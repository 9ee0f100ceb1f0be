// Boundary tests of the owner's login limiter and tokens (issue 18): each limit on both of its sides,
// with the clocks injected, and the exact reason of each refusal. They kill the mutants that the
// behaviour tests in owner-auth.test.ts let survive (docs/testing.md, "Survivors and equivalent mutants").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { CompactSign, SignJWT, decodeProtectedHeader } from 'jose';
import { DEFAULT_LOGIN_POLICY, LoginLimiter } from '../../../src/pod/auth/login-limiter.js';
import type { LoginPolicy } from '../../../src/pod/auth/login-limiter.js';
import { AccountStore } from '../../../src/pod/lifecycle/account-store.js';
import { OwnerTokens, bearerToken } from '../../../src/pod/auth/owner-token.js';

const DAY = 24 * 3600_000;

describe('login limiter boundaries', () => {
  function limiterAt(policy: Partial<LoginPolicy> = {}, start = 10 * DAY) {
    const clock = { now: start };
    const store = AccountStore.open(':memory:');
    const limiter = new LoginLimiter(store, { now: () => clock.now, policy });
    return { clock, limiter, store };
  }

  /** Refused at `waitMs - 1` after now, allowed at `waitMs` (the allowed attempt is counted). */
  function assertWait(
    setup: { clock: { now: number }; limiter: LoginLimiter },
    client: string,
    waitMs: number,
    by: 'client' | 'account',
  ): void {
    const { clock, limiter } = setup;
    clock.now += waitMs - 1;
    const refused = limiter.begin(client);
    assert.equal(refused.allowed, false, `${client} refused 1 ms before ${waitMs} ms`);
    if (!refused.allowed) assert.equal(refused.by, by);
    clock.now += 1;
    assert.equal(limiter.begin(client).allowed, true, `${client} allowed after ${waitMs} ms`);
  }

  it("waits exactly 1, 2, 4 ... s between a client's attempts after three failures, capped at 15 min", () => {
    const setup = limiterAt();
    for (let i = 0; i < 3; i++) assert.equal(setup.limiter.begin('10.0.0.1').allowed, true);
    const waits = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900].map((s) => s * 1000);
    for (const wait of waits) assertWait(setup, '10.0.0.1', wait, 'client');
  });

  it('says how many whole seconds are left, rounded up, at least one', () => {
    const { clock, limiter } = limiterAt();
    for (let i = 0; i < 4; i++) limiter.begin('10.0.0.1');
    clock.now += 1000;
    assert.equal(limiter.begin('10.0.0.1').allowed, true, 'the fourth failure waited 1 s');
    // The fifth failure waits 2 s: after 1 ms 1,999 ms are left (2 s); after 1,001 ms, 999 ms (1 s).
    clock.now += 1;
    assert.deepEqual(limiter.begin('10.0.0.1'), { allowed: false, retryAfterSeconds: 2, by: 'client' });
    clock.now += 1000;
    assert.deepEqual(limiter.begin('10.0.0.1'), { allowed: false, retryAfterSeconds: 1, by: 'client' });
    clock.now += 998;
    assert.deepEqual(limiter.begin('10.0.0.1'), { allowed: false, retryAfterSeconds: 1, by: 'client' });
  });

  it('spaces unknown clients exactly 250, 500, 1000 ... ms apart after ten failures, capped at 5 s', () => {
    const setup = limiterAt();
    for (let i = 0; i < 10; i++) assert.equal(setup.limiter.begin(`192.0.2.${i}`).allowed, true);
    const spacings = [250, 500, 1000, 2000, 4000, 5000, 5000];
    spacings.forEach((spacing, i) => assertWait(setup, `198.51.100.${i}`, spacing, 'account'));
  });

  it("forgets a client's failures exactly a day after its last one", () => {
    for (const [after, forgotten] of [
      [DAY - 1, false],
      [DAY, true],
    ] as const) {
      const { clock, limiter } = limiterAt();
      for (let i = 0; i < 3; i++) limiter.begin('10.0.0.1');
      clock.now += after;
      assert.equal(limiter.begin('10.0.0.1').allowed, true);
      // Remembered: that was the fourth failure in a row (2 s to wait); forgotten: the first (none).
      assert.equal(limiter.begin('10.0.0.1').allowed, forgotten, `after ${after} ms`);
    }
  });

  it("forgets the account's failures exactly an hour after its last one", () => {
    for (const [after, forgotten] of [
      [3600_000 - 1, false],
      [3600_000, true],
    ] as const) {
      const { clock, limiter } = limiterAt();
      for (let i = 0; i < 10; i++) limiter.begin(`192.0.2.${i}`);
      clock.now += after;
      assert.equal(limiter.begin('198.51.100.1').allowed, true);
      assert.equal(limiter.begin('198.51.100.2').allowed, forgotten, `after ${after} ms`);
    }
  });

  it('keeps a client known for exactly 30 days after its last successful login', () => {
    const { clock, limiter } = limiterAt();
    const start = clock.now;
    const owner = limiter.begin('10.0.0.1');
    assert.ok(owner.allowed);
    limiter.succeeded(owner);
    clock.now = start + 30 * DAY - 1;
    for (let i = 0; i < 10; i++) limiter.begin(`192.0.2.${i}`);
    assert.equal(limiter.begin('192.0.2.200').allowed, false, 'unknown clients are spaced out');
    assert.equal(limiter.begin('10.0.0.1').allowed, true, 'known until 30 days are over');
    clock.now += 1;
    assert.deepEqual(limiter.begin('10.0.0.1'), { allowed: false, retryAfterSeconds: 1, by: 'account' });
  });

  it('clears the account after a success, so that unknown clients are not spaced out', () => {
    const { limiter } = limiterAt();
    const first = limiter.begin('10.0.0.1');
    assert.ok(first.allowed);
    limiter.succeeded(first);
    for (let i = 0; i < 10; i++) limiter.begin(`192.0.2.${i}`);
    assert.equal(limiter.begin('192.0.2.200').allowed, false);
    const owner = limiter.begin('10.0.0.1');
    assert.ok(owner.allowed, 'the known client is not spaced out');
    limiter.succeeded(owner);
    assert.equal(limiter.begin('192.0.2.200').allowed, true, 'the account starts again from none');
  });

  it("keeps a client's failures while it is within a day of them, pruning or not", () => {
    const { clock, limiter } = limiterAt();
    for (let i = 0; i < 3; i++) limiter.begin('10.0.0.1');
    // 16 minutes on (past the longest client wait, within the day): another login prunes the table.
    clock.now += 16 * 60_000;
    limiter.begin('10.0.0.2');
    assert.equal(limiter.begin('10.0.0.1').allowed, true);
    assert.equal(limiter.begin('10.0.0.1').allowed, false, 'the fourth failure in a row: 2 s to wait');
  });

  it('keeps a known client known when the table is pruned', () => {
    const { clock, limiter } = limiterAt();
    const owner = limiter.begin('10.0.0.1');
    assert.ok(owner.allowed);
    limiter.succeeded(owner);
    clock.now += 2 * 60_000;
    for (let i = 0; i < 10; i++) limiter.begin(`192.0.2.${i}`);
    assert.equal(limiter.begin('192.0.2.200').allowed, false);
    assert.equal(limiter.begin('10.0.0.1').allowed, true, 'still known after the prune');
  });

  it('prunes forgotten clients from account.db at most once a minute', () => {
    const { clock, limiter, store } = limiterAt({ clientForgetMs: 1000, clientMaxDelayMs: 1000 });
    limiter.begin('10.0.0.1');
    assert.ok(store.loginClient('10.0.0.1'));
    clock.now += 59_999;
    limiter.begin('10.0.0.2');
    assert.ok(store.loginClient('10.0.0.1'), 'not pruned within the minute');
    clock.now += 1;
    limiter.begin('10.0.0.2');
    assert.equal(store.loginClient('10.0.0.1'), undefined, 'pruned a minute after the last prune');
    assert.ok(store.loginClient('10.0.0.2'), 'a client with a recent failure stays');
  });

  it('has the documented default policy', () => {
    assert.deepEqual(DEFAULT_LOGIN_POLICY, {
      clientFreeFailures: 3,
      clientBaseDelayMs: 1000,
      clientMaxDelayMs: 900_000,
      clientForgetMs: DAY,
      accountFreeFailures: 10,
      accountBaseSpacingMs: 250,
      accountMaxSpacingMs: 5000,
      accountForgetMs: 3600_000,
      knownClientMs: 30 * DAY,
    });
  });
});

describe('owner token boundaries', () => {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const accountId = '0d9e7c2a-51b4-4e8f-a3c6-7b2f9d1e4a58';
  const podFqdn = `${accountId}.accounts.byoda.test`;
  const START = Date.parse('2026-06-01T00:00:00Z');

  function tokensAt(
    clock: { now: number },
    options: Partial<ConstructorParameters<typeof OwnerTokens>[0]> = {},
  ) {
    return new OwnerTokens({ podFqdn, accountId, ...keys, now: () => clock.now, ...options });
  }

  /** A token signed with the pod's own key, with the claims given (seconds). */
  function signed(claims: { iat?: number; exp?: number; sid?: unknown }) {
    const jwt = new SignJWT(claims.sid === undefined ? {} : { sid: claims.sid })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(podFqdn)
      .setAudience(podFqdn)
      .setSubject(accountId);
    if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
    if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
    return jwt.sign(keys.privateKey);
  }

  /** A correctly signed token whose header names an extension as critical that nobody knows. */
  function unknownCritical(now: number): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: 'ES256', crit: ['x-unknown'], 'x-unknown': 1 })}.${part({
      iss: podFqdn,
      aud: podFqdn,
      sub: accountId,
      iat: now,
      exp: now + 60,
    })}`;
    const signature = sign('sha256', Buffer.from(input), { key: keys.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }

  it('issues tokens of one hour by default and never longer, exp in whole seconds', async () => {
    const clock = { now: START + 700 };
    const { token, expiresAt } = await tokensAt(clock).issue();
    assert.equal(expiresAt.getTime(), START + 3600_000);
    const claims = await tokensAt(clock).verify(token);
    assert.equal(claims.expiresAt.getTime(), START + 3600_000);
    assert.equal(claims.accountId, accountId);
    assert.equal(claims.sessionId, undefined);
    const capped = await tokensAt(clock, { lifetimeSeconds: 7200 }).issue();
    assert.equal(capped.expiresAt.getTime(), START + 3600_000);
    assert.equal(tokensAt(clock, { lifetimeSeconds: 600 }).nextExpiry().getTime(), START + 600_000);
    assert.equal(tokensAt(clock).nextExpiry().getTime(), START + 3600_000);
  });

  it('issues a token expiring at `until` when that comes first, and at its lifetime otherwise', async () => {
    const clock = { now: START };
    const tokens = tokensAt(clock);
    const early = await tokens.issue(undefined, new Date(START + 60_500));
    assert.equal(early.expiresAt.getTime(), START + 60_000);
    const late = await tokens.issue(undefined, new Date(START + 7200_000));
    assert.equal(late.expiresAt.getTime(), START + 3600_000);
  });

  it('signs with an ES256 header of type JWT', async () => {
    const { token } = await tokensAt({ now: START }).issue();
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', typ: 'JWT' });
  });

  it('refuses a token older than an hour and a minute from its iat on, cached or not', async () => {
    const iat = Math.floor(START / 1000);
    const token = await signed({ iat, exp: iat + 7200 });
    const limit = (iat + 3661) * 1000;
    const clock = { now: START };
    const cached = tokensAt(clock);
    const first = await cached.verify(token);
    clock.now = limit - 1;
    assert.equal(await cached.verify(token), first, 'from the cache, 1 ms before the age limit');
    assert.equal((await tokensAt(clock).verify(token)).accountId, accountId, 'fresh, 1 ms before');
    clock.now = limit;
    await assert.rejects(cached.verify(token), { message: 'invalid owner token: expired' });
    await assert.rejects(tokensAt(clock).verify(token), { message: 'invalid owner token: expired' });
  });

  it('requires exp and iat', async () => {
    const now = Math.floor(START / 1000);
    const clock = { now: START };
    await assert.rejects(tokensAt(clock).verify(await signed({ iat: now })), {
      code: 'BYODA_ERR_UNAUTHORIZED',
      message: 'invalid owner token: claim exp is not valid here',
    });
    await assert.rejects(tokensAt(clock).verify(await signed({ exp: now + 60 })), {
      message: 'invalid owner token: claim iat is not valid here',
    });
  });

  it('answers a verified token from its cache (the same claims) until it is no longer valid', async () => {
    const clock = { now: START };
    const tokens = tokensAt(clock);
    const { token } = await tokens.issue();
    const first = await tokens.verify(token);
    assert.equal(tokens.cachedTokens, 1);
    assert.equal(await tokens.verify(token), first, 'remembered');
    const uncached = tokensAt(clock, { cacheSize: 0 });
    const again = await uncached.verify(token);
    assert.notEqual(await uncached.verify(token), again, 'verified afresh each time without a cache');
    assert.equal(uncached.cachedTokens, 0);
  });

  it('names the reason of each refusal', async () => {
    const clock = { now: START };
    const tokens = tokensAt(clock);
    const now = Math.floor(START / 1000);
    const refusals: [string, string][] = [
      ['abc', 'malformed token'],
      [
        // Signed correctly, but the payload is not a JSON claims set.
        await new CompactSign(new TextEncoder().encode('not json'))
          .setProtectedHeader({ alg: 'ES256' })
          .sign(keys.privateKey),
        'malformed token',
      ],
      [
        // An extension header this pod does not know (jose would not sign it): refused as unsupported.
        unknownCritical(now),
        'not accepted',
      ],
      [await signed({ iat: now - 120, exp: now - 60 }), 'expired'],
    ];
    for (const [token, reason] of refusals) {
      await assert.rejects(tokens.verify(token), {
        code: 'BYODA_ERR_UNAUTHORIZED',
        status: 401,
        message: `invalid owner token: ${reason}`,
      });
    }
  });

  it('reads a session id only when it is a string', async () => {
    const now = Math.floor(START / 1000);
    const tokens = tokensAt({ now: START });
    assert.equal(
      (await tokens.verify(await signed({ iat: now, exp: now + 60, sid: 5 }))).sessionId,
      undefined,
    );
    assert.equal(
      (await tokens.verify(await signed({ iat: now, exp: now + 60, sid: 's-1' }))).sessionId,
      's-1',
    );
  });

  it('with a session gate: needs a session to issue, refuses tokens without one or of an ended one', async () => {
    const clock = { now: START };
    const active = new Set<string>(['s-1']);
    const gated = tokensAt(clock, { sessions: { isActive: (id) => active.has(id) } });
    await assert.rejects(gated.issue(), {
      code: 'BYODA_ERR_INTERNAL',
      message: 'an owner token needs a session here',
    });
    const { token } = await gated.issue('s-1');
    assert.equal((await gated.verify(token)).sessionId, 's-1');
    active.delete('s-1');
    await assert.rejects(gated.verify(token), {
      code: 'BYODA_ERR_UNAUTHORIZED',
      status: 401,
      message: 'invalid owner token: its session has ended',
    });
    // A gate that says every session is active still refuses a token that names none.
    const open = tokensAt(clock, { sessions: { isActive: () => true } });
    const now = Math.floor(START / 1000);
    await assert.rejects(open.verify(await signed({ iat: now, exp: now + 60 })), {
      message: 'invalid owner token: its session has ended',
    });
  });

  it('reads bearer tokens of every base64url character, and nothing around them', () => {
    assert.equal(bearerToken('Bearer aZ09_-.xY'), 'aZ09_-.xY');
    assert.equal(bearerToken('bearer   a.b'), 'a.b');
    for (const header of ['', 'xBearer abc', 'Bearer abc!', 'Bearer ab=', 'Bearer abc def', ' Bearer ']) {
      assert.equal(bearerToken(header), null, header);
    }
  });
});
