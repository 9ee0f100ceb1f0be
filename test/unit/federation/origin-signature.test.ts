import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  createSignerKeys,
  createVerifiedChains,
  originSignatureBytes,
  signOriginQuery,
  verifyOriginSignature,
} from '../../../src/federation/index.js';
import type {
  OriginSignedQuery,
  SignedQueryFields,
  VerifiedChains,
  VerifyOriginOptions,
} from '../../../src/federation/index.js';
import { ByodaError } from '../../../src/errors/index.js';
import { memberDataCn } from '../../../src/pki/index.js';
import { NETWORK, SERVICE_ID, testNetwork } from './pods.js';
import type { TestMember, TestNetwork } from './pods.js';

const NOW = Date.parse('2025-03-01T12:00:00.000Z');

function fields(overrides: Partial<SignedQueryFields> = {}): SignedQueryFields {
  return {
    query_id: '0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b',
    timestamp: new Date(NOW - 5000).toISOString(),
    service_id: SERVICE_ID,
    class: 'network_assets',
    filter: { title: { eq: 'holiday' }, created_timestamp: { after: '2024-01-01T00:00:00.000Z' } },
    depth: 1,
    relations: ['friend', 'family'],
    ...overrides,
  };
}

describe('origin signatures (spec §8)', () => {
  let net: TestNetwork;
  let alice: TestMember;
  let bob: TestMember;
  let chains: Map<string, string>;
  let fetched: string[];

  const options = (overrides: Partial<VerifyOriginOptions> = {}): VerifyOriginOptions => ({
    fetchDataCertChain: async (memberId) => {
      fetched.push(memberId);
      const chain = chains.get(memberId);
      if (chain === undefined) throw new Error('no such pod');
      return chain;
    },
    rootCaPem: net.rootCaPem,
    network: NETWORK,
    serviceId: SERVICE_ID,
    now: () => NOW,
    ...overrides,
  });

  async function signed(
    signer: TestMember,
    overrides: Partial<SignedQueryFields> = {},
  ): Promise<OriginSignedQuery> {
    const f = fields(overrides);
    return {
      ...f,
      origin_member_id: signer.memberId,
      origin_signature: await signOriginQuery(f, signer.data),
    };
  }

  before(async () => {
    net = await testNetwork();
    [alice, bob] = await Promise.all([net.member(), net.member()]);
    chains = new Map([
      [alice.memberId, alice.data.chainPem],
      [bob.memberId, bob.data.chainPem],
    ]);
  });

  it('verifies a query signed by the origin’s member data key, at distance 1', async () => {
    fetched = [];
    const query = await signed(alice);
    assert.deepEqual(await verifyOriginSignature(query, options()), {
      memberId: alice.memberId,
      signedDepth: 1,
      distance: 1,
    });
    assert.deepEqual(fetched, [alice.memberId]);
    assert.match(query.origin_signature, /^[A-Za-z0-9+/]{86}==$/, 'base64 of a 64-byte P1363 signature');
  });

  it('signs canonical JSON: key order, relation order and case, and equal spellings do not matter', () => {
    const a = originSignatureBytes(fields());
    const b = originSignatureBytes({
      relations: ['Family', 'friend', 'FRIEND'],
      depth: 1,
      filter: { created_timestamp: { after: '2024-01-01T00:00:00.000Z' }, title: { eq: 'holiday' } },
      class: 'network_assets',
      service_id: SERVICE_ID,
      timestamp: new Date(NOW - 5000).toISOString().replace('.000Z', 'Z'),
      query_id: '0B7F1A9E-2C3D-4E5F-8A9B-0C1D2E3F4A5B',
    });
    assert.equal(a.toString(), b.toString());
    assert.equal(
      a.toString(),
      '{"class":"network_assets","depth":1,"filter":{"created_timestamp":{"after":"2024-01-01T00:00:00.000Z"},' +
        '"title":{"eq":"holiday"}},"query_id":"0b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b",' +
        '"relations":["family","friend"],"service_id":4294929430,"timestamp":"2025-03-01T11:59:55.000Z"}',
    );
    // Absent relations (every relation) and no relation at all are different queries.
    assert.notEqual(
      originSignatureBytes(fields({ relations: undefined })).toString(),
      originSignatureBytes(fields({ relations: [] })).toString(),
    );
  });

  it('gives the distance from the originating pod when the depth was lowered on the way', async () => {
    const query = await signed(alice, { depth: 2 });
    const twoHops = { ...query, depth: 1 };
    assert.deepEqual(await verifyOriginSignature(twoHops, options({ maxSignedDepth: 3 })), {
      memberId: alice.memberId,
      signedDepth: 2,
      distance: 2,
    });
    const threeHops = { ...query, depth: 0 };
    assert.equal((await verifyOriginSignature(threeHops, options({ maxSignedDepth: 3 }))).distance, 3);
    // Without room to search, a lowered depth is a changed query.
    await assert.rejects(verifyOriginSignature(twoHops, options()), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /origin signature does not verify/,
    });
  });

  it('after the origin rotated its key, re-fetches its chain once and accepts; a forgery still fails', async () => {
    // Alice's new data credential (same name, new key); the verifier still has the old chain.
    const rotated = await net.hierarchy.membersCa.issueCredential(
      memberDataCn(NETWORK, SERVICE_ID, alice.memberId),
    );
    const query = await signed({ ...alice, data: rotated });
    await assert.rejects(verifyOriginSignature(query, options()), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /origin signature does not verify/,
    });
    const refetched: string[] = [];
    const refetch = (current: string) => async (memberId: string) => {
      refetched.push(memberId);
      return current;
    };
    fetched = [];
    const withRefetch = options({ refetchDataCertChain: refetch(rotated.chainPem) });
    assert.equal((await verifyOriginSignature(query, withRefetch)).memberId, alice.memberId);
    assert.deepEqual([fetched, refetched], [[alice.memberId], [alice.memberId]]);
    // A signature that verifies with the first chain needs no second fetch.
    refetched.length = 0;
    await verifyOriginSignature(await signed(alice), withRefetch);
    assert.deepEqual(refetched, []);
    // A forged one is refused after the one re-fetch, which gives the same chain: no third try.
    const forged = { ...query, origin_signature: randomBytes(64).toString('base64') };
    await assert.rejects(
      verifyOriginSignature(forged, options({ refetchDataCertChain: refetch(alice.data.chainPem) })),
      {
        code: 'BYODA_ERR_FORBIDDEN',
      },
    );
    assert.deepEqual(refetched, [alice.memberId]);
  });

  it('refuses a forged signature', async () => {
    const query = { ...(await signed(alice)), origin_signature: randomBytes(64).toString('base64') };
    await assert.rejects(verifyOriginSignature(query, options()), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /origin signature does not verify/,
    });
  });

  it('refuses a query signed with another member’s key in the origin’s name', async () => {
    const byBob = await signed(bob);
    await assert.rejects(verifyOriginSignature({ ...byBob, origin_member_id: alice.memberId }, options()), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /origin signature does not verify/,
    });
  });

  it('refuses a query changed after signing, whichever field changed', async () => {
    const query = await signed(alice);
    const changes: Partial<OriginSignedQuery>[] = [
      { class: 'person' },
      { filter: { title: { eq: 'work' } } },
      { filter: undefined },
      { depth: 0 },
      { relations: ['friend'] },
      { relations: undefined },
      { query_id: '1b7f1a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b' },
      { timestamp: new Date(NOW - 4000).toISOString() },
      { service_id: SERVICE_ID + 1 },
    ];
    for (const change of changes) {
      await assert.rejects(
        verifyOriginSignature({ ...query, ...change }, options()),
        { code: 'BYODA_ERR_FORBIDDEN', message: /origin signature does not verify/ },
        JSON.stringify(change),
      );
    }
  });

  it('refuses a stale query before fetching any certificate', async () => {
    fetched = [];
    const query = await signed(alice, { timestamp: new Date(NOW - 121_000).toISOString() });
    await assert.rejects(verifyOriginSignature(query, options()), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /query timestamp too old/,
    });
    assert.deepEqual(fetched, []);
    // The limit is configurable.
    await verifyOriginSignature(query, options({ maxAgeSeconds: 300 }));
  });

  it('refuses a timestamp in the future beyond the clock skew', async () => {
    const ahead = await signed(alice, { timestamp: new Date(NOW + 31_000).toISOString() });
    await assert.rejects(verifyOriginSignature(ahead, options()), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /in the future/,
    });
    const slightlyAhead = await signed(alice, { timestamp: new Date(NOW + 20_000).toISOString() });
    assert.equal((await verifyOriginSignature(slightlyAhead, options())).memberId, alice.memberId);
  });

  it('accepts a query exactly maxAgeSeconds old and refuses one 1 ms older', async () => {
    const query = await signed(alice);
    const signedAt = Date.parse(query.timestamp);
    const at = (now: number, maxAgeSeconds?: number) =>
      verifyOriginSignature(query, options({ now: () => now, maxAgeSeconds }));
    assert.equal((await at(signedAt + 119_999)).memberId, alice.memberId, '1 ms inside');
    assert.equal((await at(signedAt + 120_000)).memberId, alice.memberId, 'at the limit');
    fetched = [];
    await assert.rejects(at(signedAt + 120_001), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: 'query timestamp too old: more than 120 s ago',
    });
    assert.deepEqual(fetched, [], 'refused before any certificate fetch');
    // A configured limit has the same edges.
    assert.equal((await at(signedAt + 300_000, 300)).memberId, alice.memberId);
    await assert.rejects(at(signedAt + 300_001, 300), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: 'query timestamp too old: more than 300 s ago',
    });
  });

  it('accepts a timestamp exactly the clock skew ahead and refuses one 1 ms further', async () => {
    const query = await signed(alice);
    const signedAt = Date.parse(query.timestamp);
    const at = (now: number) => verifyOriginSignature(query, options({ now: () => now }));
    assert.equal((await at(signedAt - 29_999)).memberId, alice.memberId, '1 ms inside');
    assert.equal((await at(signedAt - 30_000)).memberId, alice.memberId, 'at the limit');
    fetched = [];
    await assert.rejects(at(signedAt - 30_001), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: 'query timestamp is in the future (more than 30 s ahead)',
    });
    assert.deepEqual(fetched, [], 'refused before any certificate fetch');
  });

  it('refuses a data cert of another network', async () => {
    const other = await testNetwork('other.test');
    const stranger = await other.member();
    // A well-formed member data cert whose members CA chains to another network's root.
    const query = await signed(stranger);
    const fetch = async (): Promise<string> => stranger.data.chainPem;
    await assert.rejects(verifyOriginSignature(query, options({ fetchDataCertChain: fetch })), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /not trusted/,
    });
  });

  it('refuses a chain that is not the origin member’s data cert', async () => {
    const query = await signed(alice);
    const wrongMember = async (): Promise<string> => bob.data.chainPem;
    await assert.rejects(verifyOriginSignature(query, options({ fetchDataCertChain: wrongMember })), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /not the member data certificate of the origin member/,
    });
    const tlsCert = async (): Promise<string> => alice.tls.chainPem;
    await assert.rejects(verifyOriginSignature(query, options({ fetchDataCertChain: tlsCert })), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /not the member data certificate/,
    });
    await assert.rejects(verifyOriginSignature(query, options({ serviceId: SERVICE_ID + 1 })), {
      code: 'BYODA_ERR_FORBIDDEN',
    });
  });

  it('imports each signer’s key once, and still checks chain, signer and signature every time', async () => {
    const signerKeys = createSignerKeys();
    const aliceLeaf = alice.data.chainPem.slice(
      0,
      alice.data.chainPem.indexOf('-----END CERTIFICATE-----') + 25,
    );
    assert.equal(signerKeys.keyOf(aliceLeaf), signerKeys.keyOf(`${aliceLeaf}\n`));
    assert.notEqual(signerKeys.keyOf(aliceLeaf), signerKeys.keyOf(bob.data.chainPem));
    const cached = options({ signerKeys });
    const query = await signed(alice);
    assert.equal((await verifyOriginSignature(query, cached)).memberId, alice.memberId);
    assert.equal((await verifyOriginSignature(query, cached)).memberId, alice.memberId);
    // With both keys imported, every other check still refuses what it refused before.
    const byBob = await signed(bob);
    await assert.rejects(verifyOriginSignature({ ...byBob, origin_member_id: alice.memberId }, cached), {
      message: /origin signature does not verify/,
    });
    const forged = { ...query, origin_signature: randomBytes(64).toString('base64') };
    await assert.rejects(verifyOriginSignature(forged, cached), { message: /does not verify/ });
    const wrongMember = async (): Promise<string> => bob.data.chainPem;
    await assert.rejects(
      verifyOriginSignature(query, options({ signerKeys, fetchDataCertChain: wrongMember })),
      { message: /not the member data certificate of the origin member/ },
    );
    const other = await testNetwork('other.test');
    const stranger = await other.member();
    signerKeys.keyOf(stranger.data.chainPem);
    const untrusted = async (): Promise<string> => stranger.data.chainPem;
    await assert.rejects(
      verifyOriginSignature(await signed(stranger), options({ signerKeys, fetchDataCertChain: untrusted })),
      { message: /not trusted/ },
    );
  });

  it('refuses when the origin’s data cert cannot be fetched', async () => {
    const query = await signed(alice);
    const unreachable = async (): Promise<string> => {
      throw new Error('connection refused');
    };
    await assert.rejects(verifyOriginSignature(query, options({ fetchDataCertChain: unreachable })), {
      code: 'BYODA_ERR_FORBIDDEN',
      message: /cannot be checked/,
    });
  });

  it('reports malformed input as a bad request', async () => {
    const query = await signed(alice);
    const malformed: [Partial<OriginSignedQuery>, RegExp][] = [
      [{ origin_signature: 'not base64!' }, /not valid base64/],
      [{ origin_signature: randomBytes(70).toString('base64') }, /64 bytes/],
      [{ origin_member_id: 'alice' }, /origin_member_id must be a UUID/],
      [{ timestamp: 'yesterday' }, /timestamp/],
      [{ query_id: '42' }, /query_id must be a UUID/],
    ];
    for (const [change, message] of malformed) {
      await assert.rejects(verifyOriginSignature({ ...query, ...change }, options()), {
        code: 'BYODA_ERR_BAD_REQUEST',
        message,
      });
    }
  });

  it('refuses to sign or verify a depth that is not a whole number, or a timestamp without a zone', async () => {
    const depthMessage = { code: 'BYODA_ERR_BAD_REQUEST', message: 'depth must be a whole number' };
    for (const depth of [-1, 1.5, Number.NaN]) {
      assert.throws(() => originSignatureBytes(fields({ depth })), depthMessage, String(depth));
      await assert.rejects(signOriginQuery(fields({ depth }), alice.data), depthMessage, String(depth));
    }
    assert.equal(JSON.parse(originSignatureBytes(fields({ depth: 0 })).toString()).depth, 0);
    // A negative depth is not searched up to a signed one (which would claim a longer distance).
    const query = await signed(alice);
    await assert.rejects(
      verifyOriginSignature({ ...query, depth: -1 }, options({ maxSignedDepth: 3 })),
      depthMessage,
    );
    const timestampMessage = {
      code: 'BYODA_ERR_BAD_REQUEST',
      message: 'timestamp must be an ISO 8601 date-time with a time zone',
    };
    for (const timestamp of ['yesterday', '2025-03-01T12:00:00']) {
      assert.throws(() => originSignatureBytes(fields({ timestamp })), timestampMessage, timestamp);
      await assert.rejects(signOriginQuery(fields({ timestamp }), alice.data), timestampMessage, timestamp);
    }
  });

  it('refuses an empty signature and another spelling of a valid one as not base64', async () => {
    const query = await signed(alice);
    const notBase64 = { code: 'BYODA_ERR_BAD_REQUEST', message: 'origin_signature is not valid base64' };
    await assert.rejects(verifyOriginSignature({ ...query, origin_signature: '' }, options()), notBase64);
    // 64 bytes leave 4 unused bits in the last character: setting one spells the same bytes.
    const sig = query.origin_signature;
    const last = sig.length - 3;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const respelled = `${sig.slice(0, last)}${alphabet[alphabet.indexOf(sig.charAt(last)) + 1]}==`;
    assert.notEqual(respelled, sig);
    assert.deepEqual(Buffer.from(respelled, 'base64'), Buffer.from(sig, 'base64'));
    await assert.rejects(
      verifyOriginSignature({ ...query, origin_signature: respelled }, options()),
      notBase64,
    );
    // Neither is the URL-safe alphabet without padding.
    const urlSafe = Buffer.from(sig, 'base64').toString('base64url');
    await assert.rejects(
      verifyOriginSignature({ ...query, origin_signature: urlSafe }, options()),
      notBase64,
    );
  });

  it('refuses a data cert of this root that names another network than the verifier’s', async () => {
    const query = await signed(alice);
    await assert.rejects(verifyOriginSignature(query, options({ network: 'other.test' })), {
      code: 'BYODA_ERR_FORBIDDEN',
      message:
        'origin signature does not verify: the certificate is not the member data certificate of the ' +
        'origin member for this service',
    });
  });

  it('keeps the fetch failure as the cause of the refusal', async () => {
    const query = await signed(alice);
    const failure = new Error('connection refused');
    const unreachable = async (): Promise<string> => {
      throw failure;
    };
    const err = await verifyOriginSignature(query, options({ fetchDataCertChain: unreachable })).then(
      () => assert.fail('must refuse'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof Error);
    assert.equal(err.cause, failure);
    // A refusal with nothing behind it has no cause at all.
    const stale = await verifyOriginSignature(query, options({ now: () => NOW + 10_000_000 })).then(
      () => assert.fail('must refuse'),
      (e: unknown) => e,
    );
    assert.ok(stale instanceof Error);
    assert.equal(Object.hasOwn(stale, 'cause'), false);
  });

  it('signs only with a member data credential of the query’s service, and says which one it was given', async () => {
    await assert.rejects(signOriginQuery(fields(), alice.tls), {
      code: 'BYODA_ERR_CONFIG',
      message:
        `origin signatures need the member data credential of service ${SERVICE_ID}, ` +
        `not '${alice.tls.commonName}'`,
    });
    await assert.rejects(signOriginQuery(fields({ service_id: 1 }), alice.data), {
      code: 'BYODA_ERR_CONFIG',
      message: `origin signatures need the member data credential of service 1, not '${alice.data.commonName}'`,
    });
  });

  it('refuses to sign a filter that is not plain JSON, keeping the reason as the cause', async () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const filters: SignedQueryFields['filter'][] = [
      { n: { eq: Number.NaN } },
      { n: { eq: Number.POSITIVE_INFINITY } },
      { n: { eq: cycle } },
    ];
    for (const filter of filters) {
      const err = (() => {
        try {
          originSignatureBytes(fields({ filter }));
        } catch (e) {
          return e;
        }
        return assert.fail('must refuse');
      })();
      assert.ok(err instanceof Error, 'a thrown error');
      assert.deepEqual(
        { code: (err as { code?: string }).code, message: err.message },
        { code: 'BYODA_ERR_BAD_REQUEST', message: 'the filter is not plain JSON' },
      );
      assert.ok(err.cause instanceof Error, 'the canonicalizer’s own error is the cause');
    }
  });

  it('after a renewal, gives the depth and distance the refetched certificate verifies', async () => {
    const renewed = await net.hierarchy.membersCa.issueCredential(
      memberDataCn(NETWORK, SERVICE_ID, alice.memberId),
    );
    const query = await signed({ ...alice, data: renewed }, { depth: 3 });
    const twoHopsOn = { ...query, depth: 1 };
    const refetchDataCertChain = async (): Promise<string> => renewed.chainPem;
    assert.deepEqual(
      await verifyOriginSignature(twoHopsOn, options({ maxSignedDepth: 3, refetchDataCertChain })),
      { memberId: alice.memberId, signedDepth: 3, distance: 3 },
    );
    // The refetched chain is searched no further than the verifier allows, as the first one is.
    await assert.rejects(
      verifyOriginSignature(twoHopsOn, options({ maxSignedDepth: 2, refetchDataCertChain })),
      { code: 'BYODA_ERR_FORBIDDEN', message: /origin signature does not verify \(the query was changed/ },
    );
  });

  it('names the reason an origin certificate cannot be had or trusted', async () => {
    const query = await signed(alice);
    const failing = (err: Error) => async (): Promise<string> => {
      throw err;
    };
    const noPod = new ByodaError('BYODA_ERR_NOT_FOUND', 'no pod answers for that member');
    await assert.rejects(verifyOriginSignature(query, options({ fetchDataCertChain: failing(noPod) })), {
      code: 'BYODA_ERR_FORBIDDEN',
      message:
        'origin signature cannot be checked: no data certificate of the origin: no pod answers for that member',
    });
    // A failure that is not the project's own (a socket's, say) is not passed on to the asking pod.
    await assert.rejects(
      verifyOriginSignature(
        query,
        options({ fetchDataCertChain: failing(new Error('ECONNRESET 10.0.0.7')) }),
      ),
      {
        code: 'BYODA_ERR_FORBIDDEN',
        message: 'origin signature cannot be checked: no data certificate of the origin',
      },
    );
    await assert.rejects(verifyOriginSignature(query, options({ fetchDataCertChain: async () => '' })), {
      code: 'BYODA_ERR_FORBIDDEN',
      message:
        'origin signature does not verify: the data certificate is not trusted (the bundle holds no certificate)',
    });
    const brokenVerifier: VerifiedChains = {
      verify: async () => {
        throw new TypeError('cannot read properties of undefined');
      },
    };
    await assert.rejects(verifyOriginSignature(query, options({ chains: brokenVerifier })), {
      code: 'BYODA_ERR_FORBIDDEN',
      message:
        'origin signature does not verify: the data certificate is not trusted (unreadable certificate)',
    });
  });

  it('makes no key of a chain without a certificate, even when a chain verifier lets it through', async () => {
    const query = await signed(alice);
    const identity = await createVerifiedChains().verify(alice.data.chainPem, net.rootCaPem);
    const lenient: VerifiedChains = { verify: async () => identity };
    await assert.rejects(
      verifyOriginSignature(
        query,
        options({ chains: lenient, fetchDataCertChain: async () => 'no PEM here' }),
      ),
      { code: 'BYODA_ERR_FORBIDDEN', message: 'origin signature does not verify: empty certificate chain' },
    );
  });
});
