/**
 * Renewal (src/pki renewal.ts, renewer.ts): when a leaf is due, test leaf lifetimes, adopting a
 * renewal in place (same key), and the renewal loop's retries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CertificateRenewer,
  adoptRenewal,
  leafLifetimeFromEnv,
  leafValidity,
  memberDataCn,
  memberFqdn,
  renewalDue,
  renewalSettingsFromEnv,
  requestCredential,
  verifyChainBundle,
} from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { NETWORK, SERVICE_ID, makeHierarchy } from '../../fixtures/pki.js';

const MEMBER = '0c3a1a2e-7a8b-4c1d-9e2f-3a4b5c6d7e8f';

describe('renewal', () => {
  it('is due only in the last part of the lifetime', async () => {
    const { membersCa } = await makeHierarchy();
    const now = Date.now();
    const leaf = await membersCa.issueCredential(memberFqdn(NETWORK, SERVICE_ID, MEMBER), {
      validity: leafValidity(100_000, now),
    });
    assert.equal(renewalDue(leaf.certPem, 0.5, now + 10_000), false);
    assert.equal(renewalDue(leaf.certPem, 0.5, now + 60_000), true);
    assert.equal(renewalDue(leaf.certPem, 0.5, now + 200_000), true, 'an expired leaf is due');
  });

  it('reads the settings from the environment and refuses malformed ones', () => {
    assert.deepEqual(renewalSettingsFromEnv({ BYODA_RENEW_FRACTION: '0.5', BYODA_RENEW_CHECK_MS: '1000' }), {
      fraction: 0.5,
      checkMs: 1000,
    });
    for (const env of [
      { BYODA_RENEW_FRACTION: '1.5' },
      { BYODA_RENEW_FRACTION: 'x' },
      { BYODA_RENEW_CHECK_MS: '5' },
    ]) {
      assert.throws(() => renewalSettingsFromEnv(env), { code: 'BYODA_ERR_CONFIG' });
    }
    assert.equal(leafLifetimeFromEnv({}), undefined);
    assert.equal(leafLifetimeFromEnv({ BYODA_TEST_LEAF_LIFETIME_S: '30' }), 30_000);
    assert.throws(() => leafLifetimeFromEnv({ BYODA_TEST_LEAF_LIFETIME_S: '3' }), {
      code: 'BYODA_ERR_CONFIG',
    });
  });

  it('adopts a renewal with the same key in the same credential object, and refuses another name', async () => {
    const { membersCa, root } = await makeHierarchy();
    const cn = memberDataCn(NETWORK, SERVICE_ID, MEMBER);
    const sign = async (csrPem: string) => (await membersCa.signCsr(csrPem, cn)).chainPem;
    const current = await requestCredential(cn, root.credential.certPem, sign);
    const held = current;
    const renewed = await requestCredential(cn, root.credential.certPem, sign, current.keys);
    assert.notEqual(renewed.certPem, current.certPem);
    adoptRenewal(held, renewed);
    assert.equal(held.certPem, renewed.certPem);
    assert.equal(held.keys, current.keys, 'the same key');
    await verifyChainBundle(held.chainPem, root.credential.certPem);
    const other = await membersCa.issueCredential(memberFqdn(NETWORK, SERVICE_ID, MEMBER));
    assert.throws(() => adoptRenewal(held, other), { code: 'BYODA_ERR_PKI' });
  });

  it('renews what is due, reports a failure and tries again at the next check', async () => {
    const { membersCa } = await makeHierarchy();
    const now = Date.now();
    const issue = (lifetime: number): Promise<Credential> =>
      membersCa.issueCredential(memberFqdn(NETWORK, SERVICE_ID, MEMBER), {
        validity: leafValidity(lifetime, now),
      });
    const due = await membersCa.issueCredential(memberFqdn(NETWORK, SERVICE_ID, MEMBER), {
      validity: { notBefore: new Date(now - 100_000), notAfter: new Date(now + 10_000) },
    });
    const notDue = await issue(10 * 60_000);
    const failures: string[] = [];
    const renewed: string[] = [];
    let attempts = 0;
    const renewer = new CertificateRenewer(
      { fraction: 0.5, checkMs: 60_000 },
      { renewed: (name) => renewed.push(name), failed: (name) => failures.push(name) },
    );
    renewer.add({
      name: 'due',
      credential: due,
      renew: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('the CA is away');
        return { ...(await issue(10 * 60_000)), keys: due.keys };
      },
    });
    renewer.add({
      name: 'not-due',
      credential: notDue,
      renew: () => Promise.reject(new Error('never')),
      maxLifetimeMs: 20 * 60_000,
    });
    await renewer.start();
    assert.deepEqual(failures, ['due']);
    await renewer.checkNow();
    assert.deepEqual(renewed, ['due']);
    await renewer.checkNow();
    assert.equal(attempts, 2, 'renewed once; not due again');
    await renewer.stop();
  });
  it('rotates the selected certificates with new keys, hands the old one to retiring, and waits for a check', async () => {
    const { membersCa, root } = await makeHierarchy();
    const rootPem = root.credential.certPem;
    const names = [memberFqdn(NETWORK, SERVICE_ID, MEMBER), memberDataCn(NETWORK, SERVICE_ID, MEMBER)];
    const held = await Promise.all(names.map((cn) => membersCa.issueCredential(cn)));
    const before = held.map((credential) => ({ keys: credential.keys, certPem: credential.certPem }));
    const events: string[] = [];
    let releaseCheck: () => void = () => undefined;
    const checkBlocked = new Promise<void>((resolve) => (releaseCheck = resolve));
    const renewer = new CertificateRenewer(
      { fraction: 0.5, checkMs: 60_000 },
      { renewed: (name) => events.push(`renewed ${name}`), failed: (name) => events.push(`failed ${name}`) },
    );
    held.forEach((credential, i) =>
      renewer.add({
        name: `c${i}`,
        credential,
        // Never due; a check that is running holds the first certificate's renewal up.
        maxLifetimeMs: i === 0 ? 1 : undefined,
        renew: async (current, keys) => {
          if (keys === undefined) {
            events.push('check');
            await checkBlocked;
            throw new Error('not this time');
          }
          assert.notEqual(keys, current.keys, 'a new key pair');
          const cn = current.commonName;
          return requestCredential(
            cn,
            rootPem,
            async (csr) => (await membersCa.signCsr(csr, cn)).chainPem,
            keys,
          );
        },
        retiring: (old) => {
          events.push(`retiring c${i}`);
          assert.equal(old.certPem, before[i]?.certPem, 'the certificate being replaced');
        },
      }),
    );
    const check = renewer.checkNow();
    const rotation = renewer.rotate((name) => name === 'c1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(events, ['check'], 'the rotation waits for the check');
    releaseCheck();
    await check;
    const rotated = await rotation;
    assert.deepEqual(
      rotated.map((r) => r.name),
      ['c1'],
    );
    assert.deepEqual(events, ['check', 'failed c0', 'retiring c1', 'renewed c1']);
    assert.equal(held[0]?.keys, before[0]?.keys, 'not selected: untouched');
    assert.notEqual(held[1]?.keys, before[1]?.keys, 'rotated in the same object');
    await verifyChainBundle(held[1]?.chainPem ?? '', rootPem);
    await renewer.stop();
  });
});
