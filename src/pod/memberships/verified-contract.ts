/**
 * A contract fetched from its service and checked before the pod relies on it (spec §5): both
 * signatures (the service's data key and the network's) must verify over the document as served, the
 * document must parse, and it must be the contract of the service that was asked. A pod never stores
 * or serves an unsigned or tampered contract.
 */
import { parseContract, verifyContract } from '../../contract/index.js';
import type { Contract } from '../../contract/index.js';
import { ByodaError, isByodaError } from '../../errors/index.js';
import type { ServiceClient } from './service-client.js';

/** What the check needs of a service client (a narrow type, so tests can hand in a stub). */
export type ContractSource = Pick<ServiceClient, 'getContract' | 'getDataCert' | 'getNetworkDataCert'>;

export async function fetchVerifiedContract(
  client: ContractSource,
  serviceId: number,
  rootCaPem: string,
  version?: number,
): Promise<Contract> {
  const [doc, serviceChainPem, networkChainPem] = await Promise.all([
    client.getContract(version),
    client.getDataCert(),
    client.getNetworkDataCert(),
  ]);
  try {
    await verifyContract(doc, { serviceChainPem, networkChainPem, rootCaPem });
  } catch (err) {
    if (!isByodaError(err)) throw err;
    throw new ByodaError(
      'BYODA_ERR_CONTRACT_SIGNATURE',
      `refusing the contract of service ${serviceId}: ${err.message}`,
      { status: 502, cause: err },
    );
  }
  const contract = parseContract(doc);
  if (contract.serviceId !== serviceId) {
    throw new ByodaError(
      'BYODA_ERR_CONTRACT_SIGNATURE',
      `service ${serviceId} served the contract of service ${contract.serviceId}`,
      { status: 502 },
    );
  }
  return contract;
}
