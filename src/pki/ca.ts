/**
 * A certificate authority of the network: its certificate, key and chain, and the rules of what it may
 * sign (policy.ts). Every certificate it issues gets the profile of its subject's identity type:
 *
 * - CA: basicConstraints CA:true with the type's pathLength (critical), keyUsage keyCertSign + cRLSign
 *   (critical), subject and authority key identifiers.
 * - TLS (account, service, member, directory): CA:false, keyUsage digitalSignature, extendedKeyUsage
 *   serverAuth and/or clientAuth, DNS SAN = CN.
 * - data: CA:false, keyUsage digitalSignature + nonRepudiation, no extendedKeyUsage and no SAN, so it
 *   names no host and cannot pass a TLS hostname check.
 *
 * Everything is ECDSA P-256 with SHA-256, X.509 v3, with 16-byte random serials.
 */
import { randomBytes } from 'node:crypto';
import { ByodaError } from '../errors/index.js';
import { verifyCsr } from './csr.js';
import { generateKeyPair } from './keys.js';
import { parseIdentity, rootCaCn } from './names.js';
import { certificateToPem, joinPemBundle, parseCertificatePem } from './pem.js';
import { defaultValidityDays, mayIssue, profileOf } from './policy.js';
import { x509 } from './x509.js';
import type { Credential, IssuedCert } from './credential.js';
import type { IdentityType, PkiIdentity } from './names.js';
import type { CertProfile } from './policy.js';
import type { CryptoKey, CryptoKeyPair } from './x509.js';

const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates start a little in the past so that a peer whose clock is slightly behind accepts them. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * When a certificate is valid. By default from now (minus a few minutes of clock skew) for the type's
 * default period (root 10 years, CAs 5, leaves 1). `days` overrides the period; `notBefore`/`notAfter`
 * set the dates outright (tests use them for not-yet-valid and expired certificates). A certificate
 * never outlives its issuer: `notAfter` is clamped to the issuer's.
 */
export interface Validity {
  notBefore?: Date;
  notAfter?: Date;
  days?: number;
}

/**
 * Which CSR a caller means to sign: the exact CN expected (e.g. the member FQDN of the membership that
 * asked), or a predicate on the parsed identity (e.g. `(id) => id.type === 'account'` at registration,
 * when any new account id is fine). The CA's own rules (policy.ts) apply in addition.
 */
export type CsrExpectation = string | ((identity: PkiIdentity) => boolean);

export interface IssueOptions {
  validity?: Validity;
}

export class CertificateAuthority {
  readonly credential: Credential;
  readonly #cert: x509.X509Certificate;

  private constructor(credential: Credential, cert: x509.X509Certificate) {
    this.credential = credential;
    this.#cert = cert;
  }

  get identity(): PkiIdentity {
    return this.credential.identity;
  }

  get commonName(): string {
    return this.credential.commonName;
  }

  /** Wrap a credential (e.g. read from disk) whose certificate is a CA of a known type. */
  static fromCredential(credential: Credential): CertificateAuthority {
    const cert = parseCertificatePem(credential.certPem, `certificate of '${credential.commonName}'`);
    const constraints = cert.getExtension(x509.BasicConstraintsExtension);
    if (profileOf(credential.identity.type).kind !== 'ca' || !constraints?.ca) {
      throw new ByodaError('BYODA_ERR_PKI', `'${credential.commonName}' is not a certificate authority`);
    }
    return new CertificateAuthority(credential, cert);
  }

