/**
 * Certificate thumbprints as JOSE names them (RFC 7515 §4.1.8, `x5t#S256`): the base64url SHA-256 of
 * the certificate's DER. A signature names the certificate it was made with by its thumbprint, so a
 * verifier holding another certificate of the same signer (one cached before a key rotation) knows
 * which one to ask for (docs/protocol.md, "Key rotation").
 */
import { X509Certificate, createHash } from 'node:crypto';
import { ByodaError } from '../errors/index.js';
import { splitPemBundle } from './pem.js';

/** The JWS protected header field that carries a thumbprint. */
export const THUMBPRINT_HEADER = 'x5t#S256';

/** 32 bytes in base64url without padding: 43 characters. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/** Whether `value` has the form of a SHA-256 thumbprint (says nothing about which certificate). */
export function isThumbprint(value: unknown): value is string {
  return typeof value === 'string' && THUMBPRINT.test(value);
}

/** The thumbprint of a certificate, or of a chain's leaf (the first certificate of the PEM). */
export function certThumbprint(pem: string): string {
  const leaf = splitPemBundle(pem)[0];
  if (leaf === undefined) throw new ByodaError('BYODA_ERR_PKI', 'no certificate to take a thumbprint of');
  return createHash('sha256').update(new X509Certificate(leaf).raw).digest('base64url');
}
