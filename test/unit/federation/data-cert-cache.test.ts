import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDataCertCache, createVerifiedChains, dataCertPath } from '../../../src/federation/index.js';
import type { DataCertCacheOptions } from '../../../src/federation/index.js';
import { NETWORK, SERVICE_ID, testNetwork } from './pods.js';
import type { TestMember, TestNetwork } from './pods.js';

describe('data cert cache (spec §4, §8)', () => {
  let net: TestNetwork;
  let alice: TestMember;
  let bob: TestMember;
  let fetches: string[];
  let now: number;

  function cache(overrides: Partial<DataCertCacheOptions> = {}) {
    fetches = [];
    const chains = new Map([
      [alice.memberId, alice.data.chainPem],
      [bob.memberId, bob.data.chainPem],
    ]);
    return createDataCertCache({
      fetchChain: async (memberId) => {
        fetches.push(memberId);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const chain = chains.get(memberId);
        if (chain === undefined) throw new Error('unreachable');
        return chain;
      },
      rootCaPem: net.rootCaPem,
      network: NETWORK,
      serviceId: SERVICE_ID,
      now: () => now,
      ...overrides,
    });
  }

  before(async () => {
    net = await testNetwork();
    [alice, bob] = await Promise.all([net.member(), net.member()]);
    now = Date.now();
  });

  it('is served at the pod’s data-cert path', () => {
    assert.equal(dataCertPath(SERVICE_ID), `/api/v1/pod/data-cert/service-${SERVICE_ID}`);
  });

  it('fetches a chain once, also for concurrent requests, and serves it from memory', async () => {
    const certs = cache();
    const chains = await Promise.all([certs.get(alice.memberId), certs.get(alice.memberId)]);
    assert.deepEqual(chains, [alice.data.chainPem, alice.data.chainPem]);
    assert.equal(await certs.get(alice.memberId.toUpperCase()), alice.data.chainPem);
    assert.deepEqual(fetches, [alice.memberId]);
  });

  it('fetches again after its time', async () => {
    const certs = cache({ ttlMs: 1000 });
    await certs.get(alice.memberId);
    now += 999;
    await certs.get(alice.memberId);
    now += 1;
    await certs.get(alice.memberId);
    assert.equal(fetches.length, 2);
  });

  it('keeps at most maxEntries chains', async () => {
    const certs = cache({ maxEntries: 1 });
    await certs.get(alice.memberId);
    await certs.get(bob.memberId);
    assert.equal(certs.size, 1);
    await certs.get(alice.memberId);
    assert.deepEqual(fetches, [alice.memberId, bob.memberId, alice.memberId]);
  });

  it('refuses a chain that is not the member’s data cert, and answers so for a while without fetching', async () => {
    const certs = cache({
      fetchChain: async () => {
        fetches.push('x');
        return bob.data.chainPem;
      },
    });
    await assert.rejects(certs.get(alice.memberId), {
      code: 'BYODA_ERR_CERT_CHAIN',
      message: /not its member data certificate/,
    });
    await assert.rejects(certs.get(alice.memberId), { code: 'BYODA_ERR_CERT_CHAIN' });
    assert.equal(fetches.length, 1, 'an untrusted chain is not fetched again at once');
    now += 5 * 60_000 + 1;
    await assert.rejects(certs.get(alice.memberId), { code: 'BYODA_ERR_CERT_CHAIN' });
    assert.equal(fetches.length, 2, 'and is fetched again after five minutes');
    const tls = cache({ fetchChain: async () => alice.tls.chainPem });
    await assert.rejects(tls.get(alice.memberId), { code: 'BYODA_ERR_CERT_CHAIN' });
  });

  it('remembers a failed fetch for ten seconds: many records naming one unknown signer cost one try', async () => {
    const certs = cache();
    const stranger = '33333333-3333-4333-8333-333333333333';
    await assert.rejects(certs.get(stranger), /unreachable/);
    await assert.rejects(certs.get(stranger), /unreachable/);
    assert.deepEqual(fetches, [stranger]);
    now += 10_001;
    await assert.rejects(certs.get(stranger), /unreachable/);
    assert.deepEqual(fetches, [stranger, stranger]);
  });

  it('takes a primed chain without fetching, still verified, and shares verified chains', async () => {
    const chains = createVerifiedChains();
    const certs = cache({ chains });
    await certs.prime(alice.memberId, alice.data.chainPem);
    assert.equal(await certs.get(alice.memberId), alice.data.chainPem);
    assert.deepEqual(fetches, []);
    await assert.rejects(certs.prime(alice.memberId, bob.data.chainPem), { code: 'BYODA_ERR_CERT_CHAIN' });
    const identity = await chains.verify(alice.data.chainPem, net.rootCaPem);
    assert.equal(identity.memberId, alice.memberId);
  });
});
