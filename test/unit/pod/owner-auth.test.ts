import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import {
  hashPassword,
  verifyPassword,
  generatePassword,
  validateNewPassword,
} from '../../../src/pod/auth/password.js';
import { LoginLimiter } from '../../../src/pod/auth/login-limiter.js';
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
  it('blocks a username after five failures and lets it in again after the window', () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter({ maxFailures: 5, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 5; i++) {
      assert.equal(limiter.retryAfterSeconds('owner', `10.0.0.${i}`), 0);
      limiter.recordFailure('owner', `10.0.0.${i}`);
    }
    assert.ok(limiter.retryAfterSeconds('owner', '10.0.0.99') > 0);
    now += 60_001;
    assert.equal(limiter.retryAfterSeconds('owner', '10.0.0.99'), 0);
  });

  it('blocks one address guessing many usernames', () => {
    const limiter = new LoginLimiter({ maxFailures: 3 });
    for (const user of ['a', 'b', 'c']) limiter.recordFailure(user, '127.0.0.1');
    assert.ok(limiter.retryAfterSeconds('d', '127.0.0.1') > 0);
    assert.equal(limiter.retryAfterSeconds('d', '127.0.0.2'), 0);
  });

  it('clears a username after a success', () => {
    const limiter = new LoginLimiter({ maxFailures: 2 });
    limiter.recordFailure('owner', '1.1.1.1');
    limiter.recordSuccess('owner');
    limiter.recordFailure('owner', '2.2.2.2');
    assert.equal(limiter.retryAfterSeconds('owner', '3.3.3.3'), 0);
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

  it('reads bearer tokens from Authorization headers', () => {
    assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
    assert.equal(bearerToken('Basic abc'), null);
    assert.equal(bearerToken(undefined), null);
    assert.equal(bearerToken('Bearer a b'), null);
  });
});
