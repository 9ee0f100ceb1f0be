import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContractDocument } from '../../../src/contract/index.js';
import { ByodaError } from '../../../src/errors/index.js';
import { fetchVerifiedContract } from '../../../src/pod/memberships/verified-contract.js';
import type { ContractSource } from '../../../src/pod/memberships/verified-contract.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import { changedDocument, makeTestNetwork } from './pod-fixtures.js';
import type { TestNetwork } from './pod-fixtures.js';

const SERVICE_ID = 4242; // smallContractDocument()'s

function refusal(says: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ByodaError, String(err));
    assert.equal(err.code, 'BYODA_ERR_CONTRACT_SIGNATURE');
    assert.match(err.message, says);
    return true;
  };
}

describe('pod: contracts fetched from a service (spec §5)', () => {
  let net: TestNetwork;
  let signed: ContractDocument;
  /** A service that serves `doc` with the genuine signer certificates. */
  let serving: (doc: ContractDocument) => ContractSource;

  before(async () => {
    net = await makeTestNetwork();
    signed = await net.sign(smallContractDocument());
    const service = await net.service(SERVICE_ID);
    serving = (doc) => ({
      getContract: async () => structuredClone(doc) as Record<string, unknown>,
      getDataCert: async () => service.data.chainPem,
      getNetworkDataCert: async () => net.networkPki.networkData.chainPem,
    });
  });
  after(() => net.remove());

  it('accepts a contract signed by its service and by the network', async () => {
    const contract = await fetchVerifiedContract(serving(signed), SERVICE_ID, net.networkPki.rootCaPem);
    assert.equal(contract.serviceId, SERVICE_ID);
    assert.equal(contract.version, 1);
  });

  it('refuses an unsigned contract, naming the service', async () => {
    await assert.rejects(
      fetchVerifiedContract(serving(smallContractDocument()), SERVICE_ID, net.networkPki.rootCaPem),
      refusal(/refusing the contract of service 4242: .*unsigned|no service signature/),
    );
  });

  it('refuses a contract changed after it was signed', async () => {
    const tampered = changedDocument(signed, (doc) => {
      const schema = doc['jsonschema'] as { properties: Record<string, { '#accesscontrol'?: unknown }> };
      schema.properties['person']!['#accesscontrol'] = { anonymous: { permissions: ['read'] } };
    });
    await assert.rejects(
      fetchVerifiedContract(serving(tampered), SERVICE_ID, net.networkPki.rootCaPem),
      refusal(/does not verify/),
    );
  });

  it('refuses signer certificates of another network', async () => {
    const other = await makeTestNetwork('other.test');
    try {
      await assert.rejects(
        fetchVerifiedContract(serving(signed), SERVICE_ID, other.networkPki.rootCaPem),
        refusal(/refusing the contract/),
      );
    } finally {
      await other.remove();
    }
  });

  it('refuses the contract of another service than the one asked', async () => {
    await assert.rejects(
      fetchVerifiedContract(serving(signed), 4243, net.networkPki.rootCaPem),
      refusal(/served the contract of service 4242/),
    );
  });
});
