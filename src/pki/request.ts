/**
 * The requesting side of a CSR: a pod asking the directory for its account certs or the service for a
 * membership cert, a service asking the directory for its service CA. The transport is the caller's
 * (`CsrSigner`: HTTP in the servers, a direct call in local mode and tests); this module makes the key,
 * sends the CSR and checks what comes back before anyone relies on it.
 */
import { ByodaError } from '../errors/index.js';
import { verifyChainBundle } from './chain.js';
import { createCsr } from './csr.js';
import { generateKeyPair, samePublicKey } from './keys.js';
import { commonNameOf, parseCertificatePem, splitPemBundle } from './pem.js';
import type { Credential } from './credential.js';
import type { CryptoKeyPair } from './x509.js';

/** Sends a PEM CSR to a CA and resolves to the issued chain PEM (leaf first, no root). */
export type CsrSigner = (csrPem: string) => Promise<string>;

/**
 * A key pair (a fresh one unless `keys` is given: a renewal keeps its key), a CSR for `commonName`,
 * and the chain `sign` returns for it, checked against the network root: it must verify, name exactly
 * `commonName`, and certify our key (a CA that answered with someone else's certificate is caught
 * here, not at the first handshake).
 */
export async function requestCredential(
  commonName: string,
  rootCaPem: string,
  sign: CsrSigner,
  keys?: CryptoKeyPair,
): Promise<Credential> {
  keys ??= await generateKeyPair();
  const chainPem = await sign(await createCsr(commonName, keys));
  const identity = await verifyChainBundle(chainPem, rootCaPem);
  const [certPem] = splitPemBundle(chainPem);
  if (certPem === undefined) throw new ByodaError('BYODA_ERR_PKI', 'the CA returned no certificate');
  const cert = parseCertificatePem(certPem, 'issued certificate');
  const issuedKey = await cert.publicKey.export();
  if (commonNameOf(cert) !== commonName || !(await samePublicKey(issuedKey, keys.publicKey))) {
    throw new ByodaError(
      'BYODA_ERR_PKI',
      `the CA did not return a certificate of our key for '${commonName}'`,
    );
  }
  return { identity, commonName, certPem, chainPem, keys };
}
