import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import {
  hashPassword,
  verifyPassword,
  generatePassword,
  validateNewPassword,
} from '../../../src/pod/auth/password.js';
import { LoginLimiter } from '../../../src/pod/auth/login-limiter.js';
import { AccountStore } from '../../../src/pod/lifecycle/account-store.js';
import { OwnerTokens, bearerToken } from '../../../src/pod/auth/owner-token.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 };

describe('owner passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery', FAST);
    assert.match(stored, /^scrypt\$1024\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse battery', stored), true);
    assert.equal(await verifyPassword('correct horse batterx', stored), false);
  });

  it('salts each hash', async () => {
    assert.notEqual(await hashPassword('same password', FAST), await hashPassword('same password', FAST));
  });

  it('refuses malformed stored hashes without throwing', async () => {
    for (const bad of [
      '',
      'scrypt$1$2',
      'bcrypt$1$1$1$aa$bb',
      'scrypt$0$8$1$aa$bb',
      'scrypt$1024$8$1$aa$short',
    ]) {
      assert.equal(await verifyPassword('whatever1', bad), false, bad);
    }
  });

  it('refuses too short, too long and non-string new passwords, naming the field', () => {
    for (const bad of ['short', 'x'.repeat(1025), 42, undefined]) {
      assert.throws(() => validateNewPassword(bad), { code: 'BYODA_ERR_BAD_REQUEST', path: '/password' });
    }
  });

  it('generates long random passwords', () => {
    const a = generatePassword();
    assert.equal(a.length, 24);
    assert.notEqual(a, generatePassword());
  });
});

describe('login rate limit', () => {
  /** A limiter over a real account.db (in memory) with a clock the test moves. */
  function limiterAt(start = 1_000_000, store = AccountStore.open(':memory:')) {
    const clock = { now: start };
    const limiter = new LoginLimiter(store, { now: () => clock.now });
    return { clock, limiter, store };
  }

  /** `count` failed attempts from `client` (each begun and never succeeded); the outcomes. */
  function fail(limiter: LoginLimiter, client: string, count: number) {
    return Array.from({ length: count }, () => limiter.begin(client));
  }

  it('backs a client off after three failures, doubling, and lets it try again after the wait', () => {
    const { clock, limiter } = limiterAt();
    assert.deepEqual(
      fail(limiter, '10.0.0.1', 3).map((outcome) => outcome.allowed),
      [true, true, true],
    );
    const refused = limiter.begin('10.0.0.1');
    assert.deepEqual(refused, { allowed: false, retryAfterSeconds: 1, by: 'client' });
    clock.now += 999;
    assert.equal(limiter.begin('10.0.0.1').allowed, false);
    clock.now += 1;
    assert.equal(limiter.begin('10.0.0.1').allowed, true, 'the fourth attempt after one second');
    assert.deepEqual(limiter.begin('10.0.0.1'), { allowed: false, retryAfterSeconds: 2, by: 'client' });
  });

  it("counts an attempt when it begins, so concurrent guesses cannot all pass before one's hash ends", () => {
    const { limiter } = limiterAt();
    const outcomes = fail(limiter, '10.0.0.1', 40);
    assert.equal(outcomes.filter((outcome) => outcome.allowed).length, 3);
  });

  it("does not let one client's failures hold another client, nor lock the account", () => {
    const { limiter } = limiterAt();
    fail(limiter, '10.0.0.66', 3);
    assert.equal(limiter.begin('10.0.0.66').allowed, false);
    assert.equal(limiter.begin('10.0.0.1').allowed, true);
  });

  it('clears a client after a success, and only that client', () => {
    const { limiter } = limiterAt();
    fail(limiter, '10.0.0.2', 3);
    fail(limiter, '10.0.0.1', 2);
    const attempt = limiter.begin('10.0.0.1');
    assert.ok(attempt.allowed);
    limiter.succeeded(attempt);
    assert.deepEqual(
      fail(limiter, '10.0.0.1', 3).map((outcome) => outcome.allowed),
      [true, true, true],
      'three free failures again',
    );
    assert.equal(limiter.begin('10.0.0.2').allowed, false, 'the other client still waits');
  });

  it('spaces out unknown clients after many failures of the account, by a few seconds at most', () => {
    const { clock, limiter } = limiterAt();
    // The owner logs in from 10.0.0.1: a known client from then on.
    const owner = limiter.begin('10.0.0.1');
    assert.ok(owner.allowed);
    limiter.succeeded(owner);
    // An attacker with many addresses, one guess from each.
    for (let i = 0; i < 10; i++) assert.equal(limiter.begin(`192.0.2.${i}`).allowed, true);
    const spaced = limiter.begin('192.0.2.100');
    assert.deepEqual(spaced, { allowed: false, retryAfterSeconds: 1, by: 'account' });
    assert.equal(limiter.begin('10.0.0.1').allowed, true, 'the known client is not held');
    let longest = 0;
    for (let i = 0; i < 40; i++) {
      let outcome = limiter.begin(`198.51.100.${i}`);
      while (!outcome.allowed) {
        longest = Math.max(longest, outcome.retryAfterSeconds);
        clock.now += outcome.retryAfterSeconds * 1000;
        outcome = limiter.begin(`198.51.100.${i}`);
      }
    }
    assert.equal(longest, 5, 'the account slows guessing to one every 5 s at most, never locks');
  });

  it('forgets a quiet client after a day and a quiet account after an hour', () => {
    const { clock, limiter } = limiterAt();
    fail(limiter, '10.0.0.1', 3);
    for (let i = 0; i < 10; i++) limiter.begin(`192.0.2.${i}`);
    assert.equal(limiter.begin('192.0.2.200').allowed, false, 'the account spaces attempts out');
    clock.now += 3600_000;
    assert.equal(limiter.begin('192.0.2.200').allowed, true, 'the account is quiet again');
    clock.now += 23 * 3600_000;
    assert.deepEqual(
      fail(limiter, '10.0.0.1', 3).map((outcome) => outcome.allowed),
      [true, true, true],
    );
  });

  it('keeps its state in account.db across a reopen', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'byoda-login-'));
    try {
      const file = join(temp, 'account.db');
      const first = limiterAt(1_000_000, AccountStore.open(file));
      fail(first.limiter, '10.0.0.1', 3);
      first.store.close();
      const second = limiterAt(1_000_000, AccountStore.open(file));
      assert.deepEqual(second.limiter.begin('10.0.0.1'), {
        allowed: false,
        retryAfterSeconds: 1,
        by: 'client',
      });
      second.store.close();
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  });
});

