import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ByodaError } from '../../../src/errors/index.js';
import {
  canonicalContractBytes,
  parseContract,
  signContract,
  verifyContract,
  verifyContractSignature,
} from '../../../src/contract/index.js';
import { createNetworkPki, createServicePki } from '../../../src/pki/index.js';
import type { ContractDocument, ContractSignerRole } from '../../../src/contract/index.js';
import type { NetworkPki, ServicePki } from '../../../src/pki/index.js';
import { smallContractDocument } from '../../fixtures/contracts.js';
import { tempDir } from '../../fixtures/pki.js';

const PASSPHRASE = 'test passphrase';
const SERVICE_ID = 4242; // the service id of smallContractDocument()

/** A network PKI and one service PKI of it, in `dir`. */
async function makeNetwork(dir: string, network: string, serviceId = SERVICE_ID) {
  const networkPki = await createNetworkPki(join(dir, 'network'), network, PASSPHRASE);
  const service = await makeService(networkPki, join(dir, `service-${serviceId}`), serviceId);
  return { networkPki, service };
}

function makeService(networkPki: NetworkPki, dir: string, serviceId: number): Promise<ServicePki> {
  return createServicePki(dir, {
    serviceId,
    rootCaPem: networkPki.rootCaPem,
    passphrase: PASSPHRASE,
    signServiceCaCsr: async (csr) => (await networkPki.signServiceCaCsr(csr, serviceId)).chainPem,
  });
}

function signatureError(says: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ByodaError, String(err));
    assert.equal(err.code, 'BYODA_ERR_CONTRACT_SIGNATURE');
    assert.match(err.message, says);
    return true;
  };
}

/** A deep copy with `change` applied, for tampering. */
function changed(doc: ContractDocument, change: (copy: Record<string, unknown>) => void): ContractDocument {
  const copy = structuredClone(doc) as Record<string, unknown>;
  change(copy);
  return copy;
}

function signatureOf(doc: ContractDocument, role: ContractSignerRole): Record<string, unknown> {
  const signatures = doc['signatures'] as Record<string, Record<string, unknown>>;
  const entry = signatures[role];
  assert.ok(entry);
  return entry;
}

