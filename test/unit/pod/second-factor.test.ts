/**
 * The owner's one-time code (spec §12): the RFC 6238 test vectors (SHA-1, cut to 6 digits), the ±1 step
 * window, a code accepted once, single-use recovery codes, and enrolment in two steps, over a real
 * account.db and a clock the test moves.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isByodaError } from '../../../src/errors/index.js';
import { SecondFactor } from '../../../src/pod/auth/second-factor.js';
import { openSecret, sealSecret } from '../../../src/pod/auth/secret-box.js';
import {
  RECOVERY_CODE_COUNT,
  matchTotp,
  newRecoveryCodes,
  normaliseRecoveryCode,
  parseSecondFactorCode,
  totpCode,
} from '../../../src/pod/auth/totp.js';
import { AccountStore } from '../../../src/pod/lifecycle/account-store.js';

/** RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", in base32. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
/** Appendix B's SHA-1 values (8 digits there), as their last 6 digits. */
const RFC_VECTORS: readonly [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
  [20000000000, '353130'],
];
const PASSPHRASE = 'second factor test passphrase';
const T0 = 1_800_000_000_000;
const STEP_MS = 30_000;

describe('TOTP codes (RFC 6238)', () => {
  it('gives the RFC 6238 SHA-1 test vectors at 6 digits', async () => {
    for (const [seconds, code] of RFC_VECTORS) {
      assert.equal(await totpCode(RFC_SECRET, seconds * 1000), code, `T=${seconds}`);
      assert.equal(await matchTotp(RFC_SECRET, code, seconds * 1000, -1), Math.floor(seconds / 30));
    }
  });

  it('takes the code of the step before and after, not two steps away', async () => {
    const code = await totpCode(RFC_SECRET, T0);
    const step = T0 / STEP_MS;
    assert.equal(await matchTotp(RFC_SECRET, code, T0 - STEP_MS, -1), step, 'the phone is ahead');
    assert.equal(await matchTotp(RFC_SECRET, code, T0 + STEP_MS + 29_999, -1), step, 'behind');
    assert.equal(await matchTotp(RFC_SECRET, code, T0 + 2 * STEP_MS, -1), undefined);
    assert.equal(await matchTotp(RFC_SECRET, code, T0 - 2 * STEP_MS, -1), undefined);
    const wrong = code === '000000' ? '000001' : '000000';
    assert.equal(await matchTotp(RFC_SECRET, wrong, T0, -1), undefined);
  });

  it('refuses a code of a step at or before the last one accepted', async () => {
    const step = T0 / STEP_MS;
    const code = await totpCode(RFC_SECRET, T0);
    assert.equal(await matchTotp(RFC_SECRET, code, T0, step), undefined);
    assert.equal(await matchTotp(RFC_SECRET, code, T0, step + 1), undefined);
    assert.equal(await matchTotp(RFC_SECRET, code, T0, step - 1), step);
  });
});

