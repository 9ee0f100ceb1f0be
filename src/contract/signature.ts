/**
 * Signing and verifying a contract (spec §5). A contract carries two signatures, `signatures.service`
 * (by the service's data cert, `service.service-data-<S>.<net>`) and `signatures.network` (by the
 * network data cert, `network-data.<net>`), each
 * `{certificate: <signer CN>, hash_algorithm: 'SHA256', signature: <base64>, timestamp: <ISO 8601>}`.
 *
 * What is signed: the RFC 8785 (JCS) canonical JSON, UTF-8, of the contract document **without** its
 * `signatures` key. Both roles sign this same form, so either signature can be made or checked without
 * the other, and adding the second does not invalidate the first. The `certificate` and `timestamp`
 * of a signature are therefore not themselves signed: the CN is checked against the verified signer
 * certificate, and the timestamp is information only.
 *
 * The signature is ECDSA P-256 over SHA-256 in IEEE P1363 form (`r || s`, 32 bytes each, 64 bytes in
 * all: what WebCrypto produces), not DER, then base64 (standard alphabet, with padding).
 *
 * Every failure is BYODA_ERR_CONTRACT_SIGNATURE, naming the role and the reason.
 */
import { createPublicKey, verify, webcrypto } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ByodaError, isByodaError } from '../errors/index.js';
import { identityCn, splitPemBundle, verifyChainBundle } from '../pki/index.js';
import type { Credential, PkiIdentity } from '../pki/index.js';

/** Who signs a contract: the service (its data key) or the network (the network data key). */
export type ContractSignerRole = 'service' | 'network';

export const CONTRACT_SIGNER_ROLES: readonly ContractSignerRole[] = ['service', 'network'];

/** The only hash algorithm we sign with or accept. */
export const CONTRACT_HASH_ALGORITHM = 'SHA256';

/** A contract as a JSON document (the form that is signed, stored and served). */
export type ContractDocument = Readonly<Record<string, unknown>>;

/** One entry of `signatures`, in its JSON form. */
export interface ContractSignatureJson {
  readonly certificate: string;
  readonly hash_algorithm: string;
  readonly signature: string;
  readonly timestamp: string;
}

/** The signer cert chains (leaf first, PEM) and the network root that `verifyContract` checks against. */
export interface ContractSigners {
  readonly serviceChainPem: string;
  readonly networkChainPem: string;
  readonly rootCaPem: string;
}

const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** r || s of P-256: two 32-byte integers. */
const P1363_SIGNATURE_LENGTH = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The bytes both signatures cover: the canonical JSON (RFC 8785) of `doc` without `signatures`. */
export function canonicalContractBytes(doc: ContractDocument): Buffer {
  if (!isJsonObject(doc)) {
    throw new ByodaError('BYODA_ERR_CONTRACT_SIGNATURE', 'a contract document must be a JSON object');
  }
  const { signatures: _ignored, ...content } = doc;
  let text: string | undefined;
  try {
    text = canonicalize(content);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CONTRACT_SIGNATURE', 'the contract document is not plain JSON', {
      cause,
    });
  }
  if (text === undefined) {
    throw new ByodaError('BYODA_ERR_CONTRACT_SIGNATURE', 'the contract document is not plain JSON');
  }
  return Buffer.from(text, 'utf8');
}

/**
 * A copy of `doc` with `signatures[role]` made by `credential` (any other signature is kept). The
 * credential must be the data cert of that role: the service's for `service` (of the contract's
 * service id), the network's for `network`.
 */
export async function signContract(
  doc: ContractDocument,
  role: ContractSignerRole,
  credential: Credential,
): Promise<ContractDocument> {
  assertSignerIdentity(doc, role, credential.identity);
  const bytes = canonicalContractBytes(doc);
  const signature = await webcrypto.subtle.sign(ECDSA_SHA256, credential.keys.privateKey, bytes);
  const entry: ContractSignatureJson = {
    certificate: credential.commonName,
    hash_algorithm: CONTRACT_HASH_ALGORITHM,
    signature: Buffer.from(signature).toString('base64'),
    timestamp: new Date().toISOString(),
  };
  return { ...doc, signatures: { ...existingSignatures(doc), [role]: entry } };
}

/**
 * Check `signatures[role]` of `doc`: the signer chain verifies to `rootCaPem`, names the right data
 * cert for the role (the service data cert of the contract's own service id, or the network data
 * cert), its CN is the signature's `certificate`, and the signature verifies over the canonical form.
 */
