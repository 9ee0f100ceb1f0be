import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createDataCertCache } from '../../../src/federation/index.js';
import type { ByodaError } from '../../../src/errors/index.js';
import { memberDataCn } from '../../../src/pki/index.js';
import {
  DATA_SIGNATURE_TYPE,
  MAX_DATA_SIGNATURE_LENGTH,
  REASON_CHANGED,
  createRecordSignatures,
  readDataSignature,
  signRecord,
  signedBytes,
  verifyRecordSignature,
} from '../../../src/signing/index.js';
import type { DataRecord } from '../../../src/storage/index.js';
import { forgeCertificate } from '../../fixtures/pki.js';
import { NETWORK, SERVICE_ID, testNetwork } from '../federation/pods.js';
import type { TestMember, TestNetwork } from '../federation/pods.js';

const CLASS = 'network_links_inbound';
const FIXED = new Date('2026-11-25T09:30:00.000Z');

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const SIG = 'A'.repeat(86);
const HEADER = {
  alg: 'ES256',
  typ: DATA_SIGNATURE_TYPE,
  byoda_member_id: 'abcdef12-1111-4111-8111-111111111111',
  byoda_service_id: SERVICE_ID,
  byoda_class: CLASS,
  iat: 1_790_000_000,
};
const jwsWith = (header: unknown, signature = SIG): string => `${b64(header)}..${signature}`;
/** 9999-12-31T23:59:59Z in seconds: the last iat a signature may have. */
const LAST_IAT = 253_402_300_799;