describe('second-factor codes as input', () => {
  it('takes 6 digits and recovery codes in any case, with dashes or spaces', () => {
    assert.deepEqual(parseSecondFactorCode(' 012345 ', 'totp', true), { kind: 'totp', code: '012345' });
    const [recovery] = newRecoveryCodes(1);
    assert.match(recovery!, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    const typed = recovery!.toUpperCase().replace(/-/g, ' ');
    assert.deepEqual(parseSecondFactorCode(typed, 'totp', true), {
      kind: 'recovery',
      code: normaliseRecoveryCode(recovery!),
    });
  });

  it('refuses missing, short, long, non-digit and non-string codes with a 400 naming the field', () => {
    for (const bad of [undefined, '', '12345', '1234567', '12345a', 123456, 'abcd-efgh-ijkm-npq0']) {
      assert.throws(
        () => parseSecondFactorCode(bad, 'code', true),
        (err) => isByodaError(err) && err.status === 400 && err.path === '/code' && /code/.test(err.message),
        String(bad),
      );
    }
    const recovery = newRecoveryCodes(1)[0]!;
    assert.throws(() => parseSecondFactorCode(recovery, 'code', false), /6-digit code/);
  });
});

describe('sealed secrets', () => {
  it('opens with the passphrase only', async () => {
    const sealed = await sealSecret('JBSWY3DPEHPK3PXP', PASSPHRASE);
    assert.doesNotMatch(sealed, /JBSWY3DPEHPK3PXP/);
    assert.equal(await openSecret(sealed, PASSPHRASE), 'JBSWY3DPEHPK3PXP');
    await assert.rejects(openSecret(sealed, 'another passphrase'), { code: 'BYODA_ERR_KEY_PASSPHRASE' });
    await assert.rejects(openSecret('aesgcm$x', PASSPHRASE), { code: 'BYODA_ERR_CONFIG' });
  });
});

describe('second factor over account.db', () => {
  let dir = '';
  let store: AccountStore;
  let now = T0;
  let factor: SecondFactor;
  const secretOf = (uri: string) => new URL(uri).searchParams.get('secret')!;
  /** The enrolled factor's recovery codes and secret, for the tests after the first. */
  let codes: readonly string[] = [];
  let secret = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'byoda-second-factor-'));
    store = AccountStore.open(join(dir, 'account.db'));
    factor = new SecondFactor(store, PASSPHRASE, () => now);
  });

  after(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('enrols in two steps, replacing a pending secret, and refuses a confirm with none pending', async () => {
    await assert.rejects(factor.confirm('123456'), { code: 'BYODA_ERR_CONFLICT', status: 409 });
    const first = await factor.begin('owner@pod');
    assert.match(first.otpauthUri, /^otpauth:\/\/totp\/BYODA:owner%40pod\?/);
    assert.equal(first.recoveryCodes.length, RECOVERY_CODE_COUNT);
    assert.equal(new Set(first.recoveryCodes).size, RECOVERY_CODE_COUNT);
    const second = await factor.begin('owner@pod');
    assert.deepEqual(factor.status(), { enrolled: false, pending: true, recoveryCodesLeft: null });
    assert.equal(await factor.confirm(await totpCode(secretOf(first.otpauthUri), now)), false, 'replaced');
    assert.equal(await factor.confirm(await totpCode(secretOf(second.otpauthUri), now)), true);
    assert.deepEqual(factor.status(), { enrolled: true, pending: false, recoveryCodesLeft: 10 });
    const stored = JSON.stringify(store.totp('enrolled'));
    assert.ok(!stored.includes(secretOf(second.otpauthUri)), 'the secret is stored sealed');
    // The confirming code has been accepted: it cannot log in as well.
    const confirmed = await totpCode(secretOf(second.otpauthUri), now);
    assert.equal(await factor.check({ kind: 'totp', code: confirmed }), false);
    now += STEP_MS;
    const next = await totpCode(secretOf(second.otpauthUri), now);
    assert.equal(await factor.check({ kind: 'totp', code: next }), true);
    assert.equal(await factor.check({ kind: 'totp', code: next }), false, 'a code is accepted once');
    // Keep the codes for the next tests.
    codes = second.recoveryCodes;
    secret = secretOf(second.otpauthUri);
  });

  it('takes each recovery code once, and counts those left', async () => {
    const code = { kind: 'recovery', code: normaliseRecoveryCode(codes[0]!)! } as const;
    assert.equal(await factor.check(code), true);
    assert.equal(await factor.check(code), false);
    assert.equal(factor.status().recoveryCodesLeft, 9);
    const made = { kind: 'recovery', code: normaliseRecoveryCode(newRecoveryCodes(1)[0]!)! } as const;
    assert.equal(await factor.check(made), false, 'a code it never gave');
  });

  it('keeps the enrolled factor in force while a re-enrolment is pending, and keeps state on reopen', async () => {
    const pending = await factor.begin('owner@pod');
    now += STEP_MS;
    const reopened = new SecondFactor(store, PASSPHRASE, () => now);
    assert.equal(await reopened.check({ kind: 'totp', code: await totpCode(secret, now) }), true);
    assert.equal(reopened.status().pending, true);
    now += STEP_MS;
    assert.equal(await reopened.confirm(await totpCode(secretOf(pending.otpauthUri), now)), true);
    assert.equal(reopened.status().recoveryCodesLeft, 10, 'the new codes replace the old ones');
    const old = { kind: 'recovery', code: normaliseRecoveryCode(codes[1]!)! } as const;
    assert.equal(await reopened.check(old), false);
    reopened.disable();
    assert.deepEqual(reopened.status(), { enrolled: false, pending: false, recoveryCodesLeft: null });
  });
});
