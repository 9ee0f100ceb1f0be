/**
 * Claims (spec §9, §12; src/signing/claim.ts), in one process: an app's signed statement about a record,
 * made with a real app data credential of a test hierarchy and checked against the issuer's data cert
 * as the pod's app data cert cache hands it over (leaf and fingerprint). Every refusal of the claim's
 * form, of its signature's form and of the signature itself is seen without a network.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { ByodaError } from '../../../src/errors/index.js';
import { appDataCn, appFqdn, memberDataCn } from '../../../src/pki/index.js';
import type { Credential } from '../../../src/pki/index.js';
import {
  CLAIM_SIGNATURE_FORMAT_VERSION,
  claimSignedBytes,
  signClaim,
  verifyClaim,
} from '../../../src/signing/index.js';
import type { Claim, UnsignedClaim, VerifyClaimDeps } from '../../../src/signing/index.js';
import { NETWORK, SERVICE_ID, makeHierarchy, newId } from '../../fixtures/pki.js';
import type { Hierarchy } from '../../fixtures/pki.js';

const CLASS = 'public_assets';
const ASSET = '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const RECORD = {
  asset_id: ASSET,
  created_timestamp: '2026-11-25T09:00:00.000Z',
  title: 'Sunset',
  text: 'A photo of the bay',
  claims: [],
};
/** Signed at 09:30:00.750: the header's iat is the whole second before. */
const SIGNED_AT = '2026-11-25T09:30:00.750Z';
const CHANGED = 'the record or the claim changed since it was signed, or the key is not the issuer’s';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const headerOf = (jws: string): unknown =>
  JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8'));
