/**
 * `signatures` (spec §5): `{service?, network?}`, each `{certificate, hash_algorithm, signature,
 * timestamp}`. Only the shape is checked here; verifying a signature needs the signer's certificate
 * and is the signing module's job.
 */
import type { ContractSignature, ContractSignatures } from './model.js';
import { invalidAt, pointer } from './contract-error.js';
import { checkKeys, readObject, readString, requireKeys } from './json-readers.js';

const SIGNERS = ['service', 'network'] as const;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const SIGNATURE_NEEDS = {
  certificate: "the CN of the signer's data certificate",
  hash_algorithm: 'the hash algorithm, e.g. "SHA256"',
  signature: 'the base64 signature',
  timestamp: 'when it was signed (ISO 8601)',
};

export function parseSignatures(value: unknown, path: string): ContractSignatures {
  const object = readObject(value, path, 'an object {service?, network?}');
  checkKeys(object, path, SIGNERS);
  const signatures: { service?: ContractSignature; network?: ContractSignature } = {};
  for (const signer of SIGNERS) {
    if (signer in object) signatures[signer] = parseSignature(object[signer], pointer(path, signer));
  }
  return signatures;
}

function parseSignature(value: unknown, path: string): ContractSignature {
  const object = readObject(value, path, 'an object {certificate, hash_algorithm, signature, timestamp}');
  checkKeys(object, path, Object.keys(SIGNATURE_NEEDS));
  requireKeys(object, path, SIGNATURE_NEEDS);
  const signature = readString(object.signature, pointer(path, 'signature'));
  if (!BASE64.test(signature)) throw invalidAt(pointer(path, 'signature'), 'must be base64');
  const timestamp = readString(object.timestamp, pointer(path, 'timestamp'));
  if (Number.isNaN(Date.parse(timestamp))) {
    throw invalidAt(pointer(path, 'timestamp'), `"${timestamp}" is not an ISO 8601 date and time`);
  }
  return {
    certificate: readString(object.certificate, pointer(path, 'certificate')),
    hashAlgorithm: readString(object.hash_algorithm, pointer(path, 'hash_algorithm')),
    signature,
    timestamp,
  };
}
