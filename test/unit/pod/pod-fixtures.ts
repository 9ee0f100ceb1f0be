/**
 * Factories for the pod's unit tests (not a test file): a network and service PKI in a temporary
 * folder, contracts signed by both, and memberships over in-memory stores, without any server.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseContract, signContract } from '../../../src/contract/index.js';
import type { Contract, ContractDocument } from '../../../src/contract/index.js';
import { createNetworkPki, createServicePki, memberDataCn, memberFqdn } from '../../../src/pki/index.js';
import type { NetworkPki, ServicePki } from '../../../src/pki/index.js';
import { Membership } from '../../../src/pod/memberships/membership.js';
import { openSqliteStore } from '../../../src/storage/index.js';
import { tempDir } from '../../fixtures/pki.js';

const PASSPHRASE = 'pod unit test passphrase';

export interface TestNetwork {
  readonly networkPki: NetworkPki;
  /** Service PKIs by service id, made on first use. */
  service(serviceId: number): Promise<ServicePki>;
  /** `doc` signed by its service's data key and by the network. */
  sign(doc: ContractDocument): Promise<ContractDocument>;
  remove(): Promise<void>;
}

export async function makeTestNetwork(network = 'byoda.test'): Promise<TestNetwork> {
  const temp = await tempDir('pod-unit');
  const networkPki = await createNetworkPki(join(temp.dir, 'network'), network, PASSPHRASE);
  const services = new Map<number, Promise<ServicePki>>();
  const service = (serviceId: number): Promise<ServicePki> => {
    let made = services.get(serviceId);
    if (!made) {
      made = createServicePki(join(temp.dir, `service-${serviceId}`), {
        serviceId,
        rootCaPem: networkPki.rootCaPem,
        passphrase: PASSPHRASE,
        signServiceCaCsr: async (csr) => (await networkPki.signServiceCaCsr(csr, serviceId)).chainPem,
      });
      services.set(serviceId, made);
    }
    return made;
  };
  return {
    networkPki,
    service,
    sign: async (doc) => {
      const servicePki = await service(Number(doc['service_id']));
      return signContract(
        await signContract(doc, 'service', servicePki.data),
        'network',
        networkPki.networkData,
      );
    },
    remove: temp.remove,
  };
}

/** A membership of `contract`'s service with fresh certificates and an in-memory namespace. */
export async function makeMembership(
  net: TestNetwork,
  contract: Contract,
  memberId: string = randomUUID(),
): Promise<Membership> {
  const servicePki = await net.service(contract.serviceId);
  const network = net.networkPki.network;
  const tls = await servicePki.membersCa.issueCredential(memberFqdn(network, contract.serviceId, memberId));
  const data = await servicePki.membersCa.issueCredential(
    memberDataCn(network, contract.serviceId, memberId),
  );
  const store = await openSqliteStore(':memory:', contract);
  return new Membership({ memberId, tls, data, store, rootCaPem: net.networkPki.rootCaPem });
}

/** A copy of a contract document with `change` applied. */
export function changedDocument(
  doc: ContractDocument,
  change: (copy: Record<string, unknown>) => void,
): Record<string, unknown> {
  const copy = structuredClone(doc) as Record<string, unknown>;
  change(copy);
  return copy;
}

export function contractOf(doc: ContractDocument): Contract {
  return parseContract(doc);
}
