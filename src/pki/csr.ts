/**
 * Certificate signing requests (PKCS#10). A requester proves possession of its key by the CSR's
 * self-signature; a CA takes only the CN and the public key from it and decides every extension itself,
 * so nothing else a CSR asks for can end up in a certificate.
 */
import { ByodaError } from '../errors/index.js';
import { parseIdentity } from './names.js';
import { profileOf } from './policy.js';
import { x509 } from './x509.js';
import type { CryptoKey, CryptoKeyPair } from './x509.js';

const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** CSRs arrive from the network; a P-256 CSR is well under 1 KiB, so this bounds parsing work. */
const MAX_CSR_PEM_LENGTH = 8 * 1024;
const CSR_PEM =
  /^\s*-----BEGIN CERTIFICATE REQUEST-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE REQUEST-----\s*$/;

/** What a CA needs from a verified CSR. */
export interface VerifiedCsr {
  commonName: string;
  publicKey: CryptoKey;
}

/**
 * A PEM CSR for `commonName`, signed with `keys`. The CN must be one of the network's names; for a TLS
 * name it is also requested as a DNS SAN (the CA adds the SAN regardless).
 */
export async function createCsr(commonName: string, keys: CryptoKeyPair): Promise<string> {
  const identity = parseIdentity(commonName);
  if (!identity) throw new ByodaError('BYODA_ERR_CSR', `not a BYODA certificate name: '${commonName}'`);
  const extensions =
    profileOf(identity.type).kind === 'tls'
      ? [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: commonName }])]
      : [];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  return `${csr.toString('pem').trimEnd()}\n`;
}

/**
 * Parse a PEM CSR and check it: well-formed, exactly one CN, an ECDSA P-256 key, signed with
 * ECDSA/SHA-256, and a self-signature that verifies. Any failure is BYODA_ERR_CSR with the reason.
 */
export async function verifyCsr(pem: string): Promise<VerifiedCsr> {
  try {
    return await verifyCsrNow(pem);
  } catch (cause) {
    // The x509 library decodes keys lazily: a malformed key that parsed throws ASN.1 errors later.
    if (cause instanceof ByodaError) throw cause;
    throw new ByodaError('BYODA_ERR_CSR', 'malformed CSR', { cause });
  }
}

async function verifyCsrNow(pem: string): Promise<VerifiedCsr> {
  const csr = parseCsrPem(pem);
  const commonName = singleCommonName(csr);
  assertP256Key(csr.publicKey.algorithm, commonName);
  assertEcdsaSha256(csr.signatureAlgorithm, commonName);
  // WebCrypto and the ASN.1 reader throw their own errors for a key that is not a point of the curve
  // or a signature that is not a DER pair of integers: a bad CSR too, not a fault of ours.
  const unreadable = (cause: unknown): never => {
    throw new ByodaError(
      'BYODA_ERR_CSR',
      `the key or signature of the CSR for '${commonName}' is malformed`,
      {
        cause,
      },
    );
  };
  const verified = await csr.verify().catch(unreadable);
  if (!verified) {
    throw new ByodaError('BYODA_ERR_CSR', `the signature of the CSR for '${commonName}' does not verify`);
  }
  return { commonName, publicKey: await csr.publicKey.export().catch(unreadable) };
}

function parseCsrPem(pem: string): x509.Pkcs10CertificateRequest {
  if (typeof pem !== 'string' || pem.length > MAX_CSR_PEM_LENGTH || !CSR_PEM.test(pem)) {
    throw new ByodaError('BYODA_ERR_CSR', 'malformed CSR: expected one PEM "CERTIFICATE REQUEST" block');
  }
  try {
    return new x509.Pkcs10CertificateRequest(pem);
  } catch (cause) {
    throw new ByodaError('BYODA_ERR_CSR', 'malformed CSR: not a PKCS#10 certificate request', { cause });
  }
}

function singleCommonName(csr: x509.Pkcs10CertificateRequest): string {
  const names = csr.subjectName.getField('CN');
  const [name] = names;
  if (names.length !== 1 || name === undefined || name.length === 0) {
    throw new ByodaError('BYODA_ERR_CSR', 'the CSR subject must have exactly one common name (CN)');
  }
  return name;
}

function assertP256Key(algorithm: unknown, commonName: string): void {
  const name = algorithmName(algorithm) ?? 'an unknown algorithm';
  const curve =
    isRecord(algorithm) && typeof algorithm.namedCurve === 'string' ? algorithm.namedCurve : undefined;
  if (name !== 'ECDSA' || curve !== 'P-256') {
    const got = curve ? `${name} ${curve}` : name;
    throw new ByodaError(
      'BYODA_ERR_CSR',
      `the CSR for '${commonName}' must use an ECDSA P-256 key, not ${got}`,
    );
  }
}

function assertEcdsaSha256(algorithm: unknown, commonName: string): void {
  const hash = isRecord(algorithm) ? algorithm.hash : undefined;
  if (algorithmName(algorithm) !== 'ECDSA' || algorithmName(hash) !== 'SHA-256') {
    throw new ByodaError(
      'BYODA_ERR_CSR',
      `the CSR for '${commonName}' must be signed with ECDSA and SHA-256`,
    );
  }
}

// The library types algorithms with the DOM's `Algorithm`, which this project's lib does not declare;
// read them as plain data.
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function algorithmName(value: unknown): string | undefined {
  return isRecord(value) && typeof value.name === 'string' ? value.name : undefined;
}