describe('signed data (spec §9)', () => {
  let net: TestNetwork;
  let alice: TestMember;
  let bob: TestMember;
  let record: DataRecord;
  /** A data cert cache backed by the members' real chains, verifying to this network's root. */
  let fetchChain: (memberId: string) => Promise<string>;
  const chains = new Map<string, string>();

  before(async () => {
    net = await testNetwork();
    [alice, bob] = await Promise.all([net.member(), net.member()]);
    chains.set(alice.memberId, alice.data.chainPem);
    chains.set(bob.memberId, bob.data.chainPem);
    const cache = createDataCertCache({
      fetchChain: async (memberId) => {
        const chain = chains.get(memberId);
        if (chain === undefined) throw new Error(`no pod for ${memberId}`);
        return chain;
      },
      rootCaPem: net.rootCaPem,
      network: NETWORK,
      serviceId: SERVICE_ID,
    });
    fetchChain = (memberId) => cache.get(memberId);
    record = {
      created_timestamp: '2026-11-25T09:00:00.000Z',
      member_id: alice.memberId,
      relation: 'follow',
      text: 'hello',
      score: 0.5,
    };
  });

  const sign = (data: DataRecord, signer: TestMember = alice, className = CLASS) =>
    signRecord({ serviceId: SERVICE_ID, className, data, credential: signer.data, now: () => FIXED });
  const verify = (jws: string, data: DataRecord, className = CLASS) =>
    verifyRecordSignature(jws, { serviceId: SERVICE_ID, className, data }, { fetchChain });

  describe('signRecord', () => {
    it('makes a compact JWS with a detached payload and the documented header', async () => {
      const jws = await sign(record);
      const [header, payload, signature] = jws.split('.');
      assert.equal(payload, '');
      assert.equal(signature?.length, 86);
      assert.deepEqual(JSON.parse(Buffer.from(header ?? '', 'base64url').toString()), {
        alg: 'ES256',
        typ: 'byoda-data+jws',
        byoda_member_id: alice.memberId,
        byoda_service_id: SERVICE_ID,
        byoda_class: CLASS,
        iat: FIXED.getTime() / 1000,
        // The signer's data cert, named (docs/protocol.md "Key rotation"): SHA-256 of its DER.
        'x5t#S256': Buffer.from(
          new X509Certificate(alice.data.certPem).fingerprint256.replaceAll(':', ''),
          'hex',
        ).toString('base64url'),
      });
      assert.deepEqual(readDataSignature(jws).header.byoda_member_id, alice.memberId);
    });

    it('refuses a credential that is not a member data credential of the service', async () => {
      await assert.rejects(
        signRecord({ serviceId: SERVICE_ID, className: CLASS, data: record, credential: alice.tls }),
        {
          code: 'BYODA_ERR_CONFIG',
          message: `data signatures need a member data credential of service ${SERVICE_ID}, not '${alice.tls.commonName}'`,
        },
      );
      await assert.rejects(
        signRecord({ serviceId: SERVICE_ID + 1, className: CLASS, data: record, credential: alice.data }),
        { code: 'BYODA_ERR_CONFIG' },
      );
    });
  });

  describe('signedBytes', () => {
    it('is the RFC 8785 canonical JSON of the data', () => {
      const bytes = new TextDecoder().decode(signedBytes({ text: 'hello', score: 5e-1, a: [1, null] }));
      assert.equal(bytes, '{"a":[1,null],"score":0.5,"text":"hello"}');
    });

    it('refuses data that is not plain JSON, keeping the cause', () => {
      assert.throws(
        () => signedBytes({ ...record, score: Number.NaN }),
        (err: unknown) => {
          // Not assert.ok: on a falsy value it re-reads the source for its message, a minute under tsx.
          assert.equal((err as ByodaError).code, 'BYODA_ERR_VALUE');
          assert.equal((err as ByodaError).message, 'the record cannot be signed: it is not plain JSON');
          assert.match(
            String(((err as ByodaError).cause as Error | undefined)?.message),
            /NaN is not allowed/,
          );
          return true;
        },
      );
    });

    it('refuses data that has no JSON text at all', () => {
      // A toJSON giving undefined (outside the type, as untyped callers could pass): JSON of nothing.
      const nothing = { toJSON: () => undefined } as unknown as DataRecord;
      assert.throws(() => signedBytes(nothing), {
        code: 'BYODA_ERR_VALUE',
        message: 'the record cannot be signed: no JSON',
      });
    });
  });

  describe('verifyRecordSignature', () => {
    it('verifies a signature over the record, naming the signer and the time', async () => {
      assert.deepEqual(await verify(await sign(record), record), {
        verified: true,
        signerMemberId: alice.memberId,
        signedAt: FIXED.toISOString(),
      });
    });

    it('does not depend on key order or on how numbers were written (RFC 8785)', async () => {
      const jws = await sign(record);
      const reordered = JSON.parse(
        '{"text":"hello","score":5e-1,"relation":"follow","member_id":"' +
          alice.memberId +
          '","created_timestamp":"2026-11-25T09:00:00.000Z"}',
      ) as DataRecord;
      assert.equal((await verify(jws, reordered)).verified, true);
    });

    it('fails for data changed after signing, saying so', async () => {
      const jws = await sign(record);
      const check = await verify(jws, { ...record, text: 'changed' });
      assert.deepEqual(check, {
        verified: false,
        signerMemberId: alice.memberId,
        signedAt: FIXED.toISOString(),
        reason: REASON_CHANGED,
      });
      assert.equal(REASON_CHANGED, "the data changed since it was signed or the key is not the signer's");
      assert.equal((await verify(jws, { ...record, score: 0.50001 })).verified, false);
      const { text: _removed, ...without } = record;
      assert.equal((await verify(jws, without)).verified, false);
    });

    it('fails for a record of another class', async () => {
      const check = await verify(await sign(record, alice, 'network_links'), record);
      assert.equal(check.verified, false);
      assert.equal(check.reason, 'signed for another class (network_links)');
    });

    it('fails for a signature of another service', async () => {
      const check = await verifyRecordSignature(
        await sign(record),
        { serviceId: SERVICE_ID + 1, className: CLASS, data: record },
        { fetchChain },
      );
      assert.equal(check.verified, false);
      assert.match(check.reason ?? '', /signed for another service/);
    });

    it('fails when another member’s data key made a signature that claims to be the signer’s', async () => {
      // Bob signs, then the header is rewritten to name Alice: Alice's key does not verify it.
      const bobs = await sign(record, bob);
      const [, , signature] = bobs.split('.');
      const header = { ...HEADER, byoda_member_id: alice.memberId, iat: FIXED.getTime() / 1000 };
      const check = await verify(jwsWith(header, signature), record);
      assert.equal(check.verified, false);
      assert.equal(check.signerMemberId, alice.memberId);
      assert.equal(check.reason, REASON_CHANGED);
      // Bob's own claim does verify: it is his key.
      assert.equal((await verify(bobs, record)).verified, true);
    });

    it('refuses a signer whose data cert chain is from another network', async () => {
      // Same network name, same service, another root: what a forged or foreign hierarchy serves.
      const foreign = await testNetwork();
      const mallory = await foreign.member();
      chains.set(mallory.memberId, mallory.data.chainPem);
      const check = await verify(await sign(record, mallory), record);
      assert.equal(check.verified, false);
      assert.equal(check.signerMemberId, mallory.memberId);
      assert.match(check.reason ?? '', /^the signer's data certificate could not be verified: /);
    });

    it('refuses a signer whose pod cannot be reached', async () => {
      const unknown = await net.member();
      const jws = await sign(record, unknown);
      const check = await verify(jws, record);
      assert.equal(check.verified, false);
      assert.match(check.reason ?? '', /could not be verified: no pod for/);
    });

    it('refuses a chain that is not the signer’s member data cert, even if fetchChain hands it over', async () => {
      const check = await verifyRecordSignature(
        await sign(record),
        { serviceId: SERVICE_ID, className: CLASS, data: record },
        { fetchChain: () => Promise.resolve(bob.data.chainPem) },
      );
      assert.equal(check.verified, false);
      assert.match(check.reason ?? '', /not the member data certificate of member/);
    });

    it('refuses a stored record that is not plain JSON, naming the signer', async () => {
      const check = await verify(await sign(record), { ...record, score: Number.NaN });
      assert.deepEqual(check, {
        verified: false,
        signerMemberId: alice.memberId,
        signedAt: FIXED.toISOString(),
        reason: 'the record is not plain JSON',
      });
    });

    it('refuses a chain that holds no certificate', async () => {
      const check = await verifyRecordSignature(
        await sign(record),
        { serviceId: SERVICE_ID, className: CLASS, data: record },
        { fetchChain: () => Promise.resolve('no certificate here') },
      );
      assert.equal(
        check.reason,
        "the signer's data certificate could not be verified: the chain holds no certificate",
      );
    });

    it('refuses a chain whose leaf is not a certificate', async () => {
      const garbage = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
      const check = await verifyRecordSignature(
        await sign(record),
        { serviceId: SERVICE_ID, className: CLASS, data: record },
        { fetchChain: () => Promise.resolve(garbage) },
      );
      assert.equal(
        check.reason,
        "the signer's data certificate could not be verified: the signer certificate is not a valid X.509 certificate",
      );
    });

    it('refuses the signer’s member data key certified for another service, even if fetchChain hands it over', async () => {
      const issuer = net.hierarchy.membersCa.credential;
      const { certPem } = await forgeCertificate(
        issuer,
        memberDataCn(NETWORK, SERVICE_ID + 1, alice.memberId),
        {
          keys: alice.data.keys,
        },
      );
      const check = await verifyRecordSignature(
        await sign(record),
        { serviceId: SERVICE_ID, className: CLASS, data: record },
        { fetchChain: () => Promise.resolve(certPem) },
      );
      assert.equal(
        check.reason,
        `the signer's data certificate could not be verified: the certificate is not the member data certificate of member ${alice.memberId}`,
      );
    });

    it('reads the leaf’s own CN, not a ",CN=" inside another field of its subject', async () => {
      // The signer's key, named as her TLS name, with her data cert's name hidden in the organisation:
      // Node prints the subject as `O=x\,CN=<data name>\nCN=<TLS name>`.
      const issuer = net.hierarchy.membersCa.credential;
      const dataCn = memberDataCn(NETWORK, SERVICE_ID, alice.memberId);
      const { certPem } = await forgeCertificate(issuer, alice.fqdn, {
        keys: alice.data.keys,
        subject: [{ O: [`x,CN=${dataCn}`] }, { CN: [alice.fqdn] }],
      });
      assert.match(new X509Certificate(certPem).subject, /,CN=/);
      const check = await verifyRecordSignature(
        await sign(record),
        { serviceId: SERVICE_ID, className: CLASS, data: record },
        { fetchChain: () => Promise.resolve(certPem) },
      );
      assert.equal(check.verified, false);
      assert.match(check.reason ?? '', /not the member data certificate of member/);
    });

    it('answers malformed signatures with the reason instead of throwing', async () => {
      const check = await verify('not a jws', record);
      assert.deepEqual(check, {
        verified: false,
        reason: 'the data signature is not valid: a compact JWS has three parts separated by dots',
      });
    });
  });

  describe('readDataSignature refuses malformed signatures, saying what is wrong', () => {
    const cases: readonly (readonly [string, string, RegExp])[] = [
      ['empty', '', /it is empty/],
      ['too long', 'a'.repeat(MAX_DATA_SIGNATURE_LENGTH + 1), /longer than 8192 characters/],
      ['two parts', `${b64(HEADER)}.${SIG}`, /three parts/],
      ['an attached payload', `${b64(HEADER)}.${b64({ a: 1 })}.${SIG}`, /payload part must be empty/],
      ['a header that is not base64url', `a+b..${SIG}`, /protected header is not base64url/],
      ['a header that is not JSON', `${Buffer.from('{').toString('base64url')}..${SIG}`, /not JSON/],
      ['a header that is an array', `${b64([1])}..${SIG}`, /not a JSON object/],
      ['a header that is null', `${b64(null)}..${SIG}`, /not a JSON object/],
      ['a header that is a number', `${b64(7)}..${SIG}`, /not a JSON object/],
      ['a header that is a string', `${b64('ES256')}..${SIG}`, /not a JSON object/],
      ['a short signature', jwsWith(HEADER, 'A'.repeat(85)), /not an ES256 signature/],
      ['alg none', jwsWith({ ...HEADER, alg: 'none' }), /alg must be "ES256", not "none"/],
      ['alg HS256', jwsWith({ ...HEADER, alg: 'HS256' }), /alg must be "ES256"/],
      ['another typ', jwsWith({ ...HEADER, typ: 'JWT' }), /typ must be "byoda-data\+jws"/],
      ['a member id that is not a UUID', jwsWith({ ...HEADER, byoda_member_id: 'bob' }), /byoda_member_id/],
      [
        'an upper-case member id',
        jwsWith({ ...HEADER, byoda_member_id: HEADER.byoda_member_id.toUpperCase() }),
        /byoda_member_id must be a lower-case UUID/,
      ],
      ['a service id string', jwsWith({ ...HEADER, byoda_service_id: '1' }), /byoda_service_id/],
      ['a negative service id', jwsWith({ ...HEADER, byoda_service_id: -1 }), /byoda_service_id/],
      ['no class', jwsWith({ ...HEADER, byoda_class: undefined }), /byoda_class must be a class name/],
      ['a class that is no name', jwsWith({ ...HEADER, byoda_class: 'a b' }), /byoda_class/],
      ['a fractional iat', jwsWith({ ...HEADER, iat: 1.5 }), /iat must be a whole number/],
      ['no iat', jwsWith({ ...HEADER, iat: undefined }), /iat/],
      ['a negative iat', jwsWith({ ...HEADER, iat: -1 }), /iat must be a whole number/],
      ['an iat one second past the year 9999', jwsWith({ ...HEADER, iat: LAST_IAT + 1 }), /year 9999/],
      // No date-time can show it: verification would have nothing to say as `signed_at`.
      ['an iat past the year 9999', jwsWith({ ...HEADER, iat: Number.MAX_SAFE_INTEGER }), /year 9999/],
      ['a crit header', jwsWith({ ...HEADER, crit: ['b64'] }), /unknown header field "crit"/],
      ['a b64 header', jwsWith({ ...HEADER, b64: false }), /unknown header field "b64"/],
      ['an x5t (SHA-1) header', jwsWith({ ...HEADER, x5t: 'A'.repeat(27) }), /unknown header field "x5t"/],
      ['a short x5t#S256', jwsWith({ ...HEADER, 'x5t#S256': 'A'.repeat(42) }), /x5t#S256 must be/],
      ['a padded x5t#S256', jwsWith({ ...HEADER, 'x5t#S256': `${'A'.repeat(42)}=` }), /x5t#S256 must be/],
      ['a numeric x5t#S256', jwsWith({ ...HEADER, 'x5t#S256': 7 }), /x5t#S256 must be/],
    ];
    for (const [name, jws, message] of cases) {
      it(`refuses ${name}`, () => {
        assert.throws(
          () => readDataSignature(jws),
          (err: unknown) => {
            assert.equal((err as { code?: string }).code, 'BYODA_ERR_DATA_SIGNATURE');
            assert.equal((err as { status?: number }).status, 400);
            assert.match((err as Error).message, /^the data signature is not valid: /);
            assert.match((err as Error).message, message);
            return true;
          },
        );
      });
    }

    it('refuses a signature that is not a string as empty', () => {
      for (const value of [undefined, null, 42]) {
        assert.throws(() => readDataSignature(value as unknown as string), {
          code: 'BYODA_ERR_DATA_SIGNATURE',
          message: 'the data signature is not valid: it is empty',
        });
      }
    });

    it('accepts one of exactly the longest length', () => {
      // White space after the header's JSON pads it: 6078 bytes are 8104 base64url characters.
      const json = JSON.stringify(HEADER);
      const padded = Buffer.from(json.padEnd(6078, ' ')).toString('base64url');
      const jws = `${padded}..${SIG}`;
      assert.equal(jws.length, MAX_DATA_SIGNATURE_LENGTH);
      assert.deepEqual(readDataSignature(jws).header, HEADER);
    });

    it('accepts an iat from 0 up to the last second of the year 9999', () => {
      for (const iat of [0, LAST_IAT]) {
        assert.equal(readDataSignature(jwsWith({ ...HEADER, iat })).header.iat, iat);
      }
    });

    it('accepts a well-formed one, with or without the thumbprint', () => {
      assert.deepEqual(readDataSignature(jwsWith(HEADER)).header, HEADER);
      const named = { ...HEADER, 'x5t#S256': 'a-_'.repeat(14) + 'Z' };
      assert.deepEqual(readDataSignature(jwsWith(named)).header, named);
    });
  });

  describe('createRecordSignatures (what the pod wires into GraphQL)', () => {
    it('signs as the membership and verifies through the given chain fetcher', async () => {
      const signatures = createRecordSignatures({ serviceId: SERVICE_ID, credential: bob.data, fetchChain });
      const jws = await signatures.sign(CLASS, record);
      assert.equal(readDataSignature(jws).header.byoda_member_id, bob.memberId);
      assert.equal((await signatures.verify(jws, CLASS, record)).verified, true);
      assert.equal((await signatures.verify(jws, 'network_links', record)).verified, false);
    });

    it('signs with the clock it is given', async () => {
      const signatures = createRecordSignatures({
        serviceId: SERVICE_ID,
        credential: bob.data,
        fetchChain,
        now: () => FIXED,
      });
      const jws = await signatures.sign(CLASS, record);
      assert.equal(readDataSignature(jws).header.iat, FIXED.getTime() / 1000);
    });
  });
});