export async function verifyContractSignature(
  doc: unknown,
  role: ContractSignerRole,
  signerChainPem: string,
  rootCaPem: string,
): Promise<void> {
  if (!isJsonObject(doc)) fail(role, 'the contract document is not a JSON object');
  const entry = readSignatureEntry(doc, role);
  const identity = await verifySignerChain(role, signerChainPem, rootCaPem);
  assertSignerIdentity(doc, role, identity);
  const signerCn = identityCn(identity);
  if (entry.certificate !== signerCn) {
    fail(role, `it names '${entry.certificate}' but the signer certificate is '${signerCn}'`);
  }
  const signature = decodeSignature(role, entry.signature);
  if (!verifyWithLeaf(signerChainPem, canonicalContractBytes(doc), signature)) {
    fail(role, `it does not verify with the key of '${signerCn}' (content changed or wrong key)`);
  }
}

/** Both signatures (spec §5: a pod refuses a contract without both). */
export async function verifyContract(doc: unknown, signers: ContractSigners): Promise<void> {
  await verifyContractSignature(doc, 'service', signers.serviceChainPem, signers.rootCaPem);
  await verifyContractSignature(doc, 'network', signers.networkChainPem, signers.rootCaPem);
}

/** Whether `doc` carries a signature of `role` (well-formed or not). Verify before trusting it. */
export function hasContractSignature(doc: ContractDocument, role: ContractSignerRole): boolean {
  return existingSignatures(doc)[role] !== undefined;
}

// ---- helpers -----------------------------------------------------------------------------------------

function existingSignatures(doc: ContractDocument): Record<string, unknown> {
  const signatures = doc['signatures'];
  return isJsonObject(signatures) ? signatures : {};
}

function readSignatureEntry(doc: Record<string, unknown>, role: ContractSignerRole): ContractSignatureJson {
  const signatures = doc['signatures'];
  if (!isJsonObject(signatures)) fail(role, 'the contract is unsigned (no signatures)');
  const entry = signatures[role];
  if (entry === undefined) fail(role, `the contract has no ${role} signature`);
  if (!isJsonObject(entry)) fail(role, 'it is not an object');
  const { certificate, hash_algorithm: hashAlgorithm, signature, timestamp } = entry;
  if (typeof certificate !== 'string' || certificate === '') fail(role, 'it names no certificate');
  if (hashAlgorithm !== CONTRACT_HASH_ALGORITHM) {
    fail(
      role,
      `its hash_algorithm must be '${CONTRACT_HASH_ALGORITHM}', not ${JSON.stringify(hashAlgorithm)}`,
    );
  }
  if (typeof signature !== 'string') fail(role, 'its signature is not a string');
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) {
    fail(role, 'its timestamp is not an ISO 8601 date and time');
  }
  return { certificate, hash_algorithm: hashAlgorithm, signature, timestamp };
}

async function verifySignerChain(
  role: ContractSignerRole,
  signerChainPem: string,
  rootCaPem: string,
): Promise<PkiIdentity> {
  try {
    return await verifyChainBundle(signerChainPem, rootCaPem);
  } catch (err) {
    if (isByodaError(err)) fail(role, `the signer certificate is not trusted: ${err.message}`, err);
    throw err;
  }
}

/** The role's data cert: `network-data.<net>`, or `service.service-data-<S>.<net>` of the contract's S. */
function assertSignerIdentity(doc: ContractDocument, role: ContractSignerRole, identity: PkiIdentity): void {
  if (role === 'network') {
    if (identity.type !== 'network-data') {
      fail(role, `the signer must be the network data certificate, not a ${identity.type} certificate`);
    }
    return;
  }
  const serviceId = doc['service_id'];
  if (typeof serviceId !== 'number' || !Number.isInteger(serviceId)) {
    fail(role, 'the contract has no valid service_id');
  }
  if (identity.type !== 'service-data' || identity.serviceId !== serviceId) {
    fail(
      role,
      `the signer must be the service data certificate of service ${serviceId}, not '${identityCn(identity)}'`,
    );
  }
}

/** Strict base64 of exactly 64 bytes (a re-encoding must give the same text: no junk is ignored). */
function decodeSignature(role: ContractSignerRole, text: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (!BASE64.test(text) || bytes.toString('base64') !== text)
    fail(role, 'its signature is not valid base64');
  if (bytes.length !== P1363_SIGNATURE_LENGTH) {
    fail(
      role,
      `its signature must be ${P1363_SIGNATURE_LENGTH} bytes (ECDSA P-256 r||s), not ${bytes.length}`,
    );
  }
  return bytes;
}

function verifyWithLeaf(chainPem: string, data: Buffer, signature: Buffer): boolean {
  const [leafPem] = splitPemBundle(chainPem);
  if (leafPem === undefined) return false;
  const key = createPublicKey(leafPem);
  return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(role: ContractSignerRole, reason: string, cause?: unknown): never {
  throw new ByodaError('BYODA_ERR_CONTRACT_SIGNATURE', `${role} signature of the contract: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}
