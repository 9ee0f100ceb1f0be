/**
 * PEM bundles: the on-disk and on-the-wire form of certificate chains (leaf first, then intermediates).
 */
import { X509Certificate } from 'node:crypto';
import { ByodaError } from '../errors/index.js';
import { x509 } from './x509.js';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;
/** A chain of this network is at most 5 certs of well under 1 KiB each; refuse anything far larger. */
const MAX_BUNDLE_LENGTH = 64 * 1024;

/** The certificates of a PEM bundle, in order, each as its own PEM string (with a trailing newline). */
export function splitPemBundle(bundle: string): string[] {
  if (bundle.length > MAX_BUNDLE_LENGTH) {
    throw new ByodaError('BYODA_ERR_CERT_CHAIN', 'the certificate bundle is too large');
  }
  return (bundle.match(CERT_BLOCK) ?? []).map((block) => `${block.replace(/\r\n/g, '\n')}\n`);
}

/** When a PEM certificate runs out, in milliseconds since the epoch (its notAfter). */
export function notAfterMs(pem: string): number {
  return Date.parse(new X509Certificate(pem).validTo);
}

/** A certificate as PEM ending in a newline, the form every PEM string of this module has. */
export function certificateToPem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem').trimEnd()}\n`;
}

/** Certificates joined into one bundle, in the given order. */
export function joinPemBundle(pems: readonly string[]): string {
  return pems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
}

/** Parse exactly one PEM certificate; `what` names it in the error (e.g. "root certificate"). */
export function parseCertificatePem(pem: string, what: string): x509.X509Certificate {
  const blocks = splitPemBundle(pem);
  if (blocks.length !== 1 || blocks[0] === undefined) {
    throw new ByodaError('BYODA_ERR_CERT_CHAIN', `the ${what} must be exactly one PEM certificate`);
  }
  try {
    return new x509.X509Certificate(blocks[0]);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CERT_CHAIN', `the ${what} is not a valid X.509 certificate`, { cause });
  }
}

/** The CN of a certificate's subject ('' if it has none or several). */
export function commonNameOf(cert: x509.X509Certificate): string {
  const names = cert.subjectName.getField('CN');
  return names.length === 1 ? (names[0] ?? '') : '';
}