  /** A new self-signed root CA for `network`, with `keys` (a fresh pair if none is given). */
  static async createRoot(
    network: string,
    keys?: CryptoKeyPair,
    options: IssueOptions = {},
  ): Promise<CertificateAuthority> {
    const commonName = rootCaCn(network);
    const identity: PkiIdentity = { type: 'root-ca', network };
    const keyPair = keys ?? (await generateKeyPair());
    const { notBefore, notAfter } = resolveValidity('root-ca', options.validity, undefined);
    const keyId = await keyIdentifier(keyPair.publicKey);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerialNumber(),
      name: subjectName(commonName),
      notBefore,
      notAfter,
      keys: keyPair,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [...profileExtensions(profileOf('root-ca'), commonName), ...keyIdExtensions(keyId, keyId)],
    });
    const certPem = certificateToPem(cert);
    return new CertificateAuthority(
      { identity, commonName, certPem, chainPem: certPem, keys: keyPair },
      cert,
    );
  }

  /**
   * Verify a CSR and sign it. Refused (BYODA_ERR_CSR, naming the CN) when the CSR is invalid, its CN is
   * not a name of this network, this CA may not issue that type (or for another service), or the CN
   * does not meet `expected`.
   */
  async signCsr(csrPem: string, expected: CsrExpectation, options: IssueOptions = {}): Promise<IssuedCert> {
    const { commonName, publicKey } = await verifyCsr(csrPem);
    const identity = this.#identityThisCaMayIssue(commonName, 'BYODA_ERR_CSR');
    assertExpected(commonName, identity, expected);
    return this.#sign(identity, commonName, publicKey, options);
  }

  /**
   * Sign a certificate for a key the caller already holds (no CSR: e.g. the network's own CAs, created
   * next to the root). The same rules as for a CSR apply; refusals are BYODA_ERR_PKI.
   */
  async issue(commonName: string, publicKey: CryptoKey, options: IssueOptions = {}): Promise<IssuedCert> {
    const identity = this.#identityThisCaMayIssue(commonName, 'BYODA_ERR_PKI');
    assertP256(publicKey, commonName);
    return this.#sign(identity, commonName, publicKey, options);
  }

  /** A fresh key pair and a certificate for it: a complete credential for a local server or sub-CA. */
  async issueCredential(commonName: string, options: IssueOptions = {}): Promise<Credential> {
    const keys = await generateKeyPair();
    const issued = await this.issue(commonName, keys.publicKey, options);
    return { ...issued, keys };
  }

  #identityThisCaMayIssue(commonName: string, code: 'BYODA_ERR_CSR' | 'BYODA_ERR_PKI'): PkiIdentity {
    const { network } = this.identity;
    const identity = parseIdentity(commonName, network);
    if (!identity) {
      throw new ByodaError(code, `'${commonName}' is not a certificate name of network '${network}'`);
    }
    if (!mayIssue(this.identity, identity)) {
      throw new ByodaError(code, `${this.commonName} may not issue a certificate for '${commonName}'`);
    }
    return identity;
  }

  async #sign(
    identity: PkiIdentity,
    commonName: string,
    publicKey: CryptoKey,
    options: IssueOptions,
  ): Promise<IssuedCert> {
    const { notBefore, notAfter } = resolveValidity(identity.type, options.validity, this.#cert.notAfter);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialNumber(),
      subject: subjectName(commonName),
      issuer: this.#cert.subjectName,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.credential.keys.privateKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        ...profileExtensions(profileOf(identity.type), commonName),
        ...keyIdExtensions(await keyIdentifier(publicKey), this.#keyId()),
      ],
    });
    const certPem = certificateToPem(cert);
    return { identity, commonName, certPem, chainPem: joinPemBundle([certPem, ...this.#chainAboveIssued()]) };
  }

  /** What follows an issued cert in its chain: this CA and its intermediates, never the root. */
  #chainAboveIssued(): string[] {
    return this.identity.type === 'root-ca' ? [] : [this.credential.chainPem];
  }

  #keyId(): string {
    const ski = this.#cert.getExtension(x509.SubjectKeyIdentifierExtension);
    if (!ski) throw new ByodaError('BYODA_ERR_PKI', `${this.commonName} has no subject key identifier`);
    return ski.keyId;
  }
}

function assertExpected(commonName: string, identity: PkiIdentity, expected: CsrExpectation): void {
  if (typeof expected === 'string') {
    if (commonName !== expected) {
      throw new ByodaError(
        'BYODA_ERR_CSR',
        `the CSR asks for '${commonName}' but '${expected}' was expected`,
      );
    }
  } else if (!expected(identity)) {
    throw new ByodaError('BYODA_ERR_CSR', `a certificate for '${commonName}' may not be requested here`);
  }
}

function subjectName(commonName: string): x509.JsonName {
  return [{ CN: [commonName] }];
}

/** 16 random bytes, the top bit cleared (a positive INTEGER) and the next set (exactly 16 bytes in DER). */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function resolveValidity(
  type: IdentityType,
  validity: Validity = {},
  issuerNotAfter: Date | undefined,
): { notBefore: Date; notAfter: Date } {
  const notBefore = validity.notBefore ?? new Date(Date.now() - CLOCK_SKEW_MS);
  if (issuerNotAfter && issuerNotAfter <= notBefore) {
    throw new ByodaError('BYODA_ERR_PKI', `the issuing CA expired on ${issuerNotAfter.toISOString()}`);
  }
  const days = validity.days ?? defaultValidityDays(type);
  const wanted = validity.notAfter ?? new Date(notBefore.getTime() + days * DAY_MS);
  const notAfter = issuerNotAfter && issuerNotAfter < wanted ? issuerNotAfter : wanted;
  if (!(notAfter > notBefore)) {
    throw new ByodaError('BYODA_ERR_PKI', 'a certificate must end after it starts (check the validity)');
  }
  return { notBefore, notAfter };
}

/** Spec §3: P-256 throughout. CSRs are checked on parsing; a caller's own key is checked here. */
function assertP256(publicKey: CryptoKey, commonName: string): void {
  const { name, namedCurve } = publicKey.algorithm as { name: string; namedCurve?: string };
  if (name !== 'ECDSA' || namedCurve !== 'P-256') {
    throw new ByodaError('BYODA_ERR_PKI', `the key for '${commonName}' must be ECDSA P-256`);
  }
}

function profileExtensions(profile: CertProfile, commonName: string): x509.Extension[] {
  switch (profile.kind) {
    case 'ca':
      return [
        new x509.BasicConstraintsExtension(true, profile.pathLength, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ];
    case 'tls':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(extendedKeyUsages(profile)),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: commonName }]),
      ];
    case 'data':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
          true,
        ),
      ];
  }
}

function extendedKeyUsages(profile: { serverAuth: boolean; clientAuth: boolean }): string[] {
  return [
    ...(profile.serverAuth ? [x509.ExtendedKeyUsage.serverAuth] : []),
    ...(profile.clientAuth ? [x509.ExtendedKeyUsage.clientAuth] : []),
  ];
}

/** RFC 5280 §4.2.1.2 method 1: the SHA-1 of the public key bits, as hex. */
async function keyIdentifier(publicKey: CryptoKey): Promise<string> {
  const ski = await x509.SubjectKeyIdentifierExtension.create(publicKey);
  return ski.keyId;
}

function keyIdExtensions(subjectKeyId: string, authorityKeyId: string): x509.Extension[] {
  return [
    new x509.SubjectKeyIdentifierExtension(subjectKeyId),
    new x509.AuthorityKeyIdentifierExtension(authorityKeyId),
  ];
}
