/**
 * `initService`: make a data folder into a registered service of a network, once. It creates the
 * service PKI (its CA signed by the network through the directory), fetches the network data cert,
 * publishes the contract file as the first version (signed by the service, countersigned by the
 * network: spec §11) and only then writes `service.json`, whose presence means "initialised". An init
 * that stopped half-way is resumed with the keys it already made.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ByodaError } from '../errors/index.js';
import { loadContractFile } from '../contract/index.js';
import type { Contract } from '../contract/index.js';
import { DirectoryClient } from '../network/index.js';
import { createServicePki, openServicePki, serviceFqdn, verifyRootCa } from '../pki/index.js';
import type { ServicePki } from '../pki/index.js';
import { ContractStore } from './contract-store.js';
import { dataPath, fileExists, serviceConfigExists, writeFileAtomic, writeServiceConfig } from './layout.js';
import { publishContract, verifiedNetworkDataChain } from './publish.js';

export interface InitServiceOptions {
  readonly dataDir: string;
  /** Encrypts the service's private keys. */
  readonly passphrase: string;
  /** The contract file (its `service_id` is the service's id; unsigned is fine). */
  readonly contractPath: string;
  /** The directory's base URL, e.g. `https://127.0.0.1:4433`. */
  readonly directoryUrl: string;
  /** The network root CA (PEM). */
  readonly rootCaPem: string;
  /** The network domain; when given it must be the root's. */
  readonly network?: string;
}

/** What a service is, as `init` and `start` report it. */
export interface ServiceSummary {
  readonly serviceId: number;
  readonly network: string;
  /** `service.service-<id>.<net>` */
  readonly fqdn: string;
  readonly name: string;
  /** The latest published contract version. */
  readonly version: number;
}

export async function initService(options: InitServiceOptions): Promise<ServiceSummary> {
  const dataDir = resolve(options.dataDir);
  if (await serviceConfigExists(dataDir)) {
    throw new ByodaError('BYODA_ERR_CONFIG', `${dataDir} already holds an initialised service`);
  }
  const network = await networkOfRoot(options.rootCaPem, options.network);
  const contractPath = resolve(options.contractPath);
  const contract = await loadContractFile(contractPath);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pki = await registerServicePki(dataDir, options, network, contract);
  const directory = new DirectoryClient({
    url: options.directoryUrl,
    network,
    rootCaPem: options.rootCaPem,
    credential: pki.tls,
  });
  try {
    await publishFirstVersion(dataDir, pki, directory, contract);
  } finally {
    await directory.close();
  }
  await writeServiceConfig(dataDir, {
    serviceId: contract.serviceId,
    network,
    directoryUrl: directory.url,
    contractFile: contractPath,
  });
  return {
    serviceId: contract.serviceId,
    network,
    fqdn: serviceFqdn(network, contract.serviceId),
    name: contract.name,
    version: contract.version,
  };
}

/** The service CA, signed by the network as the directory registers the service id. */
async function registerServicePki(
  dataDir: string,
  options: InitServiceOptions,
  network: string,
  contract: Contract,
): Promise<ServicePki> {
  const anonymous = new DirectoryClient({ url: options.directoryUrl, network, rootCaPem: options.rootCaPem });
  try {
    return await servicePki(dataDir, options, contract.serviceId, async (csrPem) => {
      return (await anonymous.registerService({ csrPem, name: contract.name })).chainPem;
    });
  } finally {
    await anonymous.close();
  }
}

/** The network data cert (to check countersignatures), then the contract signed by both. */
async function publishFirstVersion(
  dataDir: string,
  pki: ServicePki,
  directory: DirectoryClient,
  contract: Contract,
): Promise<void> {
  const networkDataChainPem = await verifiedNetworkDataChain(
    await directory.getNetworkDataCert(),
    pki.rootCaPem,
  );
  await writeFileAtomic(dataPath(dataDir, 'networkData'), networkDataChainPem);
  const store = new ContractStore(dataPath(dataDir, 'contracts'));
  await publishContract({ store, pki, directory, networkDataChainPem }, contract);
}

async function networkOfRoot(rootCaPem: string, expected: string | undefined): Promise<string> {
  const network = await verifyRootCa(rootCaPem);
  if (expected !== undefined && expected !== network) {
    throw new ByodaError('BYODA_ERR_CONFIG', `the root CA is of network '${network}', not '${expected}'`);
  }
  return network;
}

/** The service's PKI: made now, or the one an interrupted init already made (its CA is registered). */
async function servicePki(
  dataDir: string,
  options: InitServiceOptions,
  serviceId: number,
  signServiceCaCsr: (csrPem: string) => Promise<string>,
): Promise<ServicePki> {
  const dir = dataPath(dataDir, 'pki');
  if (await fileExists(join(dir, 'service.pem'))) {
    const pki = await openServicePki(dir, options.passphrase);
    if (pki.serviceId !== serviceId) {
      throw new ByodaError(
        'BYODA_ERR_CONFIG',
        `${dataDir} holds the keys of service ${pki.serviceId}, but the contract is for service ${serviceId}`,
      );
    }
    return pki;
  }
  return createServicePki(dir, {
    serviceId,
    rootCaPem: options.rootCaPem,
    passphrase: options.passphrase,
    signServiceCaCsr,
  });
}
