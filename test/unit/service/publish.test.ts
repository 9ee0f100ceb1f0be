import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ByodaError } from '../../../src/errors/index.js';
import { parseContract, signContract, verifyContract } from '../../../src/contract/index.js';
import type { ContractDocument } from '../../../src/contract/index.js';
import { createNetworkPki, createServicePki } from '../../../src/pki/index.js';
import type { NetworkPki, ServicePki } from '../../../src/pki/index.js';
import { ContractStore } from '../../../src/service/contract-store.js';
import { publishContract, verifiedNetworkDataChain } from '../../../src/service/publish.js';
import type { PublishContext } from '../../../src/service/publish.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import { tempDir } from '../../fixtures/pki.js';

const PASSPHRASE = 'test passphrase';

function rejectsWith(code: string, says: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ByodaError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, says);
    return true;
  };
}

/** v1 of the small contract, or a later version with one more optional field in `person`. */
function version(n: number, extra: Record<string, unknown> = {}): ContractDocument {
  const doc = smallContractDocument();
  const schema = doc['jsonschema'] as { properties: { person: { properties: Record<string, unknown> } } };
  Object.assign(schema.properties.person.properties, extra);
  return { ...doc, version: n };
}

describe('publishContract', () => {
  let remove: () => Promise<void> = async () => {};
  let dir = '';
  let networkPki: NetworkPki;
  let pki: ServicePki;
  let countersigned = 0;
  /** What the fake directory does to a contract before it answers. */
  let directoryChange: (doc: Record<string, unknown>) => Record<string, unknown> = (doc) => doc;

  function context(name: string): PublishContext {
    return {
      store: new ContractStore(join(dir, name)),
      pki,
      networkDataChainPem: networkPki.networkData.chainPem,
      directory: {
        signContract: async (_serviceId, { contract }) => {
          countersigned++;
          return { ...(await signContract(directoryChange(contract), 'network', networkPki.networkData)) };
        },
      },
    };
  }

  const signers = () => ({
    serviceChainPem: pki.data.chainPem,
    networkChainPem: networkPki.networkData.chainPem,
    rootCaPem: networkPki.rootCaPem,
  });

  before(async () => {
    ({ dir, remove } = await tempDir('publish'));
    networkPki = await createNetworkPki(join(dir, 'network'), 'byoda.test', PASSPHRASE);
    pki = await createServicePki(join(dir, 'service'), {
      serviceId: 4242,
      rootCaPem: networkPki.rootCaPem,
      passphrase: PASSPHRASE,
      signServiceCaCsr: async (csr) => (await networkPki.signServiceCaCsr(csr, 4242)).chainPem,
    });
  });
  after(() => remove());

  it('stores the first version signed by the service and countersigned by the network', async () => {
    const ctx = context('first');
    const outcome = await publishContract(ctx, parseContract(version(1)));
    assert.deepEqual(outcome, { version: 1, published: true, diff: undefined });
    const stored = await ctx.store.get(1);
    assert.ok(stored);
    await verifyContract(JSON.parse(stored.json), signers());
  });

  it('does nothing for the same version with the same content, and refuses other content', async () => {
    const ctx = context('same');
    await publishContract(ctx, parseContract(version(1)));
    const before = countersigned;
    const reordered = Object.fromEntries(Object.entries(version(1)).reverse());
    assert.equal((await publishContract(ctx, parseContract(reordered))).published, false);
    assert.equal(countersigned, before, 'the directory was not asked again');
    await assert.rejects(
      publishContract(ctx, parseContract({ ...version(1), description: 'changed' })),
      rejectsWith('BYODA_ERR_CONFLICT', /already published with other content/),
    );
  });

  it('publishes a compatible successor and refuses an incompatible or older one before signing', async () => {
    const ctx = context('versions');
    await publishContract(ctx, parseContract(version(2)));
    const before = countersigned;
    await assert.rejects(
      publishContract(ctx, parseContract(version(3, { age: { type: 'string' } }))),
      rejectsWith('BYODA_ERR_CONTRACT_INCOMPATIBLE', /person\.age/),
    );
    await assert.rejects(
      publishContract(ctx, parseContract(version(1))),
      rejectsWith('BYODA_ERR_CONTRACT_INCOMPATIBLE', /version/),
    );
    assert.equal(countersigned, before, 'nothing incompatible was sent to the directory');
    const outcome = await publishContract(ctx, parseContract(version(3, { nickname: { type: 'string' } })));
    assert.equal(outcome.published, true);
    assert.deepEqual(
      outcome.diff?.additions.map((change) => change.where),
      ['person.nickname'],
    );
    assert.deepEqual(await ctx.store.versions(), [2, 3]);
  });

  it('keeps a document that both already signed, and re-signs one whose signatures do not verify', async () => {
    const ctx = context('signed');
    const signed = await signContract(
      await signContract(version(1), 'service', pki.data),
      'network',
      networkPki.networkData,
    );
    const before = countersigned;
    await publishContract(ctx, parseContract(signed));
    assert.equal(countersigned, before);
    assert.deepEqual(JSON.parse((await ctx.store.get(1))?.json ?? ''), signed);

    const foreign = { ...version(2), signatures: (signed as { signatures: unknown }).signatures };
    await publishContract(ctx, parseContract(foreign));
    assert.equal(countersigned, before + 1);
    await verifyContract(JSON.parse((await ctx.store.get(2))?.json ?? ''), signers());
  });

  it('refuses a countersigned contract that does not verify, and stores nothing', async () => {
    const ctx = context('tampering-directory');
    directoryChange = (doc) => ({ ...doc, name: 'tampered' });
    try {
      await assert.rejects(
        publishContract(ctx, parseContract(version(1))),
        rejectsWith('BYODA_ERR_CONTRACT_SIGNATURE', /directory returned a contract that does not verify/),
      );
    } finally {
      directoryChange = (doc) => doc;
    }
    assert.deepEqual(await ctx.store.versions(), []);
  });

  it("refuses another service's contract", async () => {
    await assert.rejects(
      publishContract(context('other'), parseContract({ ...version(1), service_id: 7 })),
      rejectsWith('BYODA_ERR_CONFIG', /for service 7, but this is service 4242/),
    );
  });

  it('accepts only the network data cert as the network data chain', async () => {
    assert.equal(
      await verifiedNetworkDataChain(networkPki.networkData.chainPem, networkPki.rootCaPem),
      networkPki.networkData.chainPem,
    );
    await assert.rejects(
      verifiedNetworkDataChain(pki.data.chainPem, networkPki.rootCaPem),
      rejectsWith('BYODA_ERR_CERT_CHAIN', /service-data certificate/),
    );
  });
});