describe('owner tokens', () => {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const accountId = '2f0c4b3e-6a51-4f57-9a63-3f0b5f2b7c11';
  const podFqdn = `${accountId}.accounts.byoda.test`;
  const tokens = new OwnerTokens({ podFqdn, accountId, ...keys });

  it('issues a token that verifies and expires within an hour', async () => {
    const { token, expiresAt } = await tokens.issue();
    const claims = await tokens.verify(token);
    assert.equal(claims.accountId, accountId);
    assert.ok(expiresAt.getTime() - Date.now() <= 3600_000);
  });

  it('refuses a token signed by another pod', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const foreign = new OwnerTokens({ podFqdn, accountId, ...other });
    const { token } = await foreign.issue();
    await assert.rejects(tokens.verify(token), { code: 'BYODA_ERR_UNAUTHORIZED', message: /bad signature/ });
  });

  it('refuses a token for another pod audience', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(podFqdn)
      .setAudience('someone-else.accounts.byoda.test')
      .setSubject(accountId)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(keys.privateKey);
    await assert.rejects(tokens.verify(token), { code: 'BYODA_ERR_UNAUTHORIZED', message: /claim aud/ });
  });

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(podFqdn)
      .setAudience(podFqdn)
      .setSubject(accountId)
      .setIssuedAt(past)
      .setExpirationTime(past + 60)
      .sign(keys.privateKey);
    await assert.rejects(tokens.verify(token), { code: 'BYODA_ERR_UNAUTHORIZED', message: /expired/ });
  });

  it('refuses alg none and forged HS256 tokens', async () => {
    const none = new UnsecuredJWT({})
      .setIssuer(podFqdn)
      .setAudience(podFqdn)
      .setSubject(accountId)
      .setIssuedAt()
      .setExpirationTime('10m')
      .encode();
    await assert.rejects(tokens.verify(none), { code: 'BYODA_ERR_UNAUTHORIZED' });
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(podFqdn)
      .setAudience(podFqdn)
      .setSubject(accountId)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('a shared secret guess a shared secret guess'));
    await assert.rejects(tokens.verify(hs), { code: 'BYODA_ERR_UNAUTHORIZED', message: /algorithm/ });
  });

  it('refuses garbage', async () => {
    for (const bad of ['', 'abc', 'a.b.c', 'eyJhbGciOiJFUzI1NiJ9..']) {
      await assert.rejects(tokens.verify(bad), { code: 'BYODA_ERR_UNAUTHORIZED' });
    }
  });

  it('reads bearer tokens from Authorization headers, the scheme in any case (RFC 7235)', () => {
    for (const header of [
      'Bearer abc.def.ghi',
      'bearer abc.def.ghi',
      'BEARER abc.def.ghi',
      ' Bearer  abc.def.ghi ',
    ]) {
      assert.equal(bearerToken(header), 'abc.def.ghi', header);
    }
    for (const header of [
      'Basic abc',
      'Bearerabc.def',
      'Token abc.def.ghi',
      'Bearer',
      'Bearer a b',
      'Bearer a,b',
    ]) {
      assert.equal(bearerToken(header), null, header);
    }
    assert.equal(bearerToken(undefined), null);
  });
});