const fingerprintOf = (certPem: string): string =>
  new X509Certificate(certPem).fingerprint256.replaceAll(':', '').toLowerCase();
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('claims (spec §9, §12)', () => {
  let hierarchy: Hierarchy;
  let appId: string;
  /** The issuer's app data credential, which signs claims. */
  let app: Credential;
  /** The same app's TLS credential: same app, same service, but not the data key. */
  let appTls: Credential;
  let otherAppId: string;
  let otherApp: Credential;
  let unsigned: UnsignedClaim;
  let signed: Claim;
  /** What a working app data cert cache gives: each app's current leaf and its fingerprint. */
  let deps: VerifyClaimDeps;

  before(async () => {
    hierarchy = await makeHierarchy();
    appId = newId();
    otherAppId = newId();
    [app, appTls, otherApp] = await Promise.all([
      hierarchy.appsCa.issueCredential(appDataCn(NETWORK, SERVICE_ID, appId)),
      hierarchy.appsCa.issueCredential(appFqdn(NETWORK, SERVICE_ID, appId)),
      hierarchy.appsCa.issueCredential(appDataCn(NETWORK, SERVICE_ID, otherAppId)),
    ]);
    const certs = new Map([
      [appId, app],
      [otherAppId, otherApp],
    ]);
    deps = {
      serviceId: SERVICE_ID,
      fetchAppDataCert: (id) => {
        const credential = certs.get(id);
        if (credential === undefined) return Promise.reject(new Error(`no app ${id}`));
        return Promise.resolve({
          leafPem: credential.certPem,
          fingerprint: fingerprintOf(credential.certPem),
        });
      },
    };
    unsigned = claimBy(appId, app);
    signed = await signClaim(unsigned, RECORD, app);
  });

  /** A review of RECORD's title and text by `issuerId`, made with `credential`'s cert. */
  function claimBy(issuerId: string, credential: Credential): UnsignedClaim {
    const claimId = newId();
    return {
      claim_id: claimId,
      claims: ['approved'],
      issuer_id: issuerId,
      issuer_type: 'app',
      object_type: CLASS,
      keyfield: 'asset_id',
      keyfield_id: ASSET,
      object_fields: ['text', 'title'],
      requester_id: newId(),
      requester_type: 'member',
      signature_timestamp: SIGNED_AT,
      signature_format_version: CLAIM_SIGNATURE_FORMAT_VERSION,
      signature_url: 'https://app.example/data-cert',
      renewal_url: 'https://app.example/claims',
      confirmation_url: `https://app.example/claims/${claimId}`,
      cert_fingerprint: fingerprintOf(credential.certPem),
      cert_expiration: new Date(new X509Certificate(credential.certPem).validTo).toISOString(),
    };
  }

  const verify = (value: unknown, record: Readonly<Record<string, unknown>> = RECORD, className = CLASS) =>
    verifyClaim(value, className, record, deps);
  /** What a check says about a readable claim besides its verdict. */
  const about = (claim: Claim) => ({
    issuerId: claim.issuer_id,
    claims: claim.claims,
    claimId: claim.claim_id,
    signedAt: claim.signature_timestamp,
  });
  const refusedAs = (claim: Claim, reason: string) => ({ verified: false, ...about(claim), reason });
  /** The signed claim with its signature's protected header replaced by `header`. */
  const withHeader = (header: unknown): Claim => {
    const [, , signature] = signed.signature.split('.');
    return { ...signed, signature: `${b64(header)}..${signature ?? ''}` };
  };

  describe('claimSignedBytes', () => {
    it('covers the claim without its signature and the named fields of the record, as RFC 8785 JSON', () => {
      const bytes = text(claimSignedBytes(unsigned, RECORD));
      assert.deepEqual(JSON.parse(bytes), {
        claim: unsigned,
        object: { text: 'A photo of the bay', title: 'Sunset' },
      });
      // Sorted keys, no white space: `claim` before `object`, `text` before `title`.
      assert.match(
        bytes,
        /^\{"claim":\{"cert_expiration":.*\},"object":\{"text":"A photo of the bay","title":"Sunset"\}\}$/,
      );
      assert.equal(text(claimSignedBytes(signed, RECORD)), bytes);
    });

    it('gives a named field the record lacks as null, and keeps falsy values as they are', () => {
      const claim = { ...unsigned, object_fields: ['missing', 'score', 'title'] };
      const bytes = text(claimSignedBytes(claim, { ...RECORD, score: 0 }));
      assert.deepEqual(JSON.parse(bytes).object, { missing: null, score: 0, title: 'Sunset' });
    });

    it('refuses a record that is not plain JSON, keeping the cause', () => {
      assert.throws(
        () => claimSignedBytes(unsigned, { ...RECORD, title: Number.NaN }),
        (err: unknown) => {
          // Not assert.ok: on a falsy value it re-reads the source for its message, a minute under tsx.
          assert.equal((err as ByodaError).code, 'BYODA_ERR_VALUE');
          assert.equal((err as ByodaError).message, 'the claim cannot be signed: it is not plain JSON');
          assert.match(
            String(((err as ByodaError).cause as Error | undefined)?.message),
            /NaN is not allowed/,
          );
          return true;
        },
      );
    });
  });

  describe('signClaim', () => {
    it('makes a compact JWS with a detached payload and the documented header, the claim unchanged', async () => {
      const [protectedPart, payload, signature, ...more] = signed.signature.split('.');
      assert.match(protectedPart ?? '', /^[\w-]+$/);
      assert.equal(payload, '');
      assert.equal(signature?.length, 86);
      assert.deepEqual(more, []);
      assert.deepEqual(headerOf(signed.signature), {
        alg: 'ES256',
        typ: 'byoda-claim+jws',
        byoda_app_id: appId,
        byoda_service_id: SERVICE_ID,
        iat: Date.parse('2026-11-25T09:30:00.000Z') / 1000,
      });
      const { signature: _signature, ...rest } = signed;
      assert.deepEqual(rest, unsigned);
    });

    it("refuses any credential but the issuer's app data credential, naming the one given", async () => {
      // The app's TLS credential: the issuer's app id and service, but not its data key.
      const member = await hierarchy.membersCa.issueCredential(memberDataCn(NETWORK, SERVICE_ID, newId()));
      for (const credential of [appTls, otherApp, member]) {
        await assert.rejects(signClaim(unsigned, RECORD, credential), {
          code: 'BYODA_ERR_CONFIG',
          message: `claims are signed with the issuer's app data credential, not '${credential.commonName}'`,
        });
      }
    });
  });

  describe('verifyClaim', () => {
    it('verifies a claim about the record, naming the issuer, the statements, the claim and the time', async () => {
      assert.deepEqual(await verify(signed), { verified: true, ...about(signed) });
    });

    it('still verifies when a field the claim does not cover changes', async () => {
      const check = await verify(signed, { ...RECORD, created_timestamp: '2026-11-26T00:00:00.000Z' });
      assert.equal(check.verified, true);
    });

    it('compares the certificate fingerprint without regard to case', async () => {
      const upper = { ...unsigned, cert_fingerprint: unsigned.cert_fingerprint.toUpperCase() };
      assert.equal((await verify(await signClaim(upper, RECORD, app))).verified, true);
    });

    it('fails when a reviewed field, or the claim, changed since it was signed', async () => {
      assert.deepEqual(await verify(signed, { ...RECORD, title: 'Sunrise' }), refusedAs(signed, CHANGED));
      const { text: _removed, ...without } = RECORD;
      assert.deepEqual(await verify(signed, without), refusedAs(signed, CHANGED));
      const rejected = { ...signed, claims: ['rejected'] };
      assert.deepEqual(await verify(rejected), refusedAs(rejected, CHANGED));
    });

    it('fails when the key of the certificate handed over is not the one that signed', async () => {
      const check = await verifyClaim(signed, CLASS, RECORD, {
        serviceId: SERVICE_ID,
        // A wrongly wired cache: another app's leaf under the issuer's fingerprint.
        fetchAppDataCert: () =>
          Promise.resolve({ leafPem: otherApp.certPem, fingerprint: signed.cert_fingerprint }),
      });
      assert.deepEqual(check, refusedAs(signed, CHANGED));
    });

    it('refuses a claim about another class or another record', async () => {
      assert.deepEqual(
        await verify(signed, RECORD, 'network_assets'),
        refusedAs(signed, `the claim is about class ${CLASS}`),
      );
      assert.deepEqual(
        await verify(signed, { ...RECORD, asset_id: newId() }),
        refusedAs(signed, `the claim is about asset_id ${ASSET}, not this record`),
      );
    });

    it('refuses a signature that names another issuer than the claim, or another service', async () => {
      // The other app signs its own claim; the claim is then rewritten to name the first app.
      const others = await signClaim(claimBy(otherAppId, otherApp), RECORD, otherApp);
      const relabelled = { ...others, issuer_id: appId };
      assert.deepEqual(await verify(relabelled), refusedAs(relabelled, 'the signature names another issuer'));
      const check = await verifyClaim(signed, CLASS, RECORD, { ...deps, serviceId: SERVICE_ID + 1 });
      assert.deepEqual(check, refusedAs(signed, 'the signature is for another service'));
    });

    it("refuses a claim whose issuer's data certificate cannot be had, saying why", async () => {
      const failing = (thrown: unknown): VerifyClaimDeps => ({
        serviceId: SERVICE_ID,
        fetchAppDataCert: () => Promise.reject(thrown),
      });
      const why = "the issuer's data certificate could not be verified: ";
      const cases: readonly (readonly [unknown, string])[] = [
        [new Error(`app ${appId} cannot be reached`), `app ${appId} cannot be reached`],
        [new ByodaError('BYODA_ERR_CERT_CHAIN', 'the chain is not trusted'), 'the chain is not trusted'],
        ['offline', 'offline'],
      ];
      for (const [thrown, message] of cases) {
        const check = await verifyClaim(signed, CLASS, RECORD, failing(thrown));
        assert.deepEqual(check, refusedAs(signed, `${why}${message}`));
      }
    });

    it("refuses a claim made with another data certificate than the issuer's current one", async () => {
      // Same key, so the signature would verify: only the fingerprint tells the certificates apart.
      const check = await verifyClaim(signed, CLASS, RECORD, {
        serviceId: SERVICE_ID,
        fetchAppDataCert: () => Promise.resolve({ leafPem: app.certPem, fingerprint: 'ab'.repeat(32) }),
      });
      assert.deepEqual(
        check,
        refusedAs(signed, "the claim was made with another data certificate than the issuer's current one"),
      );
    });

    describe('refuses signatures that are not a detached ES256 claim JWS, saying what is wrong', () => {
      const detached = 'the signature is not a detached compact JWS';
      const cases: readonly (readonly [string, (claim: Claim) => Claim, string])[] = [
        [
          'a signature with an attached payload',
          (c) => {
            const [h, , s] = c.signature.split('.');
            return { ...c, signature: `${h ?? ''}.${b64({ claim: 'x' })}.${s ?? ''}` };
          },
          detached,
        ],
        ['a signature of two parts', (c) => ({ ...c, signature: c.signature.replace('..', '.') }), detached],
        // The first and third parts are the valid signature's: a fourth must not be ignored.
        ['a signature of four parts', (c) => ({ ...c, signature: `${c.signature}.x` }), detached],
        [
          'a header that is not JSON',
          (c) => ({ ...c, signature: `${Buffer.from('{').toString('base64url')}..${'A'.repeat(86)}` }),
          'the signature header is not JSON',
        ],
        ['a header that is null', () => withHeader(null), 'the signature header is not an object'],
        ['a header that is a number', () => withHeader(7), 'the signature header is not an object'],
        [
          'a header with alg none',
          (c) => withHeader({ ...(headerOf(c.signature) as object), alg: 'none' }),
          'the signature is not an ES256 byoda-claim+jws',
        ],
        [
          'a header of another typ',
          (c) => withHeader({ ...(headerOf(c.signature) as object), typ: 'JWT' }),
          'the signature is not an ES256 byoda-claim+jws',
        ],
        [
          'a header that names no app',
          (c) => withHeader({ ...(headerOf(c.signature) as object), byoda_app_id: undefined }),
          'the signature header names no app and service',
        ],
        [
          'a header whose service id is a string',
          (c) => withHeader({ ...(headerOf(c.signature) as object), byoda_service_id: String(SERVICE_ID) }),
          'the signature header names no app and service',
        ],
        [
          'a header with crit and b64 (what the signature covers would change)',
          (c) => withHeader({ ...(headerOf(c.signature) as object), b64: false, crit: ['b64'] }),
          'the signature header has a field this format does not name: "b64"',
        ],
        [
          'a header with a kid',
          (c) => withHeader({ ...(headerOf(c.signature) as object), kid: 'k1' }),
          'the signature header has a field this format does not name: "kid"',
        ],
      ];
      for (const [name, change, reason] of cases) {
        it(`refuses ${name}`, async () => {
          const claim = change(signed);
          assert.deepEqual(await verify(claim), refusedAs(claim, reason));
        });
      }
    });

    describe('refuses claims it cannot check, saying why, before any certificate is fetched', () => {
      const noCert: VerifyClaimDeps = {
        serviceId: SERVICE_ID,
        fetchAppDataCert: () => Promise.reject(new Error('no certificate should be fetched')),
      };
      const cases: (readonly [string, (claim: Claim) => unknown, string])[] = [
        ['a claim that is null', () => null, 'the claim is not an object'],
        ['a claim that is a list', (c) => [c], 'the claim is not an object'],
        ['a claim that is a string', (c) => c.signature, 'the claim is not an object'],
        ['a claim that is a number', () => 7, 'the claim is not an object'],
        [
          'a claim issued by a member',
          (c) => ({ ...c, issuer_type: 'member' }),
          'only claims issued by apps can be verified',
        ],
        [
          'a claim with no issuer type',
          (c) => ({ ...c, issuer_type: undefined }),
          'only claims issued by apps can be verified',
        ],
        [
          'a claim of signature format version 2',
          (c) => ({ ...c, signature_format_version: 2 }),
          'unknown signature_format_version 2',
        ],
        [
          'a claim with no signature format version',
          (c) => ({ ...c, signature_format_version: undefined }),
          'unknown signature_format_version null',
        ],
      ];
      for (const key of ['issuer_id', 'keyfield_id', 'claim_id'] as const) {
        const reason = `the claim's ${key} is not a UUID`;
        cases.push(
          [`a claim whose ${key} is no UUID`, (c) => ({ ...c, [key]: 'review-app' }), reason],
          [`a claim whose ${key} is a number`, (c) => ({ ...c, [key]: 7 }), reason],
          // Not a string, though it reads as a UUID when coerced to one (as RegExp.test does).
          [`a claim whose ${key} is a list holding a UUID`, (c) => ({ ...c, [key]: [ASSET] }), reason],
          [`a claim whose ${key} is upper-case`, (c) => ({ ...c, [key]: ASSET.toUpperCase() }), reason],
        );
      }
      // Each group of the UUID at its length, and nothing before or after it.
      const uuids = [
        `x${ASSET}`,
        `${ASSET}x`,
        'a-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
        '5f0c1a2b-a-4e5f-8a9b-0c1d2e3f4a5b',
        '5f0c1a2b-3c4d-a-8a9b-0c1d2e3f4a5b',
        '5f0c1a2b-3c4d-4e5f-a-0c1d2e3f4a5b',
        '5f0c1a2b-3c4d-4e5f-8a9b-a',
      ];
      for (const id of uuids) {
        cases.push([
          `a claim whose keyfield_id is ${id}`,
          (c) => ({ ...c, keyfield_id: id }),
          "the claim's keyfield_id is not a UUID",
        ]);
      }
      for (const key of [
        'object_type',
        'keyfield',
        'signature',
        'signature_timestamp',
        'cert_fingerprint',
      ] as const) {
        cases.push([
          `a claim with no ${key}`,
          (c) => ({ ...c, [key]: undefined }),
          `the claim has no ${key}`,
        ]);
      }
      for (const key of ['claims', 'object_fields'] as const) {
        const reason = `the claim's ${key} is not a list of strings`;
        cases.push(
          [`a claim whose ${key} is a string`, (c) => ({ ...c, [key]: 'approved' }), reason],
          [`a claim whose ${key} hold a number`, (c) => ({ ...c, [key]: ['title', 7] }), reason],
        );
      }
      for (const [name, change, reason] of cases) {
        it(`refuses ${name}`, async () => {
          const value = change(signed);
          const check = await verifyClaim(value, CLASS, RECORD, noCert);
          assert.deepEqual(check, { verified: false, claims: [], reason });
        });
      }
    });
  });
});
