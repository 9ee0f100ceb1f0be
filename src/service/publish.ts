/**
 * Publishing a contract version (spec §5, §11): the service signs it with its data key, the directory
 * countersigns it with the network data key, and the doubly signed document is stored as that version.
 * A new version must be a compatible (add-only) successor of the current one; anything else is refused
 * before it is signed, so that pods never see it.
 */
import { ByodaError, isByodaError } from '../errors/index.js';
import { assertCompatible, canonicalContractBytes, signContract, verifyContract } from '../contract/index.js';
import type { Contract, ContractDiff, ContractDocument } from '../contract/index.js';
import { verifyChainBundle } from '../pki/index.js';
import type { ServicePki } from '../pki/index.js';
import type { DirectoryClient } from '../network/index.js';
import type { ContractStore } from './contract-store.js';

/** What publishing needs: the store, the service's keys and a directory client with its TLS cert. */
export interface PublishContext {
  readonly store: ContractStore;
  readonly pki: ServicePki;
  readonly directory: Pick<DirectoryClient, 'signContract'>;
  /** The network data cert chain (leaf first), to check the directory's countersignature. */
  readonly networkDataChainPem: string;
}

export interface PublishOutcome {
  readonly version: number;
  /** False when this exact version was already published (nothing changed). */
  readonly published: boolean;
  /** The comparison with the previous version, when there was one. */
  readonly diff: ContractDiff | undefined;
}

export async function publishContract(context: PublishContext, contract: Contract): Promise<PublishOutcome> {
  assertOwnService(context.pki, contract);
  const current = await context.store.latest();
  if (current && current.contract.version === contract.version) {
    if (sameContent(current.contract.document, contract.document)) {
      return { version: contract.version, published: false, diff: undefined };
    }
    throw new ByodaError(
      'BYODA_ERR_CONFLICT',
      `contract version ${contract.version} is already published with other content; give the new one a greater version`,
    );
  }
  const diff = current ? assertCompatible(current.contract, contract) : undefined;
  const signed = await signedByBoth(context, contract.document);
  await context.store.put(signed);
  return { version: contract.version, published: true, diff };
}

/**
 * The document with valid service and network signatures: as it is if it already has them, else
 * signed here and countersigned by the directory, whose answer is verified before it is trusted.
 */
async function signedByBoth(context: PublishContext, doc: ContractDocument): Promise<ContractDocument> {
  const { pki } = context;
  const signers = {
    serviceChainPem: pki.data.chainPem,
    networkChainPem: context.networkDataChainPem,
    rootCaPem: pki.rootCaPem,
  };
  if (await verifies(doc, signers)) return doc;
  // Signatures that do not verify here (another service's, or the original BYODA's) are replaced.
  const serviceSigned = await signContract({ ...doc, signatures: {} }, 'service', pki.data);
  const countersigned = await context.directory.signContract(pki.serviceId, {
    contract: { ...serviceSigned },
    dataCertChainPem: pki.data.chainPem,
  });
  try {
    await verifyContract(countersigned, signers);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ByodaError(
      'BYODA_ERR_CONTRACT_SIGNATURE',
      `the directory returned a contract that does not verify: ${reason}`,
      { cause: err },
    );
  }
  return countersigned;
}

async function verifies(
  doc: ContractDocument,
  signers: Parameters<typeof verifyContract>[1],
): Promise<boolean> {
  try {
    await verifyContract(doc, signers);
    return true;
  } catch (err) {
    if (isByodaError(err) && err.code === 'BYODA_ERR_CONTRACT_SIGNATURE') return false;
    throw err;
  }
}

function assertOwnService(pki: ServicePki, contract: Contract): void {
  if (contract.serviceId !== pki.serviceId) {
    throw new ByodaError(
      'BYODA_ERR_CONFIG',
      `the contract is for service ${contract.serviceId}, but this is service ${pki.serviceId}`,
    );
  }
}

/** Same content, signatures aside (key order and formatting do not matter). */
function sameContent(a: ContractDocument, b: ContractDocument): boolean {
  return canonicalContractBytes(a).equals(canonicalContractBytes(b));
}

/**
 * The network data cert chain as the directory serves it, checked: it must verify to the root and be
 * the network data cert (`network-data.<net>`), or no countersignature could be trusted.
 */
export async function verifiedNetworkDataChain(chainPem: string, rootCaPem: string): Promise<string> {
  const identity = await verifyChainBundle(chainPem, rootCaPem);
  if (identity.type !== 'network-data') {
    throw new ByodaError(
      'BYODA_ERR_CERT_CHAIN',
      `the directory's network data certificate is a ${identity.type} certificate`,
    );
  }
  return chainPem;
}