describe('verified owner tokens are cached until they expire', () => {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const accountId = '6b1f0a52-3c7e-4d0b-8f2a-9e4c1d7b5a30';
  const podFqdn = `${accountId}.accounts.byoda.test`;
  const START = Date.parse('2026-01-01T00:00:00Z');

  function tokensAt(clock: { now: number }, signing = keys) {
    return new OwnerTokens({ podFqdn, accountId, ...signing, lifetimeSeconds: 600, now: () => clock.now });
  }

  it('accepts a cached token until just before its expiry and refuses it from its expiry on', async () => {
    const clock = { now: START };
    const tokens = tokensAt(clock);
    const { token, expiresAt } = await tokens.issue();
    assert.equal(expiresAt.getTime(), START + 600_000);
    await tokens.verify(token);
    clock.now = expiresAt.getTime() - 1;
    assert.equal((await tokens.verify(token)).accountId, accountId, 'just before exp: accepted');
    clock.now = expiresAt.getTime();
    await assert.rejects(tokens.verify(token), { code: 'BYODA_ERR_UNAUTHORIZED', message: /expired/ });
    clock.now = expiresAt.getTime() - 1;
    assert.equal((await tokens.verify(token)).accountId, accountId, 'a refusal is not remembered');
  });

  it('checks expiry the same way for a token it has not seen before', async () => {
    const clock = { now: START };
    const { token, expiresAt } = await tokensAt(clock).issue();
    clock.now = expiresAt.getTime() - 1;
    assert.equal((await tokensAt(clock).verify(token)).accountId, accountId);
    clock.now = expiresAt.getTime();
    await assert.rejects(tokensAt(clock).verify(token), { message: /expired/ });
  });

  it('never takes a changed token for a cached one', async () => {
    const clock = { now: START };
    const tokens = tokensAt(clock);
    const { token } = await tokens.issue();
    await tokens.verify(token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    await assert.rejects(tokens.verify(`${header}.${payload}.${flipped}`), { message: /bad signature/ });
    await assert.rejects(tokens.verify(`${token}x`), { code: 'BYODA_ERR_UNAUTHORIZED' });
  });

  it('refuses tokens of a replaced signing key, however often they were verified before', async () => {
    const clock = { now: START };
    const old = tokensAt(clock);
    const { token } = await old.issue();
    await old.verify(token);
    const replaced = tokensAt(clock, generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    await assert.rejects(replaced.verify(token), { message: /bad signature/ });
  });

  it('forgets the least recently used token beyond its size, and verifies it again', async () => {
    const clock = { now: START };
    const tokens = new OwnerTokens({ podFqdn, accountId, ...keys, cacheSize: 2, now: () => clock.now });
    const first = (await tokens.issue()).token;
    clock.now += 1000;
    const second = (await tokens.issue()).token;
    clock.now += 1000;
    const third = (await tokens.issue()).token;
    await tokens.verify(first);
    await tokens.verify(second);
    assert.equal(tokens.cachedTokens, 2);
    await tokens.verify(third);
    assert.equal(tokens.cachedTokens, 2, 'bounded');
    assert.equal((await tokens.verify(first)).accountId, accountId, 'verified again once forgotten');
    await assert.rejects(tokens.verify(`${first}x`));
    assert.equal(tokens.cachedTokens, 2, 'a failure is not cached');
  });

  it('tells the account id of a valid token in a header, and nothing for any other', async () => {
    const clock = { now: START };
    const tokens = tokensAt(clock);
    const { token } = await tokens.issue();
    assert.equal(await tokens.ownerOf(`bearer ${token}`), accountId);
    for (const header of [undefined, '', `Basic ${token}`, `Bearer ${token}x`, 'Bearer a.b.c']) {
      assert.equal(await tokens.ownerOf(header), undefined, String(header));
    }
  });
});
