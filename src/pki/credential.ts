/**
 * What a CA hands out (`IssuedCert`: a certificate and its chain) and what a server holds (`Credential`:
 * the same plus its key pair). Certificates travel as PEM so that callers never need the X.509 library.
 */
import { verifyChainBundle } from './chain.js';
import { splitPemBundle } from './pem.js';
import { privateKeyPem } from './keys.js';
import type { PkiIdentity } from './names.js';
import type { CryptoKeyPair } from './x509.js';

export interface IssuedCert {
  /** Who the certificate names (parsed from its CN). */
  identity: PkiIdentity;
  /** The CN, which is also the DNS SAN of a TLS cert. */
  commonName: string;
  /** The certificate alone. */
  certPem: string;
  /**
   * The certificate, then the intermediate CAs above it, excluding the root (which every party has as
   * `root-ca.pem`). For the root CA itself: just the root.
   */
  chainPem: string;
}

export interface Credential extends IssuedCert {
  keys: CryptoKeyPair;
}

/**
 * `cert`/`key` for `tls.createServer`, `tls.connect` or an undici `Agent`: the chain (so that the peer can
 * verify up to the root with only the root as `ca`) and the private key, unencrypted in memory only.
 */
export function credentialTlsOptions(credential: Credential): { cert: string; key: string } {
  return { cert: credential.chainPem, key: privateKeyPem(credential.keys.privateKey) };
}

/** The intermediates of a chain (everything after its first certificate), as PEM strings. */
export function chainIntermediates(chainPem: string): string[] {
  return splitPemBundle(chainPem).slice(1);
}

/**
 * Check that every credential verifies up to `rootPem` now: a folder opened with certificates of another
 * network, or expired ones, fails at start-up rather than at the first handshake.
 */
export async function assertChainsToRoot(credentials: readonly Credential[], rootPem: string): Promise<void> {
  await Promise.all(credentials.map((credential) => verifyChainBundle(credential.chainPem, rootPem)));
}