describe('contract signatures', () => {
  let cleanup: () => Promise<void> = async () => {};
  let networkPki: NetworkPki;
  let service: ServicePki;
  let other: { networkPki: NetworkPki; service: ServicePki };
  let signed: ContractDocument;
  let signers: { serviceChainPem: string; networkChainPem: string; rootCaPem: string };

  before(async () => {
    const temp = await tempDir('contract-signature');
    cleanup = temp.remove;
    ({ networkPki, service } = await makeNetwork(join(temp.dir, 'a'), 'byoda.test'));
    other = await makeNetwork(join(temp.dir, 'b'), 'other.test');
    const serviceSigned = await signContract(smallContractDocument(), 'service', service.data);
    signed = await signContract(serviceSigned, 'network', networkPki.networkData);
    signers = {
      serviceChainPem: service.data.chainPem,
      networkChainPem: networkPki.networkData.chainPem,
      rootCaPem: networkPki.rootCaPem,
    };
  });
  after(() => cleanup());

  describe('canonicalContractBytes', () => {
    it('is the RFC 8785 form without the signatures key', () => {
      const bytes = canonicalContractBytes({ b: 1, a: [true, 'x'], signatures: { service: {} } });
      assert.equal(bytes.toString('utf8'), '{"a":[true,"x"],"b":1}');
    });

    it('does not depend on key order', () => {
      const doc = smallContractDocument();
      const reordered = Object.fromEntries(Object.entries(doc).reverse());
      assert.deepEqual(canonicalContractBytes(reordered), canonicalContractBytes(doc));
    });

    it('refuses a document that is not an object', () => {
      assert.throws(
        () => canonicalContractBytes([] as unknown as ContractDocument),
        signatureError(/JSON object/),
      );
    });
  });

  describe('signContract', () => {
    it('adds each signature with the signer CN, SHA256, a 64-byte base64 signature and a timestamp', () => {
      const serviceEntry = signatureOf(signed, 'service');
      assert.equal(serviceEntry['certificate'], `service.service-data-${SERVICE_ID}.byoda.test`);
      assert.equal(serviceEntry['hash_algorithm'], 'SHA256');
      assert.equal(Buffer.from(String(serviceEntry['signature']), 'base64').length, 64);
      assert.ok(!Number.isNaN(Date.parse(String(serviceEntry['timestamp']))));
      assert.equal(signatureOf(signed, 'network')['certificate'], 'network-data.byoda.test');
    });

    it('produces a document the contract parser accepts', () => {
      const contract = parseContract(signed);
      assert.equal(contract.signatures.service?.certificate, `service.service-data-${SERVICE_ID}.byoda.test`);
      assert.equal(contract.signatures.network?.hashAlgorithm, 'SHA256');
    });

    it('does not change the document it is given', async () => {
      const doc = smallContractDocument();
      await signContract(doc, 'service', service.data);
      assert.deepEqual(doc['signatures'], {});
    });

    it('refuses a signer that is not the data cert of the role', async () => {
      await assert.rejects(
        signContract(smallContractDocument(), 'service', networkPki.networkData),
        signatureError(/service data certificate of service 4242/),
      );
      await assert.rejects(
        signContract(smallContractDocument(), 'network', service.data),
        signatureError(/network data certificate/),
      );
      await assert.rejects(
        signContract(smallContractDocument(), 'service', service.tls),
        signatureError(/service data certificate/),
      );
    });
  });

  describe('verifyContract', () => {
    it('accepts a contract signed by both roles, in either order', async () => {
      await verifyContract(signed, signers);
      const networkFirst = await signContract(smallContractDocument(), 'network', networkPki.networkData);
      await verifyContract(await signContract(networkFirst, 'service', service.data), signers);
    });

    it('accepts the document after a JSON round trip with reordered keys', async () => {
      const reordered = Object.fromEntries(
        Object.entries(JSON.parse(JSON.stringify(signed)) as object).reverse(),
      );
      await verifyContract(reordered, signers);
    });

    it('refuses an unsigned contract', async () => {
      await assert.rejects(
        verifyContract(smallContractDocument(), signers),
        signatureError(/no service signature/),
      );
      const noSignatures = changed(smallContractDocument(), (doc) => delete doc['signatures']);
      await assert.rejects(verifyContract(noSignatures, signers), signatureError(/unsigned/));
    });

    it('refuses a contract that lacks one role', async () => {
      const serviceOnly = await signContract(smallContractDocument(), 'service', service.data);
      await assert.rejects(verifyContract(serviceOnly, signers), signatureError(/no network signature/));
    });

    it('refuses tampered content', async () => {
      const tampered = changed(signed, (doc) => (doc['name'] = 'small2'));
      await assert.rejects(verifyContract(tampered, signers), signatureError(/does not verify/));
      const deep = changed(signed, (doc) => {
        const schema = doc['jsonschema'] as {
          properties: { person: { properties: Record<string, unknown> } };
        };
        schema.properties.person.properties['age'] = { type: 'string' };
      });
      await assert.rejects(
        verifyContract(deep, signers),
        signatureError(/service signature.*does not verify/),
      );
    });

    it('refuses a signature made with another key of the same name', async () => {
      const temp = await tempDir('contract-signature-rekey');
      try {
        const again = await makeService(networkPki, temp.dir, SERVICE_ID);
        await assert.rejects(
          verifyContractSignature(signed, 'service', again.data.chainPem, networkPki.rootCaPem),
          signatureError(/does not verify with the key/),
        );
      } finally {
        await temp.remove();
      }
    });

    it('refuses a signature whose certificate field is not the signer CN', async () => {
      const wrongCn = changed(signed, (doc) => {
        (doc['signatures'] as Record<string, Record<string, unknown>>)['service']!['certificate'] =
          'service.service-data-1.byoda.test';
      });
      await assert.rejects(verifyContract(wrongCn, signers), signatureError(/names 'service.service-data-1/));
    });

    it('refuses a signer chain of the wrong kind or of another service', async () => {
      await assert.rejects(
        verifyContractSignature(signed, 'service', networkPki.networkData.chainPem, networkPki.rootCaPem),
        signatureError(/service data certificate of service 4242, not 'network-data.byoda.test'/),
      );
      await assert.rejects(
        verifyContractSignature(signed, 'network', service.data.chainPem, networkPki.rootCaPem),
        signatureError(/network data certificate/),
      );
      const temp = await tempDir('contract-signature-service');
      try {
        const stranger = await makeService(networkPki, temp.dir, 7);
        await assert.rejects(
          verifyContractSignature(signed, 'service', stranger.data.chainPem, networkPki.rootCaPem),
          signatureError(/service data certificate of service 4242/),
        );
      } finally {
        await temp.remove();
      }
    });

    it('refuses certificates of another network', async () => {
      const foreign = await signContract(
        await signContract(smallContractDocument(), 'service', other.service.data),
        'network',
        other.networkPki.networkData,
      );
      await assert.rejects(
        verifyContract(foreign, {
          serviceChainPem: other.service.data.chainPem,
          networkChainPem: other.networkPki.networkData.chainPem,
          rootCaPem: networkPki.rootCaPem,
        }),
        signatureError(/not trusted/),
      );
      // The other network's chains against our root fail even when the contract is ours.
      await assert.rejects(
        verifyContractSignature(
          signed,
          'network',
          other.networkPki.networkData.chainPem,
          networkPki.rootCaPem,
        ),
        signatureError(/not trusted/),
      );
    });

    it('refuses a network of the same name with another root', async () => {
      const temp = await tempDir('contract-signature-impostor');
      try {
        const impostor = await makeNetwork(temp.dir, 'byoda.test');
        const forged = await signContract(signed, 'network', impostor.networkPki.networkData);
        await assert.rejects(
          verifyContractSignature(
            forged,
            'network',
            impostor.networkPki.networkData.chainPem,
            networkPki.rootCaPem,
          ),
          signatureError(/not trusted/),
        );
        await assert.rejects(
          verifyContractSignature(forged, 'network', networkPki.networkData.chainPem, networkPki.rootCaPem),
          signatureError(/does not verify/),
        );
      } finally {
        await temp.remove();
      }
    });

    it('refuses a signature that is not base64 of 64 bytes', async () => {
      const set = (value: string) =>
        changed(signed, (doc) => {
          (doc['signatures'] as Record<string, Record<string, unknown>>)['network']!['signature'] = value;
        });
      await assert.rejects(verifyContract(set('not base64!'), signers), signatureError(/not valid base64/));
      await assert.rejects(verifyContract(set('QUJD'), signers), signatureError(/must be 64 bytes/));
      await assert.rejects(verifyContract(set(''), signers), signatureError(/not valid base64/));
    });

    it('refuses another hash algorithm, a bad timestamp or a malformed entry', async () => {
      const setField = (field: string, value: unknown) =>
        changed(signed, (doc) => {
          (doc['signatures'] as Record<string, Record<string, unknown>>)['service']![field] = value;
        });
      await assert.rejects(
        verifyContract(setField('hash_algorithm', 'SHA1'), signers),
        signatureError(/SHA256/),
      );
      await assert.rejects(
        verifyContract(setField('timestamp', 'yesterday'), signers),
        signatureError(/timestamp/),
      );
      await assert.rejects(
        verifyContract(setField('signature', 42), signers),
        signatureError(/not a string/),
      );
      const notObject = changed(
        signed,
        (doc) => ((doc['signatures'] as Record<string, unknown>)['service'] = 'x'),
      );
      await assert.rejects(verifyContract(notObject, signers), signatureError(/not an object/));
      await assert.rejects(verifyContract('a string', signers), signatureError(/not a JSON object/));
    });

    it('refuses a garbage signer chain', async () => {
      await assert.rejects(
        verifyContractSignature(signed, 'service', 'no certificate here', networkPki.rootCaPem),
        signatureError(/not trusted/),
      );
    });
  });
});
