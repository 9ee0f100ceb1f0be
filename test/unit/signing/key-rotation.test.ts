/**
 * Signatures across a key rotation (docs/protocol.md, "Key rotation"), in one process: a member whose
 * pod serves two data certs (the current one, and by thumbprint the one a rotation replaced), a
 * verifier's data cert cache holding either, and record signatures made before and after. Every chain
 * is a real one of a test hierarchy, verified to its root; the "pod" is a function that answers as
 * the pod's data cert route does (`?x5t=`: that certificate, or not found).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createDataCertCache } from '../../../src/federation/index.js';
import type { DataCertCache } from '../../../src/federation/index.js';
import { ByodaError } from '../../../src/errors/index.js';
import { certThumbprint, isThumbprint, memberDataCn } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import { CompactSign } from 'jose';
import {
  REASON_CHANGED,
  readDataSignature,
  signRecord,
  signedBytes,
  verifyRecordSignature,
} from '../../../src/signing/index.js';
import type { DataRecord } from '../../../src/storage/index.js';
import { NETWORK, SERVICE_ID, testNetwork } from '../federation/pods.js';
import type { TestMember, TestNetwork } from '../federation/pods.js';

const CLASS = 'network_links_inbound';

describe('thumbprints across a key rotation', () => {
  let net: TestNetwork;
  let alice: TestMember;
  /** Alice's data credential after a rotation: same name, new key. */
  let rotated: Credential;
  /** Alice's data credential renewed: same key as `rotated`, another certificate. */
  let renewed: Credential;
  const record: DataRecord = { member_id: 'abcdef12-1111-4111-8111-111111111111', relation: 'follow' };
  /** What Alice's pod serves now: current chain and the previous one. */
  let served: { current: string; previous: string | undefined };
  let fetches: string[];

  function pod(memberId: string, x5t?: string): Promise<string> {
    fetches.push(x5t === undefined ? 'current' : x5t);
    if (memberId !== alice.memberId) return Promise.reject(new Error('no such pod'));
    if (x5t === undefined) return Promise.resolve(served.current);
    for (const chain of [served.current, served.previous]) {
      if (chain !== undefined && certThumbprint(chain) === x5t) return Promise.resolve(chain);
    }
    return Promise.reject(new ByodaError('BYODA_ERR_NOT_FOUND', 'no data certificate of that thumbprint'));
  }

  function cache(options: { refreshGapMs?: number; now?: () => number } = {}): DataCertCache {
    return createDataCertCache({
      fetchChain: pod,
      rootCaPem: net.rootCaPem,
      network: NETWORK,
      serviceId: SERVICE_ID,
      ...options,
    });
  }

  const sign = (credential: Credential) =>
    signRecord({ serviceId: SERVICE_ID, className: CLASS, data: record, credential });
  const verify = (jws: string, certs: DataCertCache) =>
    verifyRecordSignature(
      jws,
      { serviceId: SERVICE_ID, className: CLASS, data: record },
      { fetchChain: (id, x5t) => certs.get(id, x5t) },
    );

  before(async () => {
    net = await testNetwork();
    alice = await net.member();
    const cn = memberDataCn(NETWORK, SERVICE_ID, alice.memberId);
    rotated = await net.hierarchy.membersCa.issueCredential(cn);
    // A renewal keeps the key: a certificate of `rotated`'s key with another serial.
    renewed = { ...(await net.hierarchy.membersCa.issue(cn, rotated.keys.publicKey)), keys: rotated.keys };
  });

  it('is the base64url SHA-256 of the DER, as `x5t#S256` is defined (RFC 7515)', () => {
    const hex = new X509Certificate(alice.data.certPem).fingerprint256.replaceAll(':', '');
    assert.equal(certThumbprint(alice.data.certPem), Buffer.from(hex, 'hex').toString('base64url'));
    assert.equal(certThumbprint(alice.data.chainPem), certThumbprint(alice.data.certPem), 'of the leaf');
    assert.notEqual(certThumbprint(rotated.certPem), certThumbprint(alice.data.certPem));
    assert.equal(isThumbprint(certThumbprint(rotated.certPem)), true);
    for (const bad of ['', 'A'.repeat(42), `${'A'.repeat(42)}=`, 'A'.repeat(44), 'A+'.repeat(21) + 'A', 43]) {
      assert.equal(isThumbprint(bad), false, String(bad));
    }
  });

  it('a signature names the certificate it was made with', async () => {
    const { header } = readDataSignature(await sign(rotated));
    assert.equal(header['x5t#S256'], certThumbprint(rotated.certPem));
  });

  it('a verifier that cached the old chain fetches the new one a new signature names', async () => {
    served = { current: alice.data.chainPem, previous: undefined };
    fetches = [];
    const certs = cache();
    const before = await sign(alice.data);
    assert.equal((await verify(before, certs)).verified, true);
    assert.deepEqual(fetches, [certThumbprint(alice.data.certPem)], 'the named one, found current');
    // Alice rotates: her pod serves the new chain, and the old one by thumbprint.
    served = { current: rotated.chainPem, previous: alice.data.chainPem };
    const after = await sign(rotated);
    assert.equal((await verify(after, certs)).verified, true);
    assert.equal((await verify(before, certs)).verified, true, 'the old signature still verifies');
    assert.deepEqual(fetches.slice(1), [certThumbprint(rotated.certPem)], 'one fetch, by thumbprint');
    // Both are in memory now: no more fetches.
    await verify(after, certs);
    await verify(before, certs);
    assert.equal(fetches.length, 2);
  });

  it('a verifier that has only the new chain fetches the old one an old signature names', async () => {
    served = { current: rotated.chainPem, previous: alice.data.chainPem };
    fetches = [];
    const certs = cache();
    assert.equal(await certs.get(alice.memberId), rotated.chainPem);
    const old = await sign(alice.data);
    assert.deepEqual(await verify(old, certs), {
      verified: true,
      signerMemberId: alice.memberId,
      signedAt: (await verify(old, certs)).signedAt,
    });
    assert.deepEqual(fetches, ['current', certThumbprint(alice.data.certPem)]);
  });

  it('without the previous chain the old signature is refused, not verified with the new key', async () => {
    served = { current: rotated.chainPem, previous: undefined };
    fetches = [];
    const check = await verify(await sign(alice.data), cache());
    assert.equal(check.verified, false);
    assert.equal(check.reason, REASON_CHANGED);
    assert.deepEqual(fetches, [certThumbprint(alice.data.certPem), 'current'], 'asked, then the current one');
  });

  it('a signature whose certificate was renewed since (same key) verifies with the current chain', async () => {
    assert.notEqual(certThumbprint(renewed.certPem), certThumbprint(rotated.certPem));
    served = { current: renewed.chainPem, previous: undefined };
    fetches = [];
    assert.equal((await verify(await sign(rotated), cache())).verified, true);
  });

  it('a signature made before thumbprints (no header) verifies with the current chain', async () => {
    served = { current: alice.data.chainPem, previous: undefined };
    fetches = [];
    const { 'x5t#S256': named, ...header } = readDataSignature(await sign(alice.data)).header;
    assert.ok(named);
    const legacy = await new CompactSign(signedBytes(record))
      .setProtectedHeader({ ...header })
      .sign(alice.data.keys.privateKey);
    const [legacyHeader, , legacySignature] = legacy.split('.');
    assert.equal((await verify(`${legacyHeader ?? ''}..${legacySignature ?? ''}`, cache())).verified, true);
    assert.deepEqual(fetches, ['current']);
  });

  it('a chain served for a thumbprint must have that thumbprint', async () => {
    // A pod that answers every `?x5t=` with its current chain: the old signature is not verified with it.
    const certs = createDataCertCache({
      fetchChain: () => Promise.resolve(rotated.chainPem),
      rootCaPem: net.rootCaPem,
      network: NETWORK,
      serviceId: SERVICE_ID,
    });
    const check = await verify(await sign(alice.data), certs);
    assert.equal(check.verified, false);
  });

  it('refresh fetches the current chain again, at most once per gap', async () => {
    served = { current: alice.data.chainPem, previous: undefined };
    fetches = [];
    let now = 1_000_000;
    const certs = cache({ refreshGapMs: 10_000, now: () => now });
    assert.equal(await certs.get(alice.memberId), alice.data.chainPem);
    served = { current: rotated.chainPem, previous: alice.data.chainPem };
    assert.equal(await certs.get(alice.memberId), alice.data.chainPem, 'cached');
    assert.equal(await certs.refresh(alice.memberId), rotated.chainPem);
    assert.equal(await certs.get(alice.memberId), rotated.chainPem, 'the refreshed one is kept');
    served = { current: renewed.chainPem, previous: rotated.chainPem };
    assert.equal(await certs.refresh(alice.memberId), rotated.chainPem, 'within the gap: the cached one');
    now += 10_000;
    assert.equal(await certs.refresh(alice.memberId), renewed.chainPem);
    assert.deepEqual(fetches, ['current', 'current', 'current']);
  });
});
